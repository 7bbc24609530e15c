#!/usr/bin/env bash
# Command-line usage: help, version, unknown commands and options.
. "$(dirname "$0")/lib.sh"

test_expect_success 'version' '
	"$XPV" --version >out &&
	grep -Ex "xpverify [0-9]+\.[0-9]+\.[0-9]+" out
'

test_expect_success 'no command is a usage error' '
	expect_code 2 "$XPV" 2>err &&
	grep -q "^usage: xpverify" err
'

test_expect_success 'unknown command' '
	expect_code 2 "$XPV" frobnicate 2>err &&
	grep -qx "xpverify: error: unknown command '"'"'frobnicate'"'"'" err
'

test_expect_success 'every subcommand has --help, run documents the exit codes' '
	"$XPV" --help >main && grep -q "list-checks" main && grep -q "^  4  aborted" main &&
	"$XPV" run --help >run && grep -q -- "--allow-disruptive" run && grep -q "^  3  errors" run &&
	"$XPV" validate --help >val && grep -q "FILE:LINE:COL" val &&
	"$XPV" list-checks --help >lst && grep -q -- "--json" lst &&
	"$XPV" help run >run2 && cmp run run2
'

test_expect_success 'run without a scenario' '
	expect_code 2 "$XPV" run 2>err &&
	grep -q "missing SCENARIO" err
'

test_expect_success 'run with an unknown option' '
	expect_code 2 "$XPV" run --frob x.yaml 2>err &&
	grep -q "unknown or incomplete option" err
'

test_expect_success 'unknown check in --only and --skip' '
	write_scenario s.yaml </dev/null &&
	expect_code 2 "$XPV_TEST" run s.yaml --only t-cluster,t-nope 2>err &&
	grep -qx "xpverify: error: --only: unknown check '"'"'t-nope'"'"' (xpverify list-checks shows the known ones)" err &&
	expect_code 2 "$XPV_TEST" run s.yaml --skip nope 2>err &&
	grep -q "^xpverify: error: --skip: unknown check" err &&
	test ! -e xpverify-reports
'

test_expect_success 'list-checks of the shipped build: the guide'"'"'s set-up checks, its five verification checks, then the takeover trend' '
	"$XPV" list-checks >out &&
	grep -Eq "^startup-type-manual +no$" out &&
	grep -Eq "^failover-takeover +yes$" out &&
	grep -q "^    guide: Verify that the failover cluster is working: Check the service" out &&
	grep -q "^    guide: Configure the Data Collector Server service to run in a cluster" out &&
	test "$(awk "length > 79" out | wc -l)" = 0 &&
	"$XPV" list-checks --json >out.json &&
	test "$(jq -r "map(.id) | join(\",\")" out.json)" = \
		"identical-nodes,quorum,sql-server,cluster-nodes,role-configuration,dcs-cluster-settings,idp-data-protection,registered-cluster-address,safekit-states,safekit-data-sync,safekit-console,startup-type-manual,service-status-matches-cluster,login-cluster-address,certificate-san,failover-takeover,takeover-trend" &&
	test "$(jq -r "map(select(.topologies == [\"safekit\"])) | map(.id) | join(\",\")" out.json)" = safekit-states,safekit-data-sync,safekit-console &&
	test "$(jq -r "map(select(.topologies == [\"wsfc\"])) | length" out.json)" = 8 &&
	test "$(jq -r "map(select(.topologies == [\"wsfc\", \"safekit\"])) | map(.id) | join(\",\")" out.json)" = \
		startup-type-manual,service-status-matches-cluster,login-cluster-address,certificate-san,failover-takeover,takeover-trend &&
	grep -A6 "^quorum " out | grep -q "^    topology: wsfc only" &&
	test "$(jq -r "map(select(.disruptive)) | map(.id) | join(\",\")" out.json)" = failover-takeover &&
	test "$(jq -r ".[15].params[0].name" out.json)" = settle_s &&
	test "$(jq -r ".[16].params | map(.name) | join(\",\")" out.json)" = runs,max_increase_pct &&
	jq -e "all(.[]; (.remediation | length) > 40 and (.guide_section | length) > 10)" out.json >/dev/null
'

test_expect_success 'list-checks shows id, disruptive flag, section and parameters' '
	"$XPV_TEST" list-checks >out &&
	grep -E "^t-disruptive +yes$" out &&
	grep -A2 -E "^t-disruptive " out | grep -Eq "^    guide: Test: disruptive" &&
	grep -E "^t-cluster +no$" out &&
	"$XPV_TEST" list-checks --json >out.json &&
	test "$(jq -r ".[1].id" out.json)" = t-nodes &&
	test "$(jq -r ".[2].disruptive" out.json)" = true &&
	test "$(jq -r ".[1].params[] | select(.name == \"sleep_ms\") | .type" out.json)" = integer
'

test_done
