#include "history.h"

#include "error.h"
#include "log.h"
#include "secrets.h"
#include "util.h"

#include <sql.h>
#include <sqlext.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const struct xpv_check xpv_history_check = {
	.id = "history",
	.title = "The run is stored in the history store",
	.guide_section = "xpverify: run history (not a guide step)",
	.remediation = "Check history.odbc in the scenario and that the database is reachable and writable; "
		       "the message holds the driver's own words.",
};

struct xpv_history {
	SQLHENV env;
	SQLHDBC dbc;
	bool connected;
	SQLULEN timeout_s;
};

/* Portable SQL: SQLite and PostgreSQL both take these types and
 * CREATE TABLE IF NOT EXISTS. Times are ISO 8601 UTC text and realtime
 * microseconds (for ordering). */
static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS xpv_runs ("
	" run_id VARCHAR(64) PRIMARY KEY,"
	" scenario VARCHAR(255) NOT NULL,"
	" scenario_file TEXT,"
	" cluster VARCHAR(255),"
	" host VARCHAR(255),"
	" version VARCHAR(32) NOT NULL,"
	" started_utc VARCHAR(40) NOT NULL,"
	" finished_utc VARCHAR(40) NOT NULL,"
	" started_us BIGINT NOT NULL,"
	" verdict VARCHAR(16) NOT NULL,"
	" exit_code INTEGER NOT NULL,"
	" aborted INTEGER NOT NULL,"
	" n_pass INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_error INTEGER NOT NULL,"
	" n_waived INTEGER NOT NULL, n_skip INTEGER NOT NULL,"
	" takeover_ms DOUBLE PRECISION)",
	"CREATE TABLE IF NOT EXISTS xpv_results ("
	" run_id VARCHAR(64) NOT NULL,"
	" seq INTEGER NOT NULL,"
	" check_id VARCHAR(128) NOT NULL,"
	" target TEXT,"
	" verdict VARCHAR(16) NOT NULL,"
	" expected TEXT, observed TEXT, message TEXT,"
	" started_us BIGINT, finished_us BIGINT,"
	" aborted INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, seq))",
	"CREATE TABLE IF NOT EXISTS xpv_failover_stages ("
	" run_id VARCHAR(64) NOT NULL,"
	" result_seq INTEGER NOT NULL,"
	" stage VARCHAR(64) NOT NULL,"
	" ms_from_trigger DOUBLE PRECISION,"
	" realtime_us BIGINT,"
	" PRIMARY KEY (run_id, result_seq, stage))",
};

/* ---- ODBC plumbing ----------------------------------------------------- */

/* Sets XPV_EDB with `what` and every diagnostic record of handle `h`. */
static int db_error(SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	char *msg = xpv_strdup("");

	for (SQLSMALLINT i = 1; i < 10; i++) {
		SQLCHAR state[6] = "", text[1024] = "";
		SQLINTEGER native = 0;
		SQLSMALLINT len = 0;
		char *next;

		if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, i, state, &native, text, sizeof(text), &len)))
			break;
		xpv_rtrim((char *)text);
		next = xpv_asprintf("%s%s[%s] %s", msg, msg[0] ? "; " : "", (char *)state, (char *)text);
		free(msg);
		msg = next;
	}
	xpv_error_set(XPV_EDB, "%s: %s", what, msg[0] ? msg : "the driver gave no message");
	free(msg);
	return XPV_EDB;
}

enum param_type { P_TEXT, P_INT, P_REAL };

struct param {
	enum param_type type;
	const char *text; /* P_TEXT; NULL is SQL NULL */
	int64_t i;
	double d;
	bool null;        /* P_INT, P_REAL */
	SQLLEN ind;
};

static int stmt_new(SQLHSTMT *st, struct xpv_history *h)
{
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, h->dbc, st)))
		return db_error(SQL_HANDLE_DBC, h->dbc, "allocating a statement");
	/* not every driver has query timeouts: a refusal is no error */
	SQLSetStmtAttr(*st, SQL_ATTR_QUERY_TIMEOUT, (SQLPOINTER)h->timeout_s, 0);
	return 0;
}

