#!/usr/bin/env bash
# The evidence archive: what it holds, sha256sum -c, evidence verify naming
# every change, addition and removal, and no secret anywhere in it.
. "$(dirname "$0")/lib.sh"

test_expect_success 'a run writes the evidence directory and its archive' '
	write_scenario s.yaml <<-YAML &&
	winrm: {transport: https, auth: basic, username: u, password: "S3cret-inline-pw"}
	checks: {params: {t-nodes: {echo_secret: true, fail_node: node2}}}
	reports: {evidence: ev}
	YAML
	expect_code 1 "$XPV_TEST" run s.yaml --out r 2>err &&
	grep -q "^Evidence:     ev/xpverify-evidence-.*\.tar\.gz" err &&
	dir=$(ls -d ev/xpverify-evidence-*/) &&
	for f in results.json junit.xml report.html timeline.csv environment.json MANIFEST.sha256; do
		test -s "$dir/$f" || { echo "missing $f"; exit 1; }
	done &&
	test "$(jq -r .run.exit_code "$dir/results.json")" = 1 &&
	test "$(jq -r .harness.name "$dir/environment.json")" = xpverify &&
	test "$(jq -r .scenario_sha256 "$dir/environment.json")" = "$(sha256sum s.yaml | cut -d" " -f1)" &&
	test "$(jq -r .scenario.winrm.password "$dir/environment.json")" = "[REDACTED]" &&
	test "$(jq -r .scenario.winrm.username "$dir/environment.json")" = u &&
	(cd "$dir" && sha256sum --quiet -c MANIFEST.sha256) &&
	tar tzf ev/xpverify-evidence-*.tar.gz | grep -q "/MANIFEST.sha256$"
'

test_expect_success 'no secret anywhere, byte for byte, in the directory or the archive' '
	! grep -ra "S3cret-inline-pw" ev &&
	mkdir unpacked && tar xzf ev/xpverify-evidence-*.tar.gz -C unpacked &&
	! grep -ra "S3cret-inline-pw" unpacked
'

test_expect_success 'verify: intact archive and directory exit 0' '
	"$XPV_TEST" evidence verify ev/xpverify-evidence-*.tar.gz >out &&
	grep -q ": intact$" out &&
	"$XPV_TEST" evidence verify "$(ls -d ev/xpverify-evidence-*/)" >out &&
	grep -q ": intact$" out
'

test_expect_success 'verify names a changed, an added and a removed file: exit 1' '
	dir=$(ls -d unpacked/xpverify-evidence-*) &&
	echo "<!-- edited -->" >>"$dir/report.html" &&
	echo extra >"$dir/notes.txt" &&
	rm "$dir/timeline.csv" &&
	expect_code 1 "$XPV_TEST" evidence verify "$dir" >out &&
	grep -qx "changed: report.html" out &&
	grep -qx "added: notes.txt" out &&
	grep -qx "missing: timeline.csv" out &&
	grep -q ": ALTERED$" out &&
	(cd "$dir" && ! sha256sum --quiet -c MANIFEST.sha256 2>/dev/null)
'

test_expect_success 'an altered archive is caught the same way' '
	dir=$(ls -d unpacked/xpverify-evidence-*) &&
	tar czf altered.tar.gz -C unpacked "$(basename "$dir")" &&
	expect_code 1 "$XPV_TEST" evidence verify altered.tar.gz >out &&
	grep -qx "changed: report.html" out
'

test_expect_success 'unusable input: exit 2 with a reason' '
	expect_code 2 "$XPV_TEST" evidence verify s.yaml 2>err && grep -q "not an evidence archive" err &&
	expect_code 2 "$XPV_TEST" evidence verify nope 2>err &&
	mkdir empty && expect_code 2 "$XPV_TEST" evidence verify empty 2>err && grep -q "no MANIFEST.sha256" err &&
	mkdir bare && : >bare/MANIFEST.sha256 && echo x >bare/a &&
	expect_code 1 "$XPV_TEST" evidence verify bare >out && grep -qx "added: a" out &&
	expect_code 2 "$XPV_TEST" evidence 2>/dev/null &&
	"$XPV_TEST" evidence --help | grep -q "0 intact, 1 altered, 2 unusable"
'

test_expect_success 'verify is confined: no path outside, no link followed, no FIFO waited on' '
	cp -r "$(ls -d ev/xpverify-evidence-*/)" box &&
	# a manifest line for a file of this machine is refused, not answered
	cp box/MANIFEST.sha256 good.sha256 &&
	printf "%s  ../../../../../../etc/passwd\n" "$(sha256sum /etc/passwd | cut -c1-64)" >>box/MANIFEST.sha256 &&
	expect_code 2 "$XPV_TEST" evidence verify box 2>err &&
	grep -q "the path .*etc/passwd. leaves the evidence directory" err &&
	cp good.sha256 box/MANIFEST.sha256 &&
	# a listed file replaced by a link to a file outside: missing, not read
	mv box/timeline.csv box/timeline.orig && ln -s /etc/passwd box/timeline.csv &&
	expect_code 1 "$XPV_TEST" evidence verify box >out &&
	grep -qx "missing: timeline.csv" out &&
	rm box/timeline.csv && mv box/timeline.orig box/timeline.csv &&
	# a FIFO (or a link to /dev/stdin) is named, never opened for reading
	mkfifo box/pipe && ln -s /dev/stdin box/stdin &&
	expect_code 1 timeout 10 "$XPV_TEST" evidence verify box >out </dev/null &&
	grep -qx "added: pipe" out && grep -qx "added: stdin" out
