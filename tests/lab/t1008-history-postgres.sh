#!/usr/bin/env bash
# The run history in PostgreSQL through psqlODBC: a throwaway server on
# 127.0.0.1 with password authentication, lab runs stored in it, read
# back, and the password nowhere in what xpverify writes.
. "$(dirname "$0")/../cli/lib.sh"

# a free port: another run of this test may be under way on this machine
PG_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PG_PASSWORD=pg-Hist-S3cret-42
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR=$(mktemp -d /tmp/xpv-pg.XXXXXX)
CONN="Driver=PostgreSQL Unicode;Servername=127.0.0.1;Port=$PG_PORT;Database=postgres;Username=xpv"

# as_pg CMD...: PostgreSQL refuses to run as root; the package's user runs it then
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

stop_pg() {
	[ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate >/dev/null 2>&1
	rm -rf "$PG_DIR"
}
trap 'stop_pg; stop_lab; rm -rf "$TRASH"' EXIT

psql_q() {
	PGPASSWORD=$PG_PASSWORD psql "host=127.0.0.1 port=$PG_PORT user=xpv dbname=postgres" -Atq -c "$1"
}

test_expect_success 'a throwaway PostgreSQL server with password authentication starts' '
	test -x "$PG_BIN/initdb" || { echo "no PostgreSQL server: run ci/deps.sh"; exit 1; } &&
	printf "%s\n" "$PG_PASSWORD" >"$PG_DIR/pw" &&
	if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$PG_DIR"; fi &&
	as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U xpv --pwfile="$PG_DIR/pw" --auth=scram-sha-256 \
		-E UTF8 --no-locale >"$PG_DIR/initdb.log" &&
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off" \
		start >/dev/null &&
	test "$(psql_q "select 1")" = 1
'

test_expect_success 'lab runs are stored in PostgreSQL; the tables are created on first use' '
	cat >p.yaml <<-YAML &&
	name: nightly-pg
	lab: $XPV_LABS/healthy.yaml
	failover: {takeover_max_s: 8, timeout_s: 30}
	checks: {params: {failover-takeover: {settle_s: 1}, takeover-trend: {runs: 1}}}
	history:
	  odbc: $CONN
	  password_env: XPV_TEST_PG_PASSWORD
	YAML
	test -z "$(psql_q "select tablename from pg_tables where tablename like '\''xpv_%'\''")" &&
	XPV_TEST_PG_PASSWORD=$PG_PASSWORD "$XPV" run p.yaml --out r1 -q &&
	XPV_TEST_PG_PASSWORD=$PG_PASSWORD "$XPV" run p.yaml --out r2 --evidence ev -v 2>log &&
	jq -e ".checks[] | select(.id == \"history\") | .results[0].verdict == \"pass\"" r2/results.json &&
	jq -e ".checks[] | select(.id == \"takeover-trend\") | .results[0] | .verdict == \"pass\" and .figures.runs == \"1\"" r2/results.json &&
	jq -e ".checks[] | select(.id == \"takeover-trend\") | .results[0].verdict == \"skip\"" r1/results.json &&
	test "$(psql_q "select count(*) from xpv_runs where scenario = '\''nightly-pg'\''")" = 2 &&
	id=$(jq -r .run.id r2/results.json) &&
	test "$(psql_q "select count(*) from xpv_results where run_id = '\''$id'\''")" = \
		"$(jq "[.checks[] | select(.id != \"history\") | .results[]] | length" r2/results.json)" &&
	test "$(psql_q "select count(*) from xpv_failover_stages where run_id = '\''$id'\'' and stage = '\''login_up'\''")" = 1
'

test_expect_success 'xpverify history reads them back, from the scenario or a connection string' '
	XPV_TEST_PG_PASSWORD=$PG_PASSWORD "$XPV" history --scenario p.yaml --json >runs.json &&
	test "$(jq length runs.json)" = 2 &&
	test "$(jq -r ".[0].run_id" runs.json)" = "$(jq -r .run.id r2/results.json)" &&
	jq -e "all(.[]; .verdict == \"pass\" and (.takeover_ms | type) == \"number\")" runs.json &&
	XPV_HISTORY_PASSWORD=$PG_PASSWORD "$XPV" history --odbc "$CONN" --last 1 >table &&
	test "$(wc -l <table)" = 2 &&
	grep -q "nightly-pg .* pass " table
'

test_expect_success 'the database password appears in no report, evidence or log' '
	! grep -rqa -- "$PG_PASSWORD" r1 r2 ev log
'

test_expect_success 'a refused password is an error of the history step with the server'"'"'s words' '
	XPV_TEST_PG_PASSWORD=wrong-one expect_code 3 "$XPV" run p.yaml --out bad -q --only startup-type-manual &&
	jq -r ".checks[] | select(.id == \"history\") | .results[0] | .verdict + \": \" + .message" bad/results.json >msg &&
	grep -q "^error: the history store could not be reached: connecting: \[08001\] .*password authentication failed for user \"xpv\"$" msg &&
	test -s bad/junit.xml && test -s bad/report.html &&
	test "$(psql_q "select count(*) from xpv_runs")" = 2
'

test_done