/* Prepares `sql` on a new statement, binds `p` and executes it. */
static int stmt_run(SQLHSTMT *out, struct xpv_history *h, const char *sql, struct param *p, size_t n)
{
	SQLHSTMT st;
	int rc = stmt_new(&st, h);

	if (rc < 0)
		return rc;
	if (!SQL_SUCCEEDED(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		SQLRETURN r;
		SQLUSMALLINT col = (SQLUSMALLINT)(i + 1);

		switch (p[i].type) {
		case P_TEXT:
			p[i].ind = p[i].text != NULL ? SQL_NTS : SQL_NULL_DATA;
			r = SQLBindParameter(st, col, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR,
					     p[i].text != NULL && p[i].text[0] ? strlen(p[i].text) : 1, 0,
					     (SQLPOINTER)(p[i].text != NULL ? p[i].text : ""), 0, &p[i].ind);
			break;
		case P_INT:
			p[i].ind = p[i].null ? SQL_NULL_DATA : 0;
			r = SQLBindParameter(st, col, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &p[i].i, 0,
					     &p[i].ind);
			break;
		default:
			p[i].ind = p[i].null ? SQL_NULL_DATA : 0;
			r = SQLBindParameter(st, col, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 0, 0, &p[i].d, 0,
					     &p[i].ind);
			break;
		}
		if (!SQL_SUCCEEDED(r))
			goto fail;
	}
	{
		SQLRETURN r = SQLExecute(st);

		if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA)
			goto fail;
	}
	if (out != NULL) {
		*out = st;
		return 0;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return 0;
fail:
	{
		char *what = xpv_asprintf("executing \"%.60s%s\"", sql, strlen(sql) > 60 ? "..." : "");

		rc = db_error(SQL_HANDLE_STMT, st, what);
		free(what);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rc;
}

int xpv_history_open(struct xpv_history **out, const char *conn, const char *password, double timeout_s)
{
	struct xpv_history *h = xpv_calloc(1, sizeof(*h));
	char *full;
	SQLRETURN r;
	int rc = 0;

	*out = NULL;
	h->timeout_s = timeout_s < 1 ? 1 : (SQLULEN)(timeout_s + 0.5);
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &h->env))) {
		free(h);
		return xpv_error_set(XPV_EDB, "the ODBC driver manager could not start");
	}
	SQLSetEnvAttr(h->env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, h->env, &h->dbc))) {
		rc = db_error(SQL_HANDLE_ENV, h->env, "allocating a connection");
		goto fail;
	}
	SQLSetConnectAttr(h->dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)h->timeout_s, 0);
	SQLSetConnectAttr(h->dbc, SQL_ATTR_CONNECTION_TIMEOUT, (SQLPOINTER)h->timeout_s, 0);
	/* braces keep a password with ';' in one value */
	full = password != NULL ? xpv_asprintf("%s%sPWD={%s}", conn, conn[0] && conn[strlen(conn) - 1] != ';' ? ";" : "",
					       password)
				: xpv_strdup(conn);
	r = SQLDriverConnect(h->dbc, NULL, (SQLCHAR *)full, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	xpv_secret_free(full);
	if (!SQL_SUCCEEDED(r)) {
		rc = db_error(SQL_HANDLE_DBC, h->dbc, "connecting");
		goto fail;
	}
	h->connected = true;
	*out = h;
	return 0;
fail:
	xpv_history_close(h);
	return rc;
}

void xpv_history_close(struct xpv_history *h)
{
	if (h == NULL)
		return;
	if (h->connected)
		SQLDisconnect(h->dbc);
	if (h->dbc != NULL)
		SQLFreeHandle(SQL_HANDLE_DBC, h->dbc);
	if (h->env != NULL)
		SQLFreeHandle(SQL_HANDLE_ENV, h->env);
	free(h);
}

/* ---- storing a run ----------------------------------------------------- */

static const char *figure(const struct xpv_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_figures; i++)
		if (strcmp(r->figures[i].name, name) == 0)
			return r->figures[i].value;
	return NULL;
}

