#include "runner.h"

#include "error.h"
#include "evidence.h"
#include "facts.h"
#include "log.h"
#include "pool.h"
#include "util.h"

#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define POLL_MS 50
#define DEFAULT_GRACE_MS 3000

struct xpv_ctx {
	struct xpv_run *run;
	const struct xpv_check *check;
	size_t idx;            /* the check's record */
	const char *phase;     /* NULL, or "after failover" on a second run */
	int64_t start_us;
	size_t reported; /* outcomes accepted, under run->lock */
};

/* Set by the handler, which may run on any thread (a check's raise, or
 * wherever the kernel delivers it), read by the main thread: a lock-free
 * atomic, safe in a handler and between threads alike. */
static atomic_int got_signal;

static void on_signal(int sig)
{
	atomic_store(&got_signal, sig);
}

void xpv_signals_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* a second signal takes the default action: the user insists */
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int xpv_signal_caught(void)
{
	return atomic_load(&got_signal);
}

/* ---- plan ------------------------------------------------------------ */

static bool in_list(const char *const *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

void xpv_ctx_report_owned(struct xpv_ctx *ctx, const char *target, enum xpv_verdict v, const char *expected,
			  char *observed, char *message)
{
	struct xpv_outcome o = { .target = target, .verdict = v, .expected = expected, .observed = observed,
				 .message = message };

	xpv_ctx_report(ctx, &o);
	free(observed);
	free(message);
}

bool xpv_check_applies(const struct xpv_check *c, const struct xpv_scenario *sc)
{
	return c->topologies == 0 || (c->topologies & (1u << sc->topology)) != 0;
}

void xpv_plan(struct xpv_plan_item **out, const struct xpv_scenario *sc,
	      const struct xpv_check *const *checks, size_t n_checks, const struct xpv_run_opts *opts)
{
	struct xpv_plan_item *plan = xpv_calloc(n_checks, sizeof(*plan));

	for (size_t i = 0; i < n_checks; i++) {
		const struct xpv_check *c = checks[i];
		const char *why = NULL;

		plan[i].check = c;
		if (!xpv_check_applies(c, sc))
			why = sc->topology == XPV_TOPOLOGY_SAFEKIT ? "not applicable: a WSFC check (topology safekit)"
								   : "not applicable: a SafeKit check (topology wsfc)";
		else if (opts->n_only > 0 && !in_list(opts->only, opts->n_only, c->id))
			why = "not selected by --only";
		else if (sc->n_include > 0 && !in_list((const char *const *)sc->include, sc->n_include, c->id))
			why = "not in the scenario's checks.include";
		else if (in_list((const char *const *)sc->exclude, sc->n_exclude, c->id))
			why = "excluded by the scenario's checks.exclude";
		else if (in_list(opts->skip, opts->n_skip, c->id))
			why = "excluded by --skip";
		else if (c->disruptive && !sc->failover.allow_disruptive)
			why = "disruptive check: the scenario does not set failover.allow_disruptive";
		else if (c->disruptive && !opts->allow_disruptive)
			why = "disruptive check: the command line does not say --allow-disruptive";
		plan[i].run = why == NULL;
		plan[i].why_not = xpv_strdup(why);
	}
	*out = plan;
}

void xpv_plan_free(struct xpv_plan_item *plan, size_t n)
{
	for (size_t i = 0; plan != NULL && i < n; i++)
		free(plan[i].why_not);
	free(plan);
}

/* ---- waivers ---------------------------------------------------------- */

bool xpv_waiver_expired(const struct xpv_waiver *w, int64_t now_us)
{
	char today[16];

	xpv_format_time(today, sizeof(today), now_us, XPV_TIME_DATE);
	/* YYYY-MM-DD compares correctly as text */
	return strcmp(today, w->expires) > 0;
}

/* Caller holds run->lock. */
static void apply_waivers(struct xpv_run *run, struct xpv_result *r)
{
	const struct xpv_scenario *sc = run->sc;

	if (r->verdict != XPV_FAIL)
		return;
	for (size_t i = 0; i < sc->n_waivers; i++) {
		const struct xpv_waiver *w = &sc->waivers[i];

		if (run->waiver_uses[i].expired || strcmp(w->check, r->check_id) != 0)
			continue;
		if (fnmatch(w->target, r->target, 0) != 0)
			continue;
		r->verdict = XPV_WAIVED;
		r->waiver_reason = xpv_strdup(w->reason);
		r->waiver_expires = xpv_strdup(w->expires);
		run->waiver_uses[i].uses++;
		return;
	}
}

/* ---- results ----------------------------------------------------------- */

/* Caller holds run->lock. The result is printed at once when its check's
 * lines are live (record `idx` is run->live); else when its turn comes
 * (flush_logged). */
static void add_result_locked(struct xpv_run *run, size_t idx, const char *check_id, const struct xpv_outcome *o,
			      bool aborted)
{
	struct xpv_result *r;

	if (run->n_results == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 32;
		run->results = xpv_realloc(run->results, run->cap * sizeof(*run->results));
	}
	r = &run->results[run->n_results++];
	xpv_result_init(r, check_id, o);
	r->aborted = aborted;
	apply_waivers(run, r);
	if (idx == run->live) {
		xpv_log_result(r);
		r->logged = true;
	}
}

/* Prints the results of record `idx` not printed yet, and makes its lines
 * live. Caller holds run->lock. */
static void flush_logged(struct xpv_run *run, size_t idx)
{
	const char *id = run->records[idx].check->id;

	run->live = idx;
	for (size_t i = 0; i < run->n_results; i++) {
		struct xpv_result *r = &run->results[i];

		if (!r->logged && strcmp(r->check_id, id) == 0) {
			xpv_log_result(r);
			r->logged = true;
		}
	}
}

int xpv_ctx_report(struct xpv_ctx *ctx, const struct xpv_outcome *o)
{
	struct xpv_run *run = ctx->run;
	struct xpv_outcome copy = *o;
	char *target = NULL;

	if (copy.start_us == 0)
		copy.start_us = ctx->start_us;
	if (ctx->phase != NULL) {
		target = xpv_asprintf("%s (%s)", o->target && o->target[0] ? o->target : "cluster", ctx->phase);
		copy.target = target;
	}
	pthread_mutex_lock(&run->lock);
	if (run->closed) {
		pthread_mutex_unlock(&run->lock);
		free(target);
		return XPV_ECANCELLED;
	}
	add_result_locked(run, ctx->idx, ctx->check->id, &copy, atomic_load(&run->cancel) && run->aborted);
	ctx->reported++;
	pthread_mutex_unlock(&run->lock);
	free(target);
	return 0;
}

static const char *find_figure(const struct xpv_run *run, const char *check_id, const char *target,
			       const char *name)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct xpv_result *r = &run->results[i];

		if (strcmp(r->check_id, check_id) != 0 || (target != NULL && strcmp(r->target, target) != 0))
			continue;
		for (size_t j = 0; j < r->n_figures; j++)
			if (strcmp(r->figures[j].name, name) == 0)
				return r->figures[j].value;
	}
	return NULL;
}

