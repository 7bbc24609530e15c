/* The runner: plan, verdicts and exit codes, waivers, parallel nodes,
 * signals, the global deadline, and results that are never lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "facts.h"
#include "helpers.h"
#include "log.h"
#include "runner.h"
#include "secrets.h"
#include "test_checks.h"
#include "util.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define NODES2 "nodes:\n  - {name: node1, host: h1}\n  - {name: node2, host: h2}\n"
#define HEAD "name: t\ncluster: {name: c, role: r, address: https://r.lab}\n"

/* ---- a check that proves nodes run at the same time ------------------- */

static pthread_mutex_t meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cond = PTHREAD_COND_INITIALIZER;
static size_t arrived;

/* Every node waits until all nodes have arrived. Run one after the other,
 * the first node would wait alone until the safety bound and fail. */
static void meet(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	size_t want = *(size_t *)arg;
	struct timespec until;
	bool all = true;
	struct xpv_outcome o = { .target = node->name };

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10; /* safety bound only */
	pthread_mutex_lock(&meet_lock);
	arrived++;
	pthread_cond_broadcast(&meet_cond);
	while (arrived < want && all)
		all = pthread_cond_timedwait(&meet_cond, &meet_lock, &until) == 0 || arrived >= want;
	pthread_mutex_unlock(&meet_lock);
	o.verdict = all ? XPV_PASS : XPV_FAIL;
	o.message = all ? "met every other node" : "waited alone: nodes did not run in parallel";
	xpv_ctx_report(ctx, &o);
}

static int run_meet(struct xpv_ctx *ctx)
{
	size_t want = xpv_ctx_scenario(ctx)->n_nodes;

	arrived = 0;
	return xpv_ctx_each_node(ctx, meet, &want);
}

static const struct xpv_check meet_check = {
	.id = "t-meet", .title = "nodes meet", .guide_section = "test", .remediation = "none", .run = run_meet,
};

/* ---- checks that prove checks run side by side ------------------------ */

static size_t paired;

/* Waits up to 2 s for the other pair check to arrive. */
static int run_pair(struct xpv_ctx *ctx)
{
	struct timespec until;
	bool met = true;
	struct xpv_outcome o = { .target = "cluster" };

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&meet_lock);
	paired++;
	pthread_cond_broadcast(&meet_cond);
	while (paired < 2 && met)
		met = pthread_cond_timedwait(&meet_cond, &meet_lock, &until) == 0 || paired >= 2;
	pthread_mutex_unlock(&meet_lock);
	o.verdict = met ? XPV_PASS : XPV_FAIL;
	o.message = met ? "met the other check" : "waited alone: checks did not run side by side";
	return xpv_ctx_report(ctx, &o);
}

static const struct xpv_check pair_a = {
	.id = "t-pair-a", .title = "pair a", .guide_section = "test", .remediation = "none", .run = run_pair,
};
static const struct xpv_check pair_b = {
	.id = "t-pair-b", .title = "pair b", .guide_section = "test", .remediation = "none", .run = run_pair,
};

/* ---- helpers --------------------------------------------------------- */

static int case_no;

static struct xpv_scenario *scenario(const char *yaml, const struct xpv_check *const *checks, size_t n)
{
	struct xpv_scenario *sc = NULL;
	struct xpv_diags d = { 0 };
	char name[32];
	char *path;

	snprintf(name, sizeof(name), "run%d.yaml", case_no++);
	path = th_write(name, yaml);
	if (xpv_scenario_load(&sc, &d, path, checks, n) < 0) {
		for (size_t i = 0; i < d.n; i++)
			print_error("%s\n", xpv_diag_format(path, &d.items[i]));
		fail_msg("scenario did not load");
	}
	xpv_diags_clear(&d);
	free(path);
	return sc;
}

static struct xpv_run *run_yaml(const char *yaml, const struct xpv_run_opts *opts)
{
	struct xpv_scenario *sc = scenario(yaml, xpv_test_checks, xpv_test_checks_count);
	struct xpv_run_opts none = { 0 };
	struct xpv_run *run = NULL;

	assert_int_equal(xpv_run_execute(&run, sc, xpv_test_checks, xpv_test_checks_count, opts ? opts : &none), 0);
	return run;
}

