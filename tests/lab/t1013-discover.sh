#!/usr/bin/env bash
# xpverify discover: one node of the lab's domain cluster, reached as a
# stock domain member is (Kerberos over HTTP), writes a scenario that runs
# every non-disruptive check with pass; what it cannot find is a TODO; it
# never overwrites a file nor writes a secret.
. "$(dirname "$0")/../cli/lib.sh"

# discover_lab [ARGS...]: discover from XPNODE1 of the running lab, Kerberos
# over HTTP with the lab's domain account.
discover_lab() {
	XPV_WINRM_AUTH= XPV_WINRM_TRANSPORT= XPV_WINRM_USER=labadmin@LAB.LOCAL XPV_WINRM_KDC=$LAB_KDC \
		"$XPV" discover --host "xpnode1.lab.local:$WINRM_HTTP_PORT" --resolve xpnode1.lab.local:127.0.10.1 "$@"
}

test_expect_success 'discover writes the cluster, its nodes, the role and the cluster address' '
	start_lab "$XPV_LABS/healthy.yaml" &&
	discover_lab -o found.yaml 2>err &&
	cat err found.yaml &&
	grep -q "^discover: wrote found.yaml (cluster xpcluster, 2 nodes, role ms-role)$" err &&
	/usr/bin/python3 -c "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))" found.yaml >found.json &&
	test "$(jq -r .cluster.name found.json)" = xpcluster &&
	test "$(jq -r .cluster.role found.json)" = ms-role &&
	test "$(jq -r .cluster.address found.json)" = "https://ms-role.lab.local:$HTTPS_PORT" &&
	test "$(jq -c "[.nodes[] | [.name, .host, .fqdn]]" found.json)" = \
		"[[\"XPNODE1\",\"xpnode1.lab.local\",\"xpnode1.lab.local\"],[\"XPNODE2\",\"xpnode2.lab.local\",\"xpnode2.lab.local\"]]" &&
	test "$(jq -r ".winrm | [.transport, .port, .auth, .username, .password_env] | join(\" \")" found.json)" = \
		"http $WINRM_HTTP_PORT negotiate labadmin@LAB.LOCAL XPV_WINRM_PASSWORD" &&
	test "$(jq -c "[.nodes[].ip]" found.json)" = "[\"127.0.10.1\",\"127.0.10.2\"]" &&
	grep -q "^#   \"xpnode2.lab.local\": 127.0.10.2$" found.yaml &&
	test "$(jq -r .failover.allow_disruptive found.json)" = false &&
	! grep -q "$XPV_WINRM_PASSWORD" found.yaml
'

