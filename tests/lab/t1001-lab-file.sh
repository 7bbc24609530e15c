#!/usr/bin/env bash
# xplab's lab files: strict, positioned errors, exit 2, nothing started.
. "$(dirname "$0")/../cli/lib.sh"

test_expect_success 'every shipped lab file is valid (--check), nothing started' '
	mkdir empty &&
	for f in "$XPV_LABS"/*.yaml; do
		(cd empty && TMPDIR=$PWD "$XPLAB" --check "$f") >out 2>err || { cat err; exit 1; }
		grep -q "^$f: a valid lab file: [0-9]* nodes, " out &&
		test ! -s err || exit 1
	done &&
	test -z "$(ls -A empty)" &&
	"$XPLAB" --check "$XPV_LABS/safekit.yaml" | grep -q "2 nodes, SafeKit$" &&
	"$XPLAB" --check "$XPV_LABS/healthy.yaml" | grep -q "2 nodes, failover cluster$"
'

# Every shipped file is started by the tests that use it (an e2e case, a
# lab test, a scenario, or as the base of another file); here both kinds
# start and stop cleanly.
test_expect_success 'every shipped lab file is used by a test that starts it' '
	for f in "$XPV_LABS"/*.yaml; do
		b=$(basename "$f")
		grep -rlF -- "$b" "$XPV_SRC/tests/e2e" "$XPV_SRC/tests/lab" "$XPV_SRC/tests/cli" "$XPV_SRC/scenarios" \
			"$XPV_LABS" | grep -v -e "/t1001-lab-file.sh$" -e "/$b$" | grep -q . ||
			{ echo "$b: no test starts it" >&2; exit 1; }
	done
'

test_expect_success 'a cluster lab and a SafeKit lab start, then stop on SIGTERM' '
	for f in "$XPV_LABS/healthy.yaml" "$XPV_LABS/safekit.yaml"; do
		"$XPLAB" "$f" --state-dir st --ready-file ready.json --port-offset auto 2>err &
		pid=$!
		wait_for ready.json "" 20 || { cat err; exit 1; }
		kill -TERM $pid && wait $pid &&
		test ! -e ready.json || exit 1
	done
'

test_expect_success '--check: a bad file is exit 2 with the same messages, other options refused' '
	sed "s/127.0.10.2}/127.0.0.5}/" "$XPV_LABS/healthy.yaml" >bad.yaml &&
	expect_code 2 "$XPLAB" --check bad.yaml >out 2>err &&
	grep -q "^bad.yaml:32:30: nodes\[1\].address: " err &&
	test ! -s out &&
	expect_code 2 "$XPLAB" --check --port-offset 10 "$XPV_LABS/healthy.yaml" 2>err &&
	grep -q "^xplab: error: --check starts nothing: it takes no other option" err
'

test_expect_success 'addresses outside 127.0.10.x are refused' '
	sed "s/127.0.10.2}/127.0.0.5}/" "$XPV_LABS/healthy.yaml" >bad.yaml &&
	expect_code 2 "$XPLAB" bad.yaml 2>err &&
	grep -q "^bad.yaml:32:30: nodes\[1\].address: '"'"'127.0.0.5'"'"' is not a lab address: the lab binds 127.0.10.1 to 127.0.10.254 only" err
'

test_expect_success 'faults: unknown type, missing and extra keys, unknown node' '
	cat >f.yaml <<-EOF &&
	base: $XPV_LABS/healthy.yaml
	faults:
	  - {type: disk-full}
	  - {type: winrm-slow, node: XPNODE2}
	  - {type: login-rejected, node: XPNODE1}
	  - {type: cert-expired, node: XPNODE9}
	EOF
	expect_code 2 "$XPLAB" f.yaml 2>err &&
	grep -q "^f.yaml:3:12: faults\[0\].type: expected one of start-mode, view-out-of-sync," err &&
	grep -q "^f.yaml:4:5: faults\[1\]: fault winrm-slow needs key '"'"'delay_ms'"'"'" err &&
	grep -q "^f.yaml:5:5: faults\[2\]: fault login-rejected takes no key '"'"'node'"'"'" err &&
	! grep -q "XPNODE9" err
'

test_expect_success 'unknown node in a fault, owner not a node, timings' '
	cat >g.yaml <<-EOF &&
	base: $XPV_LABS/healthy.yaml
	owner: XPNODE7
	timings: {reboot_ms: 500, detect_ms: 900}
	faults:
	  - {type: cert-expired, node: XPNODE9}
	EOF
	expect_code 2 "$XPLAB" g.yaml 2>err &&
	grep -q "owner: no node named '"'"'XPNODE7'"'"'" err &&
	grep -q "timings: reboot_ms (500) must be longer than detect_ms (900)" err &&
	grep -q "faults\[0\]: no node named '"'"'XPNODE9'"'"'" err
'

test_expect_success 'a base that does not load is named' '
	printf "base: bad.yaml\n" >h.yaml &&
	expect_code 2 "$XPLAB" h.yaml 2>err &&
	grep -q "^h.yaml:1:1: base: the base lab file is not valid: bad.yaml:32:30: nodes\[1\].address" err
'

test_expect_success 'missing file and bad options' '
	expect_code 2 "$XPLAB" nope.yaml 2>err && grep -q "^nope.yaml: cannot read" err &&
	expect_code 2 "$XPLAB" 2>/dev/null &&
	expect_code 2 "$XPLAB" --frob x 2>/dev/null &&
	"$XPLAB" --help | grep -q "ready file"
'

test_done