char *xpv_ctx_figure(struct xpv_ctx *ctx, const char *check_id, const char *target, const char *name)
{
	const char *found;
	char *v;

	pthread_mutex_lock(&ctx->run->lock);
	found = find_figure(ctx->run, check_id, target, name);
	v = found != NULL ? xpv_strdup(found) : NULL;
	pthread_mutex_unlock(&ctx->run->lock);
	return v;
}

const char *xpv_run_figure(const struct xpv_run *run, const char *check_id, const char *target, const char *name)
{
	return find_figure(run, check_id, target, name);
}

char *xpv_ctx_memo(struct xpv_ctx *ctx, const char *key, const char *value)
{
	return xpv_facts_memo(ctx->run->facts, key, value);
}

void xpv_ctx_evidence(struct xpv_ctx *ctx, const char *file, const char *text)
{
	xpv_evidence_append(ctx->run->evidence, file, text);
}

const char *xpv_ctx_phase(const struct xpv_ctx *ctx)
{
	return ctx->phase;
}

int xpv_ctx_wql(json_t **rows, struct xpv_ctx *ctx, const struct xpv_node *node, const char *ns, const char *query)
{
	return xpv_facts_wql(rows, ctx->run->facts, node, ns, query, false);
}

int xpv_ctx_wql_fresh(json_t **rows, struct xpv_ctx *ctx, const struct xpv_node *node, const char *ns,
		      const char *query)
{
	return xpv_facts_wql(rows, ctx->run->facts, node, ns, query, true);
}