test_expect_success 'the scenario it wrote runs every non-disruptive check with pass' '
	cp found.yaml run.yaml &&
	# what DNS and the trust store would give on a real network
	printf "resolve:\n  xpnode1.lab.local: 127.0.10.1\n  xpnode2.lab.local: 127.0.10.2\n  ms-role.lab.local: 127.0.10.100\n" >>run.yaml &&
	sed -i "s|^  # ca_file: ca.pem .*|  ca_file: $PWD/lab-state/ca.pem|" run.yaml &&
	"$XPV" validate run.yaml >/dev/null &&
	"$XPV" run run.yaml --out r -q 2>err; code=$?; cat err &&
	test "$code" = 0 &&
	test "$(jq -r "[.checks[] | select(.id != \"failover-takeover\" and .id != \"takeover-trend\") | .verdict] | unique | join(\",\")" r/results.json)" = pass &&
	test "$(jq "[.checks[] | select(.verdict == \"pass\")] | length" r/results.json)" = 12
'

test_expect_success 'a cluster address written in capitals is the same address' '
	sed "s|^  address: \"https://ms-role.lab.local|  address: \"https://MS-Role.LAB.local|" run.yaml >caps.yaml &&
	grep -q "https://MS-Role.LAB.local" caps.yaml &&
	"$XPV" run caps.yaml --out rc -q --only dcs-cluster-settings,registered-cluster-address 2>/dev/null &&
	test "$(jq -r "[.checks[] | select(.ran) | .verdict] | unique | join(\",\")" rc/results.json)" = pass
'

test_expect_success 'an existing file is never overwritten, and nothing is asked' '
	echo keep >kept.yaml &&
	expect_code 2 discover_lab -o kept.yaml 2>err &&
	grep -q "kept.yaml exists; remove it or write elsewhere (nothing was asked)" err &&
	test "$(cat kept.yaml)" = keep
'

test_expect_success 'what it cannot find is a TODO in the file and a line on stderr' '
	printf "base: %s\nfaults:\n  - {type: role-missing-resource, service: management_server}\n" \
		"$XPV_LABS/healthy.yaml" >no-ms.yaml &&
	start_lab no-ms.yaml &&
	discover_lab -o todo.yaml 2>err &&
	cat err todo.yaml &&
	grep -q "not determined: the role: no Generic Service resource of the cluster runs Milestone XProtect Management Server" err &&
	grep -q "^#   - the role: no Generic Service resource" todo.yaml &&
	grep -q "^  role: \"TODO\"" todo.yaml
'

test_expect_success 'a node that is no cluster member: exit 3, said so, no file' '
	printf "base: %s\nfaults:\n  - {type: node-not-in-cluster, node: XPNODE2}\n" "$XPV_LABS/healthy.yaml" >lone.yaml &&
	start_lab lone.yaml &&
	XPV_WINRM_AUTH= XPV_WINRM_TRANSPORT= XPV_WINRM_USER=labadmin@LAB.LOCAL XPV_WINRM_KDC=$LAB_KDC \
		expect_code 3 "$XPV" discover --host "xpnode2.lab.local:$WINRM_HTTP_PORT" \
		--resolve xpnode2.lab.local:127.0.10.2 -o lone-found.yaml 2>err &&
	cat err &&
	grep -q "cannot ask the cluster (is this a cluster node?)" err &&
	test ! -e lone-found.yaml
'

test_expect_success 'a SafeKit node: the module, the pair, the domain and the virtual address' '
	start_lab "$XPV_LABS/safekit.yaml" &&
	XPV_WINRM_AUTH= XPV_WINRM_TRANSPORT= XPV_WINRM_USER=labadmin@LAB.LOCAL XPV_WINRM_KDC=$LAB_KDC \
		"$XPV" discover --host "xpsk1.lab.local:$WINRM_HTTP_PORT" --resolve xpsk1.lab.local:127.0.10.11 \
		-o sk.yaml 2>err &&
	cat err sk.yaml &&
	grep -q "^discover: wrote sk.yaml (SafeKit pair XPSK1 and XPSK2, module AM)$" err &&
	/usr/bin/python3 -c "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))" sk.yaml >sk.json &&
	test "$(jq -r .topology sk.json)" = safekit &&
	test "$(jq -r .safekit.module sk.json)" = AM &&
	test "$(jq -r .cluster.address sk.json)" = "https://127.0.10.110:$HTTPS_PORT" &&
	test "$(jq -c "[.nodes[] | [.name, .host]]" sk.json)" = "[[\"XPSK1\",\"xpsk1.lab.local\"],[\"XPSK2\",\"xpsk2.lab.local\"]]" &&
	! grep -q "TODO" sk.yaml
'

test_expect_success 'the SafeKit scenario it wrote runs every non-disruptive check with pass' '
	cp sk.yaml skrun.yaml &&
	printf "resolve:\n  xpsk1.lab.local: 127.0.10.11\n  xpsk2.lab.local: 127.0.10.12\n" >>skrun.yaml &&
	printf "  console_port: %s\n" "$CONSOLE_PORT" >console.txt &&
	sed -i "/^  module: /r console.txt" skrun.yaml &&
	sed -i "s|^  # ca_file: ca.pem .*|  ca_file: $PWD/lab-state/ca.pem|" skrun.yaml &&
	"$XPV" validate skrun.yaml >/dev/null &&
	"$XPV" run skrun.yaml --out rs -q 2>err; code=$?; cat err &&
	jq -r ".checks[].results[] | select(.verdict != \"pass\") | .target + \": \" + .message" rs/results.json &&
	test "$code" = 0 &&
	test "$(jq -r "[.checks[] | select(.id != \"failover-takeover\" and .id != \"takeover-trend\") | .verdict] | unique | join(\",\")" rs/results.json)" = pass &&
	test "$(jq "[.checks[] | select(.verdict == \"pass\")] | length" rs/results.json)" = 7 &&
	test "$(jq -r ".checks[] | select(.id == \"certificate-san\") | .results[] | select(.target == \"cluster address 127.0.10.110\") | .verdict" rs/results.json)" = pass
'

test_expect_success 'bad invocations' '
	expect_code 2 "$XPV" discover 2>err && grep -q "give --host HOST\[:PORT\]" err &&
	expect_code 2 "$XPV" discover --host a --frob 2>err && grep -q "unknown or incomplete option" err &&
	"$XPV" discover --help | grep -q "never over an existing file" &&
	"$XPV" help discover | grep -q "^usage: xpverify discover"
'

test_done
