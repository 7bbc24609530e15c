#!/usr/bin/env bash
# 'xpverify history' without a lab: usage, an empty store, stores that
# cannot be reached (the driver's message, exit 3, no password shown).
. "$(dirname "$0")/lib.sh"

test_expect_success 'history wants exactly one of --scenario and --odbc' '
	expect_code 2 "$XPV" history 2>err &&
	grep -q "give either --scenario or --odbc" err &&
	expect_code 2 "$XPV" history --odbc x --scenario y 2>err &&
	grep -q "give either --scenario or --odbc" err &&
	expect_code 2 "$XPV" history --odbc x --last 0 2>err &&
	grep -q -- "--last takes a number" err &&
	expect_code 2 "$XPV" history --odbc x extra 2>err &&
	grep -q "unexpected argument .extra." err &&
	"$XPV" history --help >out && grep -q -- "--last N" out &&
	"$XPV" help history >out2 && cmp out out2
'

test_expect_success 'a scenario without a history section keeps none' '
	write_scenario s.yaml </dev/null &&
	expect_code 2 "$XPV" history --scenario s.yaml 2>err &&
	grep -q "s.yaml has no .history. section" err
'

test_expect_success 'validate names the store; history: alone means SQLite next to the scenario' '
	mkdir -p sub &&
	write_scenario sub/h.yaml <<-YAML &&
	history:
	YAML
	"$XPV" validate sub/h.yaml >out &&
	grep -qx "history: Driver=SQLite3;Database=sub/xpverify-history.db" out
'

test_expect_success 'an empty store lists no runs and creates nothing' '
	"$XPV" history --odbc "Driver=SQLite3;Database=$PWD/empty.db" >out &&
	grep -qx "no runs on record" out &&
	"$XPV" history --odbc "Driver=SQLite3;Database=$PWD/empty.db" --json >out.json &&
	test "$(jq length out.json)" = 0 &&
	test -z "$(sqlite3 empty.db .tables)"
'

test_expect_success 'a store that cannot be reached: exit 3 with the driver message' '
	expect_code 3 "$XPV" history --odbc "Driver=SQLite3;Database=$PWD/no/such/dir/h.db" 2>err &&
	grep -q "Database=$PWD/no/such/dir/h.db: connecting: \[HY000\] \[SQLite\]connect failed" err &&
	expect_code 3 "$XPV" history --odbc "Driver=No Such Driver;Database=x" 2>err &&
	grep -q "connecting: \[01000\].*No Such Driver\|connecting: \[IM002\]" err
'

test_expect_success 'a refused PostgreSQL connection names the server; the password stays out' '
	XPV_HISTORY_PASSWORD=pg-Hist-Secret-1 expect_code 3 "$XPV" history \
		--odbc "Driver=PostgreSQL Unicode;Servername=127.0.0.1;Port=1;Database=x;Username=u" 2>err &&
	grep -q "connecting: \[08001\] connection to server at \"127.0.0.1\", port 1 failed" err &&
	! grep -q "pg-Hist-Secret-1" err
'

test_done
