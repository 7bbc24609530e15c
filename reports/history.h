/* The run history: every run stored in a database over ODBC (SQLite through
 * its ODBC driver by default, PostgreSQL through psqlODBC, any driver that
 * speaks ANSI SQL), so a nightly job can compare tonight with the last
 * weeks. Tables are created when absent; see docs/history.md. */
#ifndef XPV_HISTORY_H
#define XPV_HISTORY_H

#include "runner.h"

#include <jansson.h>
#include <stdbool.h>

/* How many runs the report's takeover trend shows. */
#define XPV_HISTORY_TREND_RUNS 30

struct xpv_history;

/* The step that stores a run; it appears in reports as check "history". */
extern const struct xpv_check xpv_history_check;

/* Connects to `conn` (an ODBC connection string); `password`, when not
 * NULL, is appended as PWD. Logging in and every statement are bounded by
 * `timeout_s`. Returns 0 or XPV_EDB with the driver's message. */
int xpv_history_open(struct xpv_history **out, const char *conn, const char *password, double timeout_s);

void xpv_history_close(struct xpv_history *h);

/* Stores `run` (its metadata, every result, every failover stage) in one
 * transaction, creating the tables when absent. Returns 0 or XPV_EDB. */
int xpv_history_store(struct xpv_history *h, const struct xpv_run *run);

/* The last `last` runs, newest first, as a JSON array of objects (run_id,
 * scenario, cluster, host, version, started, finished, verdict, exit_code,
 * aborted, pass, fail, error, waived, skip, takeover_ms). Only runs of
 * `scenario` unless NULL; only runs with a takeover time if
 * `with_takeover`. An empty store gives an empty array. */
int xpv_history_runs(json_t **out, struct xpv_history *h, const char *scenario, bool with_takeover, long last);

/* The history step of a run whose scenario sets `history`: stores the run,
 * adds its `history` result (pass, or error with the driver's message) and
 * attaches the takeover trend for the reports (run->history). */
void xpv_history_step(struct xpv_run *run);

/* Median of `n` values (sorted in place); n > 0. */
double xpv_median(double *v, size_t n);

#endif