static int store_run(struct xpv_history *h, const struct xpv_run *run)
{
	const struct xpv_scenario *sc = run->sc;
	size_t counts[XPV_VERDICT_COUNT] = { 0 };
	/* the same takeover the trend reads: the failover's, never the failback's */
	const char *takeover = xpv_run_figure(run, "failover-takeover", XPV_TAKEOVER_TARGET, "takeover_ms");
	char start[48], end[48];
	struct param p[18];
	size_t n = 0;

	for (size_t i = 0; i < run->n_results; i++)
		counts[run->results[i].verdict]++;
	xpv_format_time(start, sizeof(start), run->start_us, XPV_TIME_ISO_US);
	xpv_format_time(end, sizeof(end), run->end_us, XPV_TIME_ISO_US);
	p[n++] = (struct param){ .type = P_TEXT, .text = run->run_id };
	p[n++] = (struct param){ .type = P_TEXT, .text = sc->name };
	p[n++] = (struct param){ .type = P_TEXT, .text = sc->file };
	p[n++] = (struct param){ .type = P_TEXT, .text = sc->cluster.name };
	p[n++] = (struct param){ .type = P_TEXT, .text = run->hostname };
	p[n++] = (struct param){ .type = P_TEXT, .text = XPV_VERSION };
	p[n++] = (struct param){ .type = P_TEXT, .text = start };
	p[n++] = (struct param){ .type = P_TEXT, .text = end };
	p[n++] = (struct param){ .type = P_INT, .i = run->start_us };
	p[n++] = (struct param){ .type = P_TEXT, .text = xpv_run_verdict_name(run) };
	p[n++] = (struct param){ .type = P_INT, .i = run->exit_code };
	p[n++] = (struct param){ .type = P_INT, .i = run->aborted };
	p[n++] = (struct param){ .type = P_INT, .i = (int64_t)counts[XPV_PASS] };
	p[n++] = (struct param){ .type = P_INT, .i = (int64_t)counts[XPV_FAIL] };
	p[n++] = (struct param){ .type = P_INT, .i = (int64_t)counts[XPV_ERROR] };
	p[n++] = (struct param){ .type = P_INT, .i = (int64_t)counts[XPV_WAIVED] };
	p[n++] = (struct param){ .type = P_INT, .i = (int64_t)counts[XPV_SKIP] };
	p[n++] = (struct param){ .type = P_REAL, .d = takeover ? strtod(takeover, NULL) : 0, .null = !takeover };
	return stmt_run(NULL, h,
			"INSERT INTO xpv_runs (run_id, scenario, scenario_file, cluster, host, version, started_utc,"
			" finished_utc, started_us, verdict, exit_code, aborted, n_pass, n_fail, n_error, n_waived,"
			" n_skip, takeover_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			p, n);
}

static int store_stages(struct xpv_history *h, const struct xpv_run *run, size_t seq, const struct xpv_result *r)
{
	static const char prefix[] = "stage_ms.";

	for (size_t i = 0; i < r->n_figures; i++) {
		const char *stage = r->figures[i].name + sizeof(prefix) - 1;
		char *us_name;
		const char *us;
		int rc;

		if (strncmp(r->figures[i].name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		us_name = xpv_asprintf("stage_us.%s", stage);
		us = figure(r, us_name);
		free(us_name);
		{
			struct param p[] = {
				{ .type = P_TEXT, .text = run->run_id },
				{ .type = P_INT, .i = (int64_t)seq },
				{ .type = P_TEXT, .text = stage },
				{ .type = P_REAL, .d = strtod(r->figures[i].value, NULL) },
				{ .type = P_INT, .i = us ? strtoll(us, NULL, 10) : 0, .null = us == NULL },
			};

			rc = stmt_run(NULL, h,
				      "INSERT INTO xpv_failover_stages (run_id, result_seq, stage, ms_from_trigger,"
				      " realtime_us) VALUES (?,?,?,?,?)",
				      p, sizeof(p) / sizeof(p[0]));
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int store_results(struct xpv_history *h, const struct xpv_run *run)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct xpv_result *r = &run->results[i];
		struct param p[] = {
			{ .type = P_TEXT, .text = run->run_id },
			{ .type = P_INT, .i = (int64_t)i },
			{ .type = P_TEXT, .text = r->check_id },
			{ .type = P_TEXT, .text = r->target },
			{ .type = P_TEXT, .text = xpv_verdict_name(r->verdict) },
			{ .type = P_TEXT, .text = r->expected },
			{ .type = P_TEXT, .text = r->observed },
			{ .type = P_TEXT, .text = r->message },
			{ .type = P_INT, .i = r->start_us },
			{ .type = P_INT, .i = r->end_us },
			{ .type = P_INT, .i = r->aborted },
		};
		int rc = stmt_run(NULL, h,
				  "INSERT INTO xpv_results (run_id, seq, check_id, target, verdict, expected, observed,"
				  " message, started_us, finished_us, aborted) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
				  p, sizeof(p) / sizeof(p[0]));

		if (rc == 0)
			rc = store_stages(h, run, i, r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int xpv_history_store(struct xpv_history *h, const struct xpv_run *run)
{
	int rc = 0;

	if (!SQL_SUCCEEDED(SQLSetConnectAttr(h->dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)))
		return db_error(SQL_HANDLE_DBC, h->dbc, "starting a transaction");
	for (size_t i = 0; rc == 0 && i < sizeof(schema) / sizeof(schema[0]); i++)
		rc = stmt_run(NULL, h, schema[i], NULL, 0);
	if (rc == 0)
		rc = store_run(h, run);
	if (rc == 0)
		rc = store_results(h, run);
	if (rc == 0 && !SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, h->dbc, SQL_COMMIT)))
		rc = db_error(SQL_HANDLE_DBC, h->dbc, "committing");
	if (rc < 0) {
		/* keep the first message: the rollback's own is of no interest */
		char *msg = xpv_strdup(xpv_error_last());

		SQLEndTran(SQL_HANDLE_DBC, h->dbc, SQL_ROLLBACK);
		xpv_error_set(rc, "%s", msg);
		free(msg);
	}
	SQLSetConnectAttr(h->dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0);
	return rc;
}

/* ---- reading ----------------------------------------------------------- */

static int table_exists(bool *exists, struct xpv_history *h, const char *table)
{
	SQLHSTMT st;
	SQLRETURN r;
	int rc = stmt_new(&st, h);

	if (rc < 0)
		return rc;
	r = SQLTables(st, NULL, 0, NULL, 0, (SQLCHAR *)table, SQL_NTS, (SQLCHAR *)"TABLE", SQL_NTS);
	if (!SQL_SUCCEEDED(r)) {
		rc = db_error(SQL_HANDLE_STMT, st, "listing tables");
	} else {
		r = SQLFetch(st);
		if (r == SQL_NO_DATA)
			*exists = false;
		else if (SQL_SUCCEEDED(r))
			*exists = true;
		else
			rc = db_error(SQL_HANDLE_STMT, st, "listing tables");
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rc;
}

/* The columns `xpverify history` shows, the JSON key each becomes, and
 * how its text is read. */
enum col_kind { C_TEXT, C_INT, C_BOOL, C_REAL };

static const struct run_column {
	const char *column, *key;
	enum col_kind kind;
} run_columns[] = {
	{ "run_id", "run_id", C_TEXT },
	{ "scenario", "scenario", C_TEXT },
	{ "cluster", "cluster", C_TEXT },
	{ "host", "host", C_TEXT },
	{ "version", "version", C_TEXT },
	{ "started_utc", "started", C_TEXT },
	{ "finished_utc", "finished", C_TEXT },
	{ "verdict", "verdict", C_TEXT },
	{ "exit_code", "exit_code", C_INT },
	{ "aborted", "aborted", C_BOOL },
	{ "n_pass", "pass", C_INT },
	{ "n_fail", "fail", C_INT },
	{ "n_error", "error", C_INT },
	{ "n_waived", "waived", C_INT },
	{ "n_skip", "skip", C_INT },
	{ "takeover_ms", "takeover_ms", C_REAL },
};

#define N_RUN_COLUMNS (sizeof(run_columns) / sizeof(run_columns[0]))

/* Column i of the current row as JSON (null for SQL NULL). */
static int column_json(json_t **out, SQLHSTMT st, size_t i)
{
	char buf[1024];
	SQLLEN ind = 0;
	SQLRETURN r = SQLGetData(st, (SQLUSMALLINT)(i + 1), SQL_C_CHAR, buf, sizeof(buf), &ind);

	if (!SQL_SUCCEEDED(r))
		return db_error(SQL_HANDLE_STMT, st, "reading a run");
	if (ind == SQL_NULL_DATA) {
		*out = json_null();
		return 0;
	}
	switch (run_columns[i].kind) {
	case C_INT: *out = json_integer(strtoll(buf, NULL, 10)); break;
	case C_BOOL: *out = json_boolean(strtoll(buf, NULL, 10) != 0); break;
	case C_REAL: *out = json_real(strtod(buf, NULL)); break;
	default: *out = json_string(buf); break;
	}
	if (*out == NULL)
		*out = json_null();
	return 0;
}

int xpv_history_runs(json_t **out, struct xpv_history *h, const char *scenario, bool with_takeover, long last)
{
	json_t *runs;
	bool exists = false;
	char *cols, *sql;
	struct param p[1] = { { .type = P_TEXT, .text = scenario } };
	SQLHSTMT st;
	int rc = table_exists(&exists, h, "xpv_runs");

	*out = NULL;
	if (rc < 0)
		return rc;
	if (!exists) {
		*out = json_array(); /* a new store: no runs yet */
		return 0;
	}
	cols = xpv_strdup(run_columns[0].column);
	for (size_t i = 1; i < N_RUN_COLUMNS; i++) {
		char *next = xpv_asprintf("%s, %s", cols, run_columns[i].column);

		free(cols);
		cols = next;
	}
	sql = xpv_asprintf("SELECT %s FROM xpv_runs WHERE %s%s ORDER BY started_us DESC, run_id DESC", cols,
			   scenario != NULL ? "scenario = ?" : "1 = 1", with_takeover ? " AND takeover_ms IS NOT NULL" : "");
	free(cols);
	rc = stmt_run(&st, h, sql, p, scenario != NULL ? 1 : 0);
	free(sql);
	if (rc < 0)
		return rc;
	runs = json_array();
	while ((long)json_array_size(runs) < last) {
		SQLRETURN r = SQLFetch(st);
		json_t *row;

		if (r == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(r)) {
			rc = db_error(SQL_HANDLE_STMT, st, "reading the runs");
			break;
		}
		row = json_object();
		for (size_t i = 0; rc == 0 && i < N_RUN_COLUMNS; i++) {
			json_t *v;

			rc = column_json(&v, st, i);
			if (rc == 0)
				json_object_set_new(row, run_columns[i].key, v);
		}
		json_array_append_new(runs, row);
		if (rc < 0)
			break;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	if (rc < 0) {
		json_decref(runs);
		return rc;
	}
	*out = runs;
	return 0;
}

/* ---- the history step -------------------------------------------------- */

void xpv_history_step(struct xpv_run *run)
{
	const struct xpv_scenario *sc = run->sc;
	struct xpv_history *h = NULL;
	json_t *runs = NULL;
	char *msg;
	struct xpv_outcome o = {
		.target = "store",
		.expected = "the run is stored in the history store",
		.observed = sc->history.odbc,
		.start_us = xpv_now_us(),
	};
	const char *failed = "reached";
	int rc;

	xpv_log(XPV_LOG_VERBOSE, "history: storing run %s in %s", run->run_id, sc->history.odbc);
	rc = xpv_history_open(&h, sc->history.odbc, sc->history.password.value, sc->history.timeout_s);
	if (rc == 0) {
		failed = "written";
		rc = xpv_history_store(h, run);
	}
	if (rc == 0) {
		failed = "read";
		rc = xpv_history_runs(&runs, h, sc->name, false, XPV_HISTORY_TREND_RUNS);
	}
	if (rc == 0) {
		o.verdict = XPV_PASS;
		msg = xpv_asprintf("run %s stored with %zu results", run->run_id, run->n_results);
	} else {
		o.verdict = XPV_ERROR;
		msg = xpv_asprintf("the history store could not be %s: %s", failed, xpv_error_last());
	}
	xpv_history_close(h);
	o.message = msg;
	o.end_us = xpv_now_us();
	json_decref(run->history);
	run->history = json_pack("{s:s,s:o}", "store", sc->history.odbc, "runs", runs ? runs : json_array());
	xpv_run_add_step(run, &xpv_history_check, &o);
	free(msg);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double xpv_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
