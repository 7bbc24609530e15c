/* The runner: decides which checks run (the plan), runs them (side by
 * side between disruptive checks; each may fan out per node), applies waivers, and keeps every result
 * even when the run is interrupted or runs out of time. */
#ifndef XPV_RUNNER_H
#define XPV_RUNNER_H

#include "check.h"
#include "scenario.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks that run side by side unless --jobs says otherwise. */
#define XPV_DEFAULT_JOBS 4

struct xpv_run_opts {
	const char *const *only; /* --only ids (validated by the caller) */
	size_t n_only;
	const char *const *skip; /* --skip ids */
	size_t n_skip;
	bool allow_disruptive;   /* --allow-disruptive */
	long grace_ms;           /* after an abort, how long a running check may take to return; 0: 3000 */
	bool handle_signals;     /* install SIGINT/SIGTERM handlers for the run */
	bool caught_before;      /* a signal caught by xpv_signals_catch before the run counts */
	bool no_evidence;        /* nobody writes an evidence archive of this run: keep no transcripts */
	size_t jobs;             /* checks run side by side (--jobs); 0: XPV_DEFAULT_JOBS */
	const char *unavailable; /* the cluster cannot be reached at all (the built-in lab did
				  * not start): nothing runs, every planned check is `error`
				  * with this reason */
};

/* One check of the registry and whether it runs. */
struct xpv_plan_item {
	const struct xpv_check *check;
	bool run;
	char *why_not; /* reason it does not run, or NULL */
};

/* Computes the plan for `sc` over the check table. `*out` (free with
 * xpv_plan_free) has one item per check, in table order. */
void xpv_plan(struct xpv_plan_item **out, const struct xpv_scenario *sc,
	      const struct xpv_check *const *checks, size_t n_checks, const struct xpv_run_opts *opts);

void xpv_plan_free(struct xpv_plan_item *plan, size_t n);

/* What a check did in a run, for reports. */
struct xpv_check_record {
	const struct xpv_check *check;
	bool ran;
	int64_t start_us, end_us;
};

struct xpv_waiver_use {
	bool expired;
	size_t uses; /* fails it turned into waived */
};

struct xpv_run {
	char *run_id;
	char *hostname;          /* the machine the harness ran on */
	int64_t start_us, end_us;
	const struct xpv_scenario *sc;
	struct xpv_check_record *records; /* one per check of the table */
	size_t n_records;
	struct xpv_result *results;
	size_t n_results, cap;
	struct xpv_waiver_use *waiver_uses; /* one per scenario waiver */
	bool aborted;            /* signal: exit 4 */
	char *abort_reason;
	bool deadline_hit;       /* the global deadline passed */
	bool abandoned;          /* a check thread was left running */
	int exit_code;

	struct xpv_evidence *evidence; /* transcripts and certificates, for the archive */
	json_t *history;         /* the history store and its last runs, or NULL */

	/* internal */
	struct xpv_facts *facts;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool cancel;
	bool closed;
	int64_t deadline_mono_ms;
	size_t live;             /* the record whose results are printed as they come */
};

/* Runs the plan of `sc` over `checks`. Always returns a run (`*out`), with a
 * result for every check of the table: excluded ones are `skip`, those not
 * reached after an abort are `skip` (aborted), after the deadline `error`.
 * Returns 0. The caller frees with xpv_run_free, unless run->abandoned is
 * set: then a check thread may still use the run, and the caller must exit
 * the process without freeing it. */
int xpv_run_execute(struct xpv_run **out, const struct xpv_scenario *sc,
		    const struct xpv_check *const *checks, size_t n_checks, const struct xpv_run_opts *opts);

void xpv_run_free(struct xpv_run *run);

/* Adds a step that runs after the checks (the history store) to a finished
 * run: a record for `c`, one result, and the exit code again. */
void xpv_run_add_step(struct xpv_run *run, const struct xpv_check *c, const struct xpv_outcome *o);

/* The value of figure `name` in the result of `check_id` for `target` (NULL
 * target: the first result that has it), or NULL. For a finished run. */
const char *xpv_run_figure(const struct xpv_run *run, const char *check_id, const char *target, const char *name);

/* "pass", "fail", "error" or "aborted", from the exit code. */
const char *xpv_run_verdict_name(const struct xpv_run *run);

/* True when waiver `w` no longer applies on the UTC date of `now_us`. A
 * waiver applies through its `expires` date. */
bool xpv_waiver_expired(const struct xpv_waiver *w, int64_t now_us);

/* Verdict of one check from its results (fail > error > pass > waived > skip). */
enum xpv_verdict xpv_run_check_verdict(const struct xpv_run *run, const char *check_id);

/* Catches SIGINT and SIGTERM for the rest of the process (a second one
 * takes the default action): from the start of a command, so that a
 * signal while the lab starts or the reports are written stops the run
 * cleanly instead of killing it. */
void xpv_signals_catch(void);

/* The signal caught (SIGINT, SIGTERM), or 0. */
int xpv_signal_caught(void);

#endif
