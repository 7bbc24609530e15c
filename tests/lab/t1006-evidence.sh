#!/usr/bin/env bash
# Evidence from a real run against the lab: every WinRM and HTTPS exchange
# per node with credentials and tokens redacted, the certificate chains
# served, the failover timeline.
. "$(dirname "$0")/../cli/lib.sh"

test_expect_success 'a lab run with a failover leaves complete evidence' '
	cat >s.yaml <<-YAML &&
	name: evidence
	lab: $XPV_LABS/healthy.yaml
	failover: {takeover_max_s: 5, timeout_s: 20}
	checks: {params: {failover-takeover: {settle_s: 1}}}
	YAML
	"$XPV" run s.yaml --out r --evidence ev -q 2>err &&
	dir=$(ls -d ev/xpverify-evidence-*/) &&
	for f in transcripts/XPNODE1.txt transcripts/XPNODE2.txt transcripts/cluster-address.txt \
		certs/XPNODE1.pem certs/XPNODE2.pem certs/cluster-address-ms-role.lab.local.pem \
		certs/cluster-address-ms-role.lab.local-after-failover.pem timeline.csv; do
		test -s "$dir/$f" || { echo "missing $f"; ls -R "$dir"; exit 1; }
	done &&
	"$XPV" evidence verify ev/xpverify-evidence-*.tar.gz >/dev/null
'

test_expect_success 'transcripts hold the exchanges, in order, without credentials or tokens' '
	dir=$(ls -d ev/xpverify-evidence-*/) &&
	grep -q "select Name,StartMode,State,ProcessId from Win32_Service" "$dir/transcripts/XPNODE1.txt" &&
	grep -q "transfer/Create" "$dir/transcripts/XPNODE1.txt" &&
	grep -q "Authorization: \[REDACTED\]" "$dir/transcripts/XPNODE1.txt" &&
	! grep -qi "Authorization: Basic" "$dir/transcripts/XPNODE1.txt" &&
	grep -q "\"access_token\":\"\[REDACTED\]\"" "$dir/transcripts/cluster-address.txt" &&
	grep -q "password=\[REDACTED\]" "$dir/transcripts/cluster-address.txt" &&
	! grep -rqa "lab-Winrm-2026\|lab-Login-2026\|$(printf labadmin:lab-Winrm-2026 | base64)" ev
'

test_expect_success 'the certificates are the ones served; the timeline has every stage' '
	dir=$(ls -d ev/xpverify-evidence-*/) &&
	openssl x509 -in "$dir/certs/XPNODE2.pem" -noout -subject | grep -q "XPNODE2.lab.local" &&
	openssl x509 -in "$dir/certs/cluster-address-ms-role.lab.local-after-failover.pem" -noout -subject |
		grep -q "XPNODE2.lab.local" &&
	head -1 "$dir/timeline.csv" | grep -qx "result,stage,ms_from_trigger,realtime_us,realtime_utc" &&
	grep -q "^takeover-time,login_up," "$dir/timeline.csv" &&
	grep -q "^takeover-time,owner_changed," "$dir/timeline.csv"
'

test_expect_success 'ground truth that cannot be copied next to the reports is an error, not an empty file' '
	cat >short.yaml <<-YAML &&
	name: short
	lab: $XPV_LABS/healthy.yaml
	checks: {exclude: [failover-takeover]}
	YAML
	mkdir -p blocked/lab-events.jsonl &&
	expect_code 3 "$XPV" run short.yaml --out blocked -q 2>err &&
	grep -q "cannot write blocked/lab-events.jsonl: Is a directory" err &&
	test -s blocked/results.json
'

test_done