static void done(struct xpv_run *run)
{
	struct xpv_scenario *sc = (struct xpv_scenario *)run->sc;

	xpv_run_free(run);
	xpv_scenario_free(sc);
}

static const struct xpv_result *find(const struct xpv_run *run, const char *check, const char *target)
{
	for (size_t i = 0; i < run->n_results; i++)
		if (strcmp(run->results[i].check_id, check) == 0 && strcmp(run->results[i].target, target) == 0)
			return &run->results[i];
	fail_msg("no result for %s / %s", check, target);
	return NULL;
}

/* ---- tests ------------------------------------------------------------ */

static void test_exit_codes(void **state)
{
	static const struct {
		enum xpv_verdict v[3];
		size_t n;
		bool aborted;
		int code;
	} cases[] = {
		{ { XPV_PASS }, 1, false, 0 },
		{ { XPV_PASS, XPV_SKIP, XPV_WAIVED }, 3, false, 0 },
		{ { XPV_PASS, XPV_FAIL }, 2, false, 1 },
		{ { XPV_ERROR, XPV_PASS }, 2, false, 3 },
		{ { XPV_ERROR, XPV_FAIL }, 2, false, 1 },
		{ { XPV_PASS }, 1, true, 4 },
		{ { XPV_FAIL }, 1, true, 4 },
		{ { XPV_SKIP }, 0, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xpv_result r[3] = { 0 };

		for (size_t j = 0; j < cases[i].n; j++)
			r[j].verdict = cases[i].v[j];
		assert_int_equal(xpv_exit_code(r, cases[i].n, cases[i].aborted), cases[i].code);
	}
	assert_int_equal(xpv_verdict_worst(XPV_PASS, XPV_FAIL), XPV_FAIL);
	assert_int_equal(xpv_verdict_worst(XPV_ERROR, XPV_PASS), XPV_ERROR);
	assert_int_equal(xpv_verdict_worst(XPV_FAIL, XPV_ERROR), XPV_FAIL);
	assert_int_equal(xpv_verdict_worst(XPV_SKIP, XPV_WAIVED), XPV_WAIVED);
	assert_int_equal(xpv_verdict_worst(XPV_WAIVED, XPV_PASS), XPV_PASS);
	for (int v = 0; v < XPV_VERDICT_COUNT; v++)
		assert_int_equal(xpv_verdict_parse(xpv_verdict_name(v)), v);
	assert_int_equal(xpv_verdict_parse("passed"), -1);
}

static void test_plan(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_plan_item *plan;
	const char *only[] = { "t-cluster", "t-disruptive" };
	const char *skip[] = { "t-cluster" };
	struct xpv_run_opts opts = { 0 };

	(void)state;
	sc = scenario(HEAD NODES2, xpv_test_checks, xpv_test_checks_count);
	xpv_plan(&plan, sc, xpv_test_checks, xpv_test_checks_count, &opts);
	assert_true(plan[0].run);
	assert_true(plan[1].run);
	assert_false(plan[2].run);
	assert_string_equal(plan[2].why_not,
			    "disruptive check: the scenario does not set failover.allow_disruptive");
	xpv_plan_free(plan, xpv_test_checks_count);
	xpv_scenario_free(sc);

	sc = scenario(HEAD NODES2 "failover: {allow_disruptive: true}\n", xpv_test_checks, xpv_test_checks_count);
	xpv_plan(&plan, sc, xpv_test_checks, xpv_test_checks_count, &opts);
	assert_false(plan[2].run);
	assert_string_equal(plan[2].why_not,
			    "disruptive check: the command line does not say --allow-disruptive");
	xpv_plan_free(plan, xpv_test_checks_count);
	opts.allow_disruptive = true;
	opts.only = only;
	opts.n_only = 2;
	opts.skip = skip;
	opts.n_skip = 1;
	xpv_plan(&plan, sc, xpv_test_checks, xpv_test_checks_count, &opts);
	assert_false(plan[0].run);
	assert_string_equal(plan[0].why_not, "excluded by --skip");
	assert_false(plan[1].run);
	assert_string_equal(plan[1].why_not, "not selected by --only");
	assert_true(plan[2].run);
	xpv_plan_free(plan, xpv_test_checks_count);
	xpv_scenario_free(sc);

	sc = scenario(HEAD NODES2 "checks: {include: [t-nodes, t-cluster], exclude: [t-cluster]}\n",
		      xpv_test_checks, xpv_test_checks_count);
	memset(&opts, 0, sizeof(opts));
	xpv_plan(&plan, sc, xpv_test_checks, xpv_test_checks_count, &opts);
	assert_string_equal(plan[0].why_not, "excluded by the scenario's checks.exclude");
	assert_true(plan[1].run);
	assert_string_equal(plan[2].why_not, "not in the scenario's checks.include");
	xpv_plan_free(plan, xpv_test_checks_count);
	xpv_scenario_free(sc);
}

static void test_all_pass_and_skips_are_recorded(void **state)
{
	struct xpv_run *run = run_yaml(HEAD NODES2, NULL);

	(void)state;
	assert_int_equal(run->n_results, 4);
	assert_int_equal(find(run, "t-cluster", "cluster")->verdict, XPV_PASS);
	assert_int_equal(find(run, "t-nodes", "node1")->verdict, XPV_PASS);
	assert_int_equal(find(run, "t-nodes", "node2")->verdict, XPV_PASS);
	assert_int_equal(find(run, "t-disruptive", "cluster")->verdict, XPV_SKIP);
	assert_int_equal(run->exit_code, 0);
	/* results come in table order, then by target */
	assert_string_equal(run->results[0].check_id, "t-cluster");
	assert_string_equal(run->results[1].target, "node1");
	assert_string_equal(run->results[2].target, "node2");
	assert_true(run->results[1].start_us <= run->results[1].end_us);
	assert_false(run->aborted);
	done(run);
}

static void test_fail_error_exit_codes(void **state)
{
	struct xpv_run *run;

	(void)state;
	run = run_yaml(HEAD NODES2 "checks: {params: {t-nodes: {fail_node: node2}}}\n", NULL);
	assert_int_equal(find(run, "t-nodes", "node2")->verdict, XPV_FAIL);
	assert_int_equal(find(run, "t-nodes", "node1")->verdict, XPV_PASS);
	assert_int_equal(run->exit_code, 1);
	done(run);
	run = run_yaml(HEAD NODES2 "checks: {params: {t-nodes: {error_node: node1}}}\n", NULL);
	assert_int_equal(run->exit_code, 3);
	done(run);
	run = run_yaml(HEAD NODES2 "checks: {params: {t-nodes: {error_node: node1, fail_node: node2}}}\n", NULL);
	assert_int_equal(run->exit_code, 1);
	done(run);
}

static void test_check_errors_are_results(void **state)
{
	struct xpv_run *run;

	(void)state;
	run = run_yaml(HEAD NODES2 "checks: {params: {t-cluster: {return_error: true}}}\n", NULL);
	assert_int_equal(find(run, "t-cluster", "cluster")->verdict, XPV_ERROR);
	assert_string_equal(find(run, "t-cluster", "cluster")->message,
			    "check could not be evaluated: test check could not reach the cluster");
	assert_int_equal(run->exit_code, 3);
	done(run);
	run = run_yaml(HEAD NODES2 "checks: {params: {t-cluster: {no_result: true}}}\n", NULL);
	assert_int_equal(find(run, "t-cluster", "cluster")->verdict, XPV_ERROR);
	assert_string_equal(find(run, "t-cluster", "cluster")->message,
			    "check reported no result (harness defect): nothing was observed");
	done(run);
}

static void test_waivers(void **state)
{
	struct xpv_run *run;
	const struct xpv_result *r;

	(void)state;
	run = run_yaml(HEAD NODES2 "checks: {params: {t-nodes: {fail_node: node2}}}\n"
				   "waivers:\n"
				   "  - {check: t-cluster, target: '*', reason: other check, expires: 2999-01-01}\n"
				   "  - {check: t-nodes, target: 'node[2-3]', reason: ticket 42, expires: 2999-01-01}\n",
		       NULL);
	r = find(run, "t-nodes", "node2");
	assert_int_equal(r->verdict, XPV_WAIVED);
	assert_string_equal(r->waiver_reason, "ticket 42");
	assert_string_equal(r->waiver_expires, "2999-01-01");
	assert_int_equal(find(run, "t-nodes", "node1")->verdict, XPV_PASS);
	assert_int_equal(run->waiver_uses[0].uses, 0);
	assert_int_equal(run->waiver_uses[1].uses, 1);
	assert_int_equal(run->exit_code, 0);
	done(run);

	/* an expired waiver does not apply and is marked expired */
	run = run_yaml(HEAD NODES2 "checks: {params: {t-nodes: {fail_node: node2}}}\n"
				   "waivers: [{check: t-nodes, reason: old, expires: 2020-01-01}]\n",
		       NULL);
	assert_int_equal(find(run, "t-nodes", "node2")->verdict, XPV_FAIL);
	assert_true(run->waiver_uses[0].expired);
	assert_int_equal(run->exit_code, 1);
	done(run);

	/* a waiver never hides an error: nothing was observed */
	run = run_yaml(HEAD NODES2 "checks: {params: {t-nodes: {error_node: node2}}}\n"
				   "waivers: [{check: t-nodes, reason: r, expires: 2999-01-01}]\n",
		       NULL);
	assert_int_equal(find(run, "t-nodes", "node2")->verdict, XPV_ERROR);
	assert_int_equal(run->exit_code, 3);
	done(run);
}

static void test_waiver_expiry_is_inclusive(void **state)
{
	struct xpv_waiver w = { .expires = "2026-11-22" };
	int64_t day = 1795340771000000LL; /* 2026-11-22T09:46:11Z */

	(void)state;
	assert_false(xpv_waiver_expired(&w, day));
	assert_false(xpv_waiver_expired(&w, day + (int64_t)14 * 3600 * 1000000)); /* 23:46 */
	assert_true(xpv_waiver_expired(&w, day + (int64_t)15 * 3600 * 1000000));  /* next day */
}

static void test_nodes_run_in_parallel(void **state)
{
	const struct xpv_check *const table[] = { &meet_check };
	struct xpv_scenario *sc;
	struct xpv_run *run;
	struct xpv_run_opts opts = { 0 };
	char *yaml = xpv_strdup(HEAD "nodes:\n");

	(void)state;
	for (int i = 1; i <= 16; i++) {
		char *next = xpv_asprintf("%s  - {name: n%02d, host: h%02d}\n", yaml, i, i);

		free(yaml);
		yaml = next;
	}
	sc = scenario(yaml, table, 1);
	xpv_run_execute(&run, sc, table, 1, &opts);
	assert_int_equal(run->n_results, 16);
	for (size_t i = 0; i < run->n_results; i++)
		assert_int_equal(run->results[i].verdict, XPV_PASS);
	done(run);
	free(yaml);
}

static void test_checks_run_side_by_side(void **state)
{
	const struct xpv_check *const table[] = { &pair_a, &pair_b, &xpv_test_check_disruptive };
	struct xpv_scenario *sc;
	struct xpv_run *run;
	struct xpv_run_opts opts = { .allow_disruptive = true };

	(void)state;
	sc = scenario(HEAD NODES2 "failover: {allow_disruptive: true}\n", table, 3);
	paired = 0;
	xpv_run_execute(&run, sc, table, 3, &opts);
	assert_int_equal(run->n_results, 3);
	assert_int_equal(find(run, "t-pair-a", "cluster")->verdict, XPV_PASS);
	assert_int_equal(find(run, "t-pair-b", "cluster")->verdict, XPV_PASS);
	/* a disruptive check runs alone: after the others ended */
	assert_true(run->records[2].start_us >= run->records[0].end_us);
	assert_true(run->records[2].start_us >= run->records[1].end_us);
	xpv_run_free(run);

	/* --jobs 1: one after the other, the first waits alone */
	opts.jobs = 1;
	paired = 0;
	xpv_run_execute(&run, sc, table, 3, &opts);
	assert_int_equal(find(run, "t-pair-a", "cluster")->verdict, XPV_FAIL);
	assert_int_equal(find(run, "t-pair-b", "cluster")->verdict, XPV_PASS);
	assert_true(run->records[1].start_us >= run->records[0].end_us);
	done(run);
}

/* When a request for a node whose connections are all busy opens a
 * further one. */
static void test_session_patience(void **state)
{
	(void)state;
	/* nothing known of the node yet: XPV_PATIENCE_MS in all */
	assert_int_equal(xpv_facts_patience(-1, -1, 0, 0), XPV_PATIENCE_MS);
	assert_int_equal(xpv_facts_patience(-1, -1, 50, 15), XPV_PATIENCE_MS - 15);
	assert_int_equal(xpv_facts_patience(-1, -1, 50, XPV_PATIENCE_MS + 5), 0);
	assert_int_equal(xpv_facts_patience(100, -1, 0, 0), XPV_PATIENCE_MS);
	/* a connection's cost known, the node's first answer not yet: open
	 * one once the busy use has taken longer than two connections */
	assert_int_equal(xpv_facts_patience(-1, 5, 0, 0), 11);
	assert_int_equal(xpv_facts_patience(-1, 5, 3, 2), 8);
	assert_int_equal(xpv_facts_patience(-1, 5, 11, 3), 0);
	assert_int_equal(xpv_facts_patience(-1, 30, 0, 0), XPV_PATIENCE_MS);
	assert_int_equal(xpv_facts_patience(-1, 30, 25, 25), 0);
	/* much slower to answer (WMI, 100 ms) than to connect to (5 ms): at
	 * once; not when a connection costs more than half an exchange */
	assert_int_equal(xpv_facts_patience(100, 5, 0, 0), 0);
	assert_int_equal(xpv_facts_patience(100, 5, 95, 0), 0);
	assert_int_equal(xpv_facts_patience(15, 10, 0, 0), 250);
	/* quicker to answer than to connect to (the lab, a busy machine):
	 * wait for the busy use, up to ten exchanges and connections */
	assert_int_equal(xpv_facts_patience(2, 10, 0, 0), 120);
	assert_int_equal(xpv_facts_patience(2, 10, 50, 40), 70);
	assert_int_equal(xpv_facts_patience(10, 10, 0, 0), 200);
	/* the busy use stuck that long: open one */
	assert_int_equal(xpv_facts_patience(2, 10, 120, 0), 0);
	assert_int_equal(xpv_facts_patience(2, 10, 5000, 0), 0);
}

static void test_signal_aborts_and_keeps_results(void **state)
{
	static const char *const sigs[] = { "SIGINT", "SIGTERM" };

	(void)state;
	for (int i = 0; i < 2; i++) {
		/* one check at a time: t-nodes has not started when t-cluster raises */
		struct xpv_run_opts opts = { .handle_signals = true, .allow_disruptive = true, .jobs = 1 };
		char *yaml = xpv_asprintf(HEAD NODES2 "failover: {allow_disruptive: true}\n"
						      "checks: {params: {t-cluster: {raise: %s}}}\n",
					  sigs[i]);
		struct xpv_run *run = run_yaml(yaml, &opts);
		char *want = xpv_asprintf("not run: run aborted (interrupted by %s)", sigs[i]);
		const struct xpv_result *r;

		assert_true(run->aborted);
		assert_int_equal(run->exit_code, 4);
		/* what ran is kept, what did not run is listed */
		assert_int_equal(find(run, "t-cluster", "cluster")->verdict, XPV_PASS);
		r = find(run, "t-nodes", "cluster");
		assert_int_equal(r->verdict, XPV_SKIP);
		assert_true(r->aborted);
		assert_string_equal(r->message, want);
		assert_int_equal(find(run, "t-disruptive", "cluster")->verdict, XPV_SKIP);
		assert_int_equal(run->n_results, 3);
		/* the handler is gone after the run: the default action is back */
		{
			struct sigaction cur;

			sigaction(SIGINT, NULL, &cur);
			assert_ptr_equal(cur.sa_handler, SIG_DFL);
		}
		free(want);
		free(yaml);
		done(run);
	}
}

static void test_deadline(void **state)
{
	struct xpv_run *run;
	const struct xpv_result *r;

	(void)state;
	run = run_yaml(HEAD NODES2 "deadline_s: 1\n"
				   "checks: {params: {t-nodes: {sleep_ms: 60000}}}\n",
		       NULL);
	assert_true(run->deadline_hit);
	assert_false(run->aborted);
	assert_int_equal(find(run, "t-cluster", "cluster")->verdict, XPV_PASS);
	r = find(run, "t-nodes", "cluster");
	assert_int_equal(r->verdict, XPV_ERROR);
	assert_string_equal(r->message,
			    "check stopped before it reported a result: global deadline of 1 s exceeded");
	assert_int_equal(run->exit_code, 3);
	/* the run stopped at the deadline, not after the 60 s sleep */
	assert_true(run->end_us - run->start_us < 30 * 1000000LL);
	done(run);
}

static void test_results_are_cleaned_and_redacted(void **state)
{
	struct xpv_run *run;
	const struct xpv_result *r;

	(void)state;
	run = run_yaml(HEAD NODES2 "winrm: {transport: https, auth: basic, username: u, password: 'Pa55<w>rd'}\n"
				   "checks: {params: {t-nodes: {echo_secret: true, message: \"<script>\\x01\"}}}\n",
		       NULL);
	r = find(run, "t-nodes", "node1");
	assert_string_equal(r->message, "node node1 on host h1: <script>\xEF\xBF\xBD password=[REDACTED]");
	done(run);
	xpv_secrets_clear();
}

static void test_rerun_after_disruptive(void **state)
{
	struct xpv_run_opts opts = { .allow_disruptive = true };
	struct xpv_run *run;

	(void)state;
	run = run_yaml(HEAD NODES2 "failover: {allow_disruptive: true}\n"
				   "checks: {params: {t-cluster: {target: role}}}\n",
		       &opts);
	/* t-cluster ran before the disruptive check, and again after it */
	assert_int_equal(find(run, "t-cluster", "role")->verdict, XPV_PASS);
	assert_int_equal(find(run, "t-cluster", "role (after failover)")->verdict, XPV_PASS);
	assert_true(find(run, "t-cluster", "role (after failover)")->start_us >=
		    find(run, "t-disruptive", "cluster")->end_us);
	assert_int_equal(run->n_results, 5);
	done(run);

	/* no second look when nothing disruptive ran */
	run = run_yaml(HEAD NODES2 "checks: {params: {t-cluster: {target: role}}}\n", NULL);
	assert_int_equal(run->n_results, 4);
	done(run);
}

static void test_outcome_copy(void **state)
{
	struct xpv_result r;
	struct xpv_kv fig = { "takeover_ms", "1234" };
	const char *ev[] = { "transcripts/node1.txt" };
	struct xpv_outcome o = { .target = "", .verdict = XPV_FAIL, .message = "bad \xFF",
				 .start_us = 10, .end_us = 5, .figures = &fig, .n_figures = 1,
				 .evidence = ev, .n_evidence = 1 };

	(void)state;
	xpv_result_init(&r, "c", &o);
	assert_string_equal(r.target, "cluster");
	assert_string_equal(r.message, "bad \xEF\xBF\xBD");
	assert_null(r.expected);
	assert_int_equal(r.start_us, r.end_us); /* never ends before it starts */
	assert_string_equal(r.figures[0].value, "1234");
	assert_string_equal(r.evidence[0], "transcripts/node1.txt");
	xpv_result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_all_pass_and_skips_are_recorded),
		cmocka_unit_test(test_fail_error_exit_codes),
		cmocka_unit_test(test_check_errors_are_results),
		cmocka_unit_test(test_waivers),
		cmocka_unit_test(test_waiver_expiry_is_inclusive),
		cmocka_unit_test(test_nodes_run_in_parallel),
		cmocka_unit_test(test_checks_run_side_by_side),
		cmocka_unit_test(test_session_patience),
		cmocka_unit_test(test_signal_aborts_and_keeps_results),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_results_are_cleaned_and_redacted),
		cmocka_unit_test(test_rerun_after_disruptive),
		cmocka_unit_test(test_outcome_copy),
	};

	xpv_log_setup(XPV_LOG_QUIET, false);
	return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
