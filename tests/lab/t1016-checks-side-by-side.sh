#!/usr/bin/env bash
# Checks side by side against a slow node: with --jobs the two WinRM
# verification checks ask XPNODE1 at the same time, over two connections
# (their exchanges overlap in the node's transcript); with -j 1 one
# exchange ends before the next starts. The lab answers every WinRM request
# on XPNODE1 300 ms late (winrm-slow), so that a second connection is worth
# opening.
. "$(dirname "$0")/../cli/lib.sh"

# overlaps TRANSCRIPT: how many exchanges started before the one before
# them ended (the transcript lists exchanges as they end: "=== START POST"
# then "=== END HTTP")
overlaps() {
	/usr/bin/python3 - "$1" <<-'PY'
	import re, sys
	text = open(sys.argv[1]).read()
	pairs = re.findall(r"^=== (\S+) POST .*?^=== (\S+) HTTP", text, re.M | re.S)
	spans = sorted(pairs)
	print(sum(1 for a, b in zip(spans, spans[1:]) if b[0] < a[1]))
	PY
}

test_expect_success 'a slow node is asked by two checks at once, over two connections' '
	printf "base: %s\nfaults:\n  - {type: winrm-slow, node: XPNODE1, delay_ms: 300}\n" \
		"$XPV_LABS/healthy.yaml" >slow.yaml &&
	printf "name: side by side\nlab: %s/slow.yaml\n" "$PWD" >s.yaml &&
	"$XPV" run s.yaml --out r --evidence ev -q \
		--only startup-type-manual,service-status-matches-cluster 2>err &&
	test "$(json_get r/results.json .run.verdict)" = pass &&
	t=$(ls -d ev/xpverify-evidence-*/ | head -1)transcripts/XPNODE1.txt &&
	test "$(overlaps "$t")" -ge 1 &&
	"$XPV" run s.yaml --out r1 --evidence ev1 -q -j 1 \
		--only startup-type-manual,service-status-matches-cluster 2>err1 &&
	t1=$(ls -d ev1/xpverify-evidence-*/ | head -1)transcripts/XPNODE1.txt &&
	test "$(grep -c "^=== .* POST " "$t1")" -ge 2 &&
	test "$(overlaps "$t1")" = 0
'

test_done