int xpv_ctx_exec(struct xpv_shell_output *out, struct xpv_ctx *ctx, const struct xpv_node *node,
		 const char *command, const char *const *args, size_t n_args)
{
	return xpv_facts_exec(out, ctx->run->facts, node, command, args, n_args);
}

int xpv_ctx_exec_cached(struct xpv_shell_output *out, struct xpv_ctx *ctx, const struct xpv_node *node,
			const char *command, const char *const *args, size_t n_args)
{
	return xpv_facts_exec_cached(out, ctx->run->facts, node, command, args, n_args);
}

int xpv_ctx_invoke(json_t **out, struct xpv_ctx *ctx, const struct xpv_node *node, const char *class_uri,
		   const char *method, const struct xpv_kv *selectors, size_t n_selectors,
		   const struct xpv_kv *params, size_t n_params)
{
	return xpv_facts_invoke(out, ctx->run->facts, node, class_uri, method, selectors, n_selectors, params,
				n_params);
}

const struct xpv_scenario *xpv_ctx_scenario(const struct xpv_ctx *ctx)
{
	return ctx->run->sc;
}

const struct xpv_check *xpv_ctx_check(const struct xpv_ctx *ctx)
{
	return ctx->check;
}

const char *xpv_ctx_param(const struct xpv_ctx *ctx, const char *name)
{
	const char *v = xpv_scenario_param(ctx->run->sc, ctx->check->id, name);

	if (v != NULL)
		return v;
	for (const struct xpv_param_def *d = ctx->check->params; d != NULL && d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d->default_value;
	return NULL;
}

bool xpv_ctx_cancelled(const struct xpv_ctx *ctx)
{
	return atomic_load(&ctx->run->cancel) || xpv_mono_ms() >= ctx->run->deadline_mono_ms;
}

char *xpv_ctx_stop_reason(const struct xpv_ctx *ctx, int64_t before_mono)
{
	int sig = atomic_load(&got_signal);

	if (!xpv_ctx_cancelled(ctx))
		return NULL;
	if (sig != 0)
		return xpv_asprintf("the run was interrupted (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	if (ctx->run->deadline_mono_ms >= before_mono)
		return NULL;
	if (xpv_mono_ms() >= ctx->run->deadline_mono_ms)
		return xpv_asprintf("the run's deadline (deadline_s %g s) passed", ctx->run->sc->deadline_s);
	return xpv_strdup("the run was stopped");
}

bool xpv_ctx_sleep(struct xpv_ctx *ctx, long ms)
{
	struct xpv_run *run = ctx->run;
	int64_t until = xpv_mono_ms() + ms;

	pthread_mutex_lock(&run->lock);
	while (!xpv_ctx_cancelled(ctx)) {
		int64_t now = xpv_mono_ms(), wait = until - now;
		struct timespec ts;

		if (wait <= 0)
			break;
		if (wait > POLL_MS)
			wait = POLL_MS;
		ts = xpv_mono_in((long)wait);
		pthread_cond_timedwait(&run->cond, &run->lock, &ts);
	}
	pthread_mutex_unlock(&run->lock);
	return !xpv_ctx_cancelled(ctx);
}

struct node_job {
	struct xpv_ctx *ctx;
	const struct xpv_node *node;
	void (*fn)(struct xpv_ctx *, const struct xpv_node *, void *);
	void *arg;
};

static void node_main(void *p)
{
	struct node_job *job = p;

	job->fn(job->ctx, job->node, job->arg);
}

int xpv_ctx_each_node(struct xpv_ctx *ctx,
		      void (*fn)(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg), void *arg)
{
	const struct xpv_scenario *sc = ctx->run->sc;
	struct node_job *jobs = xpv_calloc(sc->n_nodes, sizeof(*jobs));

	for (size_t i = 0; i < sc->n_nodes; i++)
		jobs[i] = (struct node_job){ .ctx = ctx, .node = &sc->nodes[i], .fn = fn, .arg = arg };
	xpv_pool_each(jobs, sc->n_nodes, sizeof(*jobs), node_main);
	free(jobs);
	return 0;
}

/* ---- execution ----------------------------------------------------------

   Checks run in waves: the checks between two disruptive ones run side by
   side (up to `jobs` at once; what they ask the nodes is shared through
   the facts), a disruptive check runs alone, and the checks it asks to
   look again run side by side after it. A check reading what another
   measured (xpv_ctx_figure) therefore sees the checks of earlier waves
   only. Results are printed check by check in table order: those of the
   earliest unfinished check as they come, the others when their turn
   comes. */

struct worker {
	struct xpv_ctx ctx;
	int rc;
	char *error;  /* the worker thread's last-error message */
	bool started; /* a thread runs it */
	bool done;    /* under run->lock */
	bool reaped;  /* its end handled */
	bool left;    /* abandoned: its thread may still use it */
	pthread_t tid;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct xpv_run *run = w->ctx.run;
	int rc;

	xpv_error_clear();
	rc = w->ctx.check->run(&w->ctx);
	pthread_mutex_lock(&run->lock);
	w->rc = rc;
	if (rc < 0)
		w->error = xpv_strdup(xpv_error_last());
	w->done = true;
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

static char *make_run_id(int64_t now_us)
{
	unsigned char rnd[4] = { 0 };
	char stamp[32];
	ssize_t got = getrandom(rnd, sizeof(rnd), 0);

	if (got != (ssize_t)sizeof(rnd)) {
		uint32_t x = (uint32_t)now_us ^ (uint32_t)getpid();

		memcpy(rnd, &x, sizeof(rnd));
	}
	xpv_format_time(stamp, sizeof(stamp), now_us, XPV_TIME_ISO);
	/* 2026-11-22T09:46:11Z -> 20261122T094611Z */
	{
		char compact[32];
		size_t o = 0;

		for (const char *s = stamp; *s && o + 1 < sizeof(compact); s++)
			if (*s != '-' && *s != ':')
				compact[o++] = *s;
		compact[o] = '\0';
		return xpv_asprintf("%s-%02x%02x%02x%02x", compact, rnd[0], rnd[1], rnd[2], rnd[3]);
	}
}

/* Caller holds run->lock. */
static void cancel_run(struct xpv_run *run)
{
	atomic_store(&run->cancel, true);
	pthread_cond_broadcast(&run->cond);
}

/* Checks for a signal or the deadline; returns true when the run must stop.
 * Caller holds run->lock. */
static bool should_stop(struct xpv_run *run)
{
	int sig = atomic_load(&got_signal);

	if (sig != 0 && !run->aborted) {
		run->aborted = true;
		run->abort_reason = xpv_asprintf("interrupted by %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		cancel_run(run);
	}
	if (!run->aborted && !run->deadline_hit && xpv_mono_ms() >= run->deadline_mono_ms) {
		run->deadline_hit = true;
		cancel_run(run);
	}
	return run->aborted || run->deadline_hit;
}

/* Why a check did not get to run, or was cut short. */
static char *stop_reason(const struct xpv_run *run)
{
	if (run->aborted)
		return xpv_asprintf("run aborted (%s)", run->abort_reason);
	return xpv_asprintf("global deadline of %g s exceeded", run->sc->deadline_s);
}

/* What the run knows of every check before it starts one. */
struct wave_ctx {
	const struct xpv_plan_item *plan;
	size_t total;       /* checks planned to run */
	size_t jobs;        /* checks at once */
	long grace_ms;
	int64_t start_mono;
	const char *unavailable;
};

/* A member of a wave that does not run: its one result. Caller holds
 * run->lock. Returns false when nothing is to be said (a second look that
 * the run stopped before). */
static bool not_run_locked(struct xpv_run *run, const struct wave_ctx *wc, size_t idx, const char *phase)
{
	const struct xpv_plan_item *p = &wc->plan[idx];
	struct xpv_outcome o = { .target = "cluster" };
	char *why = NULL;
	bool stop = should_stop(run); /* notes a signal: the run is aborted */

	if (!p->run) {
		o.verdict = XPV_SKIP;
		o.message = p->why_not;
	} else if (wc->unavailable != NULL) {
		why = xpv_asprintf("not run: %s", wc->unavailable);
		o.verdict = XPV_ERROR;
		o.message = why;
	} else if (stop) {
		char *r;

		if (phase != NULL)
			return false;
		r = stop_reason(run);
		why = xpv_asprintf("not run: %s", r);
		free(r);
		o.verdict = run->aborted ? XPV_SKIP : XPV_ERROR;
		o.message = why;
	} else {
		return false;
	}
	add_result_locked(run, idx, p->check->id, &o, run->aborted && p->run);
	free(why);
	return true;
}

/* Starts the check of record `idx` in a thread. Caller holds run->lock. */
static struct worker *start_locked(struct xpv_run *run, size_t idx, const char *phase)
{
	struct worker *w = xpv_calloc(1, sizeof(*w));
	const struct xpv_check *c = run->records[idx].check;

	w->ctx = (struct xpv_ctx){ .run = run, .check = c, .idx = idx, .phase = phase, .start_us = xpv_now_us() };
	run->records[idx].ran = true;
	if (phase == NULL)
		run->records[idx].start_us = w->ctx.start_us;
	xpv_log(XPV_LOG_VERBOSE, "check %s: started", c->id);
	w->started = pthread_create(&w->tid, NULL, worker_main, w) == 0;
	if (!w->started) {
		w->rc = xpv_error_set(XPV_ECHECK, "cannot start a thread: %s", strerror(errno));
		w->error = xpv_strdup(xpv_error_last());
		w->done = true;
	}
	return w;
}

/* The end of a check that returned, or was abandoned (`!w->done`): never
 * lose a check, say why it has no (complete) result. Caller holds
 * run->lock. */
static void reap_locked(struct xpv_run *run, const struct wave_ctx *wc, struct worker *w)
{
	const struct xpv_check *c = w->ctx.check;
	const char *phase = w->ctx.phase;
	char *msg = NULL;

	w->reaped = true;
	if (w->done && w->started) {
		pthread_mutex_unlock(&run->lock);
		pthread_join(w->tid, NULL);
		pthread_mutex_lock(&run->lock);
	} else if (!w->done) {
		pthread_detach(w->tid);
		w->left = true;
	}
	run->records[w->ctx.idx].end_us = xpv_now_us();
	/* the check may have seen the deadline on the clock before the
	 * runner's poll did */
	should_stop(run);
	if (!w->done) {
		char *why = stop_reason(run);

		msg = xpv_asprintf("check abandoned: %s and it did not stop within %ld ms", why, wc->grace_ms);
		free(why);
	} else if (w->rc < 0) {
		msg = xpv_asprintf("check could not be evaluated: %s", w->error);
	} else if (w->ctx.reported == 0) {
		if (run->aborted || run->deadline_hit) {
			char *why = stop_reason(run);

			msg = xpv_asprintf("check stopped before it reported a result: %s", why);
			free(why);
		} else {
			msg = xpv_strdup("check reported no result (harness defect): nothing was observed");
		}
	}
	if (msg != NULL) {
		char *target = phase ? xpv_asprintf("cluster (%s)", phase) : NULL;
		struct xpv_outcome o = { .verdict = XPV_ERROR, .message = msg, .target = target,
					 .start_us = w->ctx.start_us };

		add_result_locked(run, w->ctx.idx, c->id, &o, run->aborted);
		free(target);
	}
	xpv_log(XPV_LOG_VERBOSE, "check %s: done", c->id);
	free(msg);
}

/* Runs the records `idx[0..n-1]` as one wave (see above) and waits for
 * all, the deadline or an abort. A check thread that does not return
 * within the grace after that is abandoned (run->abandoned). */
static void run_wave(struct xpv_run *run, const struct wave_ctx *wc, const size_t *idx, size_t n,
		     const char *phase)
{
	struct worker **w = xpv_calloc(n + 1, sizeof(*w));
	size_t next = 0, head = 0, running = 0;
	int64_t stop_at = 0;

	if (n == 0) {
		free(w);
		return;
	}
	pthread_mutex_lock(&run->lock);
	flush_logged(run, idx[0]);
	for (;;) {
		struct timespec ts;

		while (next < n && running < wc->jobs) {
			size_t m = next++;

			if (not_run_locked(run, wc, idx[m], phase) || should_stop(run))
				continue; /* said why, or a second look the run stopped before */
			w[m] = start_locked(run, idx[m], phase);
			running++;
		}
		for (size_t m = 0; m < next; m++)
			if (w[m] != NULL && w[m]->done && !w[m]->reaped) {
				reap_locked(run, wc, w[m]);
				running--;
			}
		while (head < next && (w[head] == NULL || w[head]->reaped)) {
			head++;
			if (head < n)
				flush_logged(run, idx[head]);
		}
		if (head == n)
			break;
		if (should_stop(run)) {
			if (stop_at == 0)
				stop_at = xpv_mono_ms() + wc->grace_ms;
			if (running > 0 && xpv_mono_ms() >= stop_at) {
				/* checks that ignore cancellation: stop taking their
				 * results and leave them */
				run->closed = true;
				run->abandoned = true;
				for (size_t m = 0; m < next; m++)
					if (w[m] != NULL && !w[m]->reaped)
						reap_locked(run, wc, w[m]);
				running = 0;
				continue;
			}
		}
		if (running == 0)
			continue;
		ts = xpv_mono_in(POLL_MS);
		pthread_cond_timedwait(&run->cond, &run->lock, &ts);
		{
			size_t n_results = run->n_results, at = idx[head < n ? head : n - 1];

			pthread_mutex_unlock(&run->lock);
			xpv_progress(run->records[at].check->id, at, wc->total, n_results,
				     xpv_mono_ms() - wc->start_mono);
			pthread_mutex_lock(&run->lock);
		}
	}
	pthread_mutex_unlock(&run->lock);
	for (size_t m = 0; m < n; m++) {
		/* an abandoned worker keeps its own; the process exits without freeing it */
		if (w[m] != NULL && !w[m]->left) {
			free(w[m]->error);
			free(w[m]);
		}
	}
	free(w);
}

static int result_cmp_check_order(const struct xpv_run *run, const struct xpv_result *r)
{
	for (size_t i = 0; i < run->n_records; i++)
		if (strcmp(run->records[i].check->id, r->check_id) == 0)
			return (int)i;
	return (int)run->n_records;
}

static const struct xpv_run *sort_run;

static int result_cmp(const void *a, const void *b)
{
	const struct xpv_result *x = a, *y = b;
	int cx = result_cmp_check_order(sort_run, x), cy = result_cmp_check_order(sort_run, y);

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return strcmp(x->target, y->target);
}

int xpv_run_execute(struct xpv_run **out, const struct xpv_scenario *sc,
		    const struct xpv_check *const *checks, size_t n_checks, const struct xpv_run_opts *opts)
{
	struct xpv_run *run = xpv_calloc(1, sizeof(*run));
	struct xpv_plan_item *plan;
	const struct xpv_check **mine;
	size_t n_mine = 0;
	struct sigaction sa, old_int, old_term;
	pthread_condattr_t ca;
	long grace = opts->grace_ms > 0 ? opts->grace_ms : DEFAULT_GRACE_MS;
	size_t jobs = opts->jobs > 0 ? opts->jobs : XPV_DEFAULT_JOBS;
	size_t total = 0;
	int64_t start_mono = xpv_mono_ms();
	char host[256] = "localhost";

	run->sc = sc;
	run->start_us = xpv_now_us();
	run->run_id = make_run_id(run->start_us);
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		strcpy(host, "localhost");
	run->hostname = xpv_strdup(host);
	run->deadline_mono_ms = start_mono + (int64_t)(sc->deadline_s * 1000);
	pthread_mutex_init(&run->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&run->cond, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&run->cancel, false);
	/* the checks of this topology only: the others are not part of the run */
	mine = xpv_calloc(n_checks + 1, sizeof(*mine));
	for (size_t i = 0; i < n_checks; i++)
		if (xpv_check_applies(checks[i], sc))
			mine[n_mine++] = checks[i];
	checks = mine;
	n_checks = n_mine;
	run->records = xpv_calloc(n_checks + 1, sizeof(*run->records));
	run->n_records = n_checks;
	run->waiver_uses = xpv_calloc(sc->n_waivers, sizeof(*run->waiver_uses));
	/* the transcripts are for the evidence archive only: at 64 nodes they
	 * are most of what a run would hold */
	run->evidence = opts->no_evidence ? NULL : xpv_evidence_new();
	/* as many connections to a node as checks at once, opened only
	 * while the others are busy */
	run->facts = xpv_facts_new(sc, run->evidence, jobs);
	run->live = SIZE_MAX;
	for (size_t i = 0; i < sc->n_waivers; i++)
		run->waiver_uses[i].expired = xpv_waiver_expired(&sc->waivers[i], run->start_us);

	if (!opts->caught_before)
		atomic_store(&got_signal, 0);
	if (opts->handle_signals && !opts->caught_before) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		/* a second signal takes the default action: the user insists */
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}

	xpv_plan(&plan, sc, checks, n_checks, opts);
	for (size_t i = 0; i < n_checks; i++) {
		run->records[i].check = checks[i];
		total += plan[i].run;
	}
	{
		struct wave_ctx wc = { .plan = plan, .total = total, .jobs = jobs, .grace_ms = grace,
				       .start_mono = start_mono, .unavailable = opts->unavailable };
		size_t *wave = xpv_calloc(n_checks + 1, sizeof(*wave)), n_wave = 0;

		for (size_t i = 0; i < n_checks; i++) {
			bool alone = plan[i].run && checks[i]->disruptive && opts->unavailable == NULL;

			if (!alone) {
				wave[n_wave++] = i;
				continue;
			}
			run_wave(run, &wc, wave, n_wave, NULL);
			n_wave = 0;
			/* an abandoned check leaves the run stopped: the rest are "not run" */
			xpv_facts_forget(run->facts);
			run_wave(run, &wc, &i, 1, NULL);
			if (!run->records[i].ran)
				continue;
			/* the cluster changed: what was seen before is old, and
			 * some checks want a second look */
			xpv_facts_forget(run->facts);
			for (size_t j = 0; j < i; j++)
				if (plan[j].run && checks[j]->rerun_after_disruptive)
					wave[n_wave++] = j;
			run_wave(run, &wc, wave, n_wave, "after failover");
			n_wave = 0;
		}
		run_wave(run, &wc, wave, n_wave, NULL);
		free(wave);
	}
	xpv_progress_clear();
	xpv_plan_free(plan, n_checks);
	free(mine);
	xpv_pool_release();
	if (opts->handle_signals && !opts->caught_before) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}

	/* an abandoned check may still run: from here it changes nothing */
	xpv_evidence_close(run->evidence);
	pthread_mutex_lock(&run->lock);
	run->closed = true;
	run->end_us = xpv_now_us();
	sort_run = run;
	qsort(run->results, run->n_results, sizeof(*run->results), result_cmp);
	sort_run = NULL;
	run->exit_code = xpv_exit_code(run->results, run->n_results, run->aborted);
	pthread_mutex_unlock(&run->lock);
	*out = run;
	return 0;
}

enum xpv_verdict xpv_run_check_verdict(const struct xpv_run *run, const char *check_id)
{
	enum xpv_verdict v = XPV_SKIP;

	for (size_t i = 0; i < run->n_results; i++)
		if (strcmp(run->results[i].check_id, check_id) == 0)
			v = xpv_verdict_worst(v, run->results[i].verdict);
	return v;
}

void xpv_run_add_step(struct xpv_run *run, const struct xpv_check *c, const struct xpv_outcome *o)
{
	struct xpv_check_record *rec;

	pthread_mutex_lock(&run->lock);
	run->records = xpv_realloc(run->records, (run->n_records + 1) * sizeof(*run->records));
	rec = &run->records[run->n_records++];
	*rec = (struct xpv_check_record){ .check = c, .ran = true, .start_us = o->start_us, .end_us = o->end_us };
	run->live = run->n_records - 1;
	add_result_locked(run, run->live, c->id, o, false);
	run->exit_code = xpv_exit_code(run->results, run->n_results, run->aborted);
	pthread_mutex_unlock(&run->lock);
}

const char *xpv_run_verdict_name(const struct xpv_run *run)
{
	switch (run->exit_code) {
	case XPV_EXIT_OK: return "pass";
	case XPV_EXIT_FAIL: return "fail";
	case XPV_EXIT_ERROR: return "error";
	default: return "aborted";
	}
}

void xpv_run_free(struct xpv_run *run)
{
	if (run == NULL)
		return;
	json_decref(run->history);
	for (size_t i = 0; i < run->n_results; i++)
		xpv_result_clear(&run->results[i]);
	free(run->results);
	free(run->records);
	free(run->waiver_uses);
	xpv_facts_free(run->facts);
	xpv_evidence_free(run->evidence);
	free(run->run_id);
	free(run->hostname);
	free(run->abort_reason);
	pthread_mutex_destroy(&run->lock);
	pthread_cond_destroy(&run->cond);
	free(run);
}