'

test_expect_success 'verify unpacks only plain files, within bounds, and leaves no temp dir' '
	/usr/bin/python3 - <<-"EOF" &&
	import io, tarfile
	with tarfile.open("link.tar.gz", "w:gz") as t:
	    i = tarfile.TarInfo("xpverify-evidence-x/MANIFEST.sha256"); i.type = tarfile.SYMTYPE; i.linkname = "/etc/passwd"
	    t.addfile(i)
	with tarfile.open("many.tar.gz", "w:gz") as t:
	    for n in range(10001):
	        t.addfile(tarfile.TarInfo("xpverify-evidence-x/f%d" % n), io.BytesIO(b""))
	with open("huge.tar", "wb") as f:
	    i = tarfile.TarInfo("xpverify-evidence-x/big"); i.size = 300 << 20
	    f.write(i.tobuf())
	EOF
	mkdir vtmp &&
	TMPDIR=$PWD/vtmp expect_code 2 "$XPV_TEST" evidence verify link.tar.gz 2>err &&
	grep -q "is not a plain file or directory" err &&
	TMPDIR=$PWD/vtmp expect_code 2 "$XPV_TEST" evidence verify many.tar.gz 2>err &&
	grep -q "larger than 10000 files" err &&
	TMPDIR=$PWD/vtmp expect_code 2 "$XPV_TEST" evidence verify huge.tar 2>err &&
	grep -q "larger than 10000 files, 256 MiB a file" err &&
	test -z "$(ls vtmp)"
'

test_expect_success 'an aborted run still leaves its evidence, marked aborted' '
	write_scenario a.yaml <<-YAML &&
	checks: {params: {t-cluster: {raise: SIGINT}}}
	YAML
	expect_code 4 "$XPV_TEST" run a.yaml --out r2 --evidence ev2 2>/dev/null &&
	test "$(jq .aborted ev2/xpverify-evidence-*/environment.json)" = true &&
	"$XPV_TEST" evidence verify ev2/xpverify-evidence-*.tar.gz >/dev/null
'

test_expect_success 'a signed manifest verifies with plain openssl cms and with --ca' '
	openssl req -x509 -newkey rsa:2048 -sha256 -days 30 -subj /CN=auditor -keyout sign.key -out sign.crt \
		-passout pass:Sign-Pass-2026 2>/dev/null &&
	export XPV_SIGN_PASS=Sign-Pass-2026 &&
	write_scenario signed.yaml <<-YAML &&
	reports: {evidence: ev3, signing_key: sign.key, signing_cert: sign.crt, signing_passphrase_env: XPV_SIGN_PASS}
	YAML
	"$XPV_TEST" run signed.yaml --out r3 -q 2>/dev/null &&
	dir=$(ls -d ev3/xpverify-evidence-*/) &&
	test -s "$dir/MANIFEST.sha256.p7s" &&
	openssl cms -verify -binary -inform DER -in "$dir/MANIFEST.sha256.p7s" -content "$dir/MANIFEST.sha256" \
		-CAfile sign.crt -purpose any -out /dev/null 2>/dev/null &&
	"$XPV_TEST" evidence verify ev3/xpverify-evidence-*.tar.gz --ca sign.crt | grep -q ": intact$" &&
	! grep -ra "Sign-Pass-2026" ev3 r3
'

test_expect_success 'a rewritten manifest passes the hashes but not the signature' '
	mkdir re && tar xzf ev3/xpverify-evidence-*.tar.gz -C re &&
	dir=$(ls -d re/xpverify-evidence-*) &&
	echo forged >>"$dir/junit.xml" &&
	(cd "$dir" && sha256sum $(cut -c67- MANIFEST.sha256) >MANIFEST.sha256) &&
	"$XPV_TEST" evidence verify "$dir" | grep -q ": intact$" &&
	expect_code 1 "$XPV_TEST" evidence verify "$dir" --ca sign.crt >out &&
	grep -q "^signature: does not verify" out &&
	! openssl cms -verify -binary -inform DER -in "$dir/MANIFEST.sha256.p7s" -content "$dir/MANIFEST.sha256" \
		-CAfile sign.crt -purpose any -out /dev/null 2>/dev/null
'

test_expect_success 'with --ca an unsigned archive is an alteration; a bad passphrase is an error' '
	expect_code 1 "$XPV_TEST" evidence verify ev/xpverify-evidence-*.tar.gz --ca sign.crt >out &&
	grep -q "^signature: missing" out &&
	XPV_SIGN_PASS=wrong expect_code 3 "$XPV_TEST" run signed.yaml --out r4 --evidence ev4 -q 2>err &&
	grep -q "evidence: cannot read the signing key" err &&
	test -z "$(ls ev4 2>/dev/null)" &&
	printf "%s\n" "name: x" "cluster: {name: c, role: r, address: https://r.lab}" \
		"nodes: [{name: a, host: h1}, {name: b, host: h2}]" "reports: {evidence: e, signing_key: sign.key}" >half.yaml &&
	expect_code 2 "$XPV_TEST" validate half.yaml 2>err &&
	grep -q "signing_key and signing_cert go together" err
'

test_done
