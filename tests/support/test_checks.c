/* Checks for testing the harness itself (never shipped): their behaviour is
 * set per scenario through checks.params, so one binary can produce every
 * verdict, errors, hangs and signals on demand. */
#include "test_checks.h"

#include "error.h"
#include "scenario.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct xpv_param_def node_params[] = {
	{ "verdict", XPV_PARAM_STRING, "pass", "verdict of every node" },
	{ "fail_node", XPV_PARAM_STRING, NULL, "this node fails" },
	{ "error_node", XPV_PARAM_STRING, NULL, "this node errors" },
	{ "message", XPV_PARAM_STRING, NULL, "text added to every message" },
	{ "sleep_ms", XPV_PARAM_INT, "0", "per-node wait, cut short by an abort" },
	{ "stubborn_ms", XPV_PARAM_INT, "0", "per-node wait that ignores aborts, writing evidence" },
	{ "echo_secret", XPV_PARAM_BOOL, "false", "put the WinRM password in the message" },
	{ NULL, 0, NULL, NULL },
};

static const struct xpv_param_def cluster_params[] = {
	{ "verdict", XPV_PARAM_STRING, "pass", "verdict of the cluster result" },
	{ "target", XPV_PARAM_STRING, "cluster", "target name" },
	{ "duplicate", XPV_PARAM_BOOL, "false", "report the target twice" },
	{ "return_error", XPV_PARAM_BOOL, "false", "fail to evaluate" },
	{ "no_result", XPV_PARAM_BOOL, "false", "report nothing" },
	{ "raise", XPV_PARAM_STRING, NULL, "SIGINT or SIGTERM: raise it after reporting" },
	{ "sleep_ms", XPV_PARAM_INT, "0", "wait before reporting, cut short by an abort" },
	{ NULL, 0, NULL, NULL },
};

static enum xpv_verdict verdict_of(const char *name)
{
	int v = name != NULL ? xpv_verdict_parse(name) : -1;

	return v < 0 ? XPV_ERROR : (enum xpv_verdict)v;
}

static void one_node(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const char *fail_node = xpv_ctx_param(ctx, "fail_node");
	const char *error_node = xpv_ctx_param(ctx, "error_node");
	const char *extra = xpv_ctx_param(ctx, "message");
	long sleep_ms = strtol(xpv_ctx_param(ctx, "sleep_ms"), NULL, 10);
	long stubborn_ms = strtol(xpv_ctx_param(ctx, "stubborn_ms"), NULL, 10);
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_outcome o = { .target = node->name };
	char *msg;

	(void)arg;
	o.verdict = verdict_of(xpv_ctx_param(ctx, "verdict"));
	if (fail_node != NULL && strcmp(fail_node, node->name) == 0)
		o.verdict = XPV_FAIL;
	if (error_node != NULL && strcmp(error_node, node->name) == 0)
		o.verdict = XPV_ERROR;
	if (sleep_ms > 0 && !xpv_ctx_sleep(ctx, sleep_ms))
		return;
	if (stubborn_ms > 0) {
		/* ignores the abort, and keeps writing evidence all the while,
		 * as a check stuck in a long exchange does */
		char *file = xpv_asprintf("transcripts/stubborn-%s.txt", node->name);

		for (long waited = 0; waited < stubborn_ms; waited += 10) {
			struct timespec ts = { 0, 10 * 1000000L };

			xpv_ctx_evidence(ctx, file, "still here\n");
			nanosleep(&ts, NULL);
		}
		free(file);
	}
	msg = xpv_asprintf("node %s on host %s%s%s%s%s", node->name, node->host, extra ? ": " : "",
			   extra ? extra : "",
			   strcmp(xpv_ctx_param(ctx, "echo_secret"), "true") == 0 ? " password=" : "",
			   strcmp(xpv_ctx_param(ctx, "echo_secret"), "true") == 0 && sc->winrm.password.value
				   ? sc->winrm.password.value
				   : "");
	o.expected = "conforming";
	o.observed = xpv_verdict_name(o.verdict);
	o.message = msg;
	xpv_ctx_report(ctx, &o);
	free(msg);
}

static int run_nodes(struct xpv_ctx *ctx)
{
	return xpv_ctx_each_node(ctx, one_node, NULL);
}

static int run_cluster(struct xpv_ctx *ctx)
{
	const char *raise_sig = xpv_ctx_param(ctx, "raise");
	struct xpv_kv fig = { "answer_ms", "42" };
	struct xpv_outcome o = {
		.target = xpv_ctx_param(ctx, "target"),
		.verdict = verdict_of(xpv_ctx_param(ctx, "verdict")),
		.expected = "the cluster conforms",
		.observed = xpv_ctx_param(ctx, "verdict"),
		.message = "cluster-wide test result",
		.figures = &fig,
		.n_figures = 1,
	};

	if (!xpv_ctx_sleep(ctx, strtol(xpv_ctx_param(ctx, "sleep_ms"), NULL, 10)))
		return 0;
	if (strcmp(xpv_ctx_param(ctx, "return_error"), "true") == 0)
		return xpv_error_set(XPV_ECHECK, "test check could not reach %s", "the cluster");
	if (strcmp(xpv_ctx_param(ctx, "no_result"), "true") == 0)
		return 0;
	xpv_ctx_report(ctx, &o);
	if (strcmp(xpv_ctx_param(ctx, "duplicate"), "true") == 0)
		xpv_ctx_report(ctx, &o);
	if (raise_sig != NULL)
		raise(strcmp(raise_sig, "SIGTERM") == 0 ? SIGTERM : SIGINT);
	return 0;
}

static int run_disruptive(struct xpv_ctx *ctx)
{
	struct xpv_outcome o = { .target = "cluster", .verdict = XPV_PASS, .message = "disrupted" };

	return xpv_ctx_report(ctx, &o);
}

const struct xpv_check xpv_test_check_cluster = {
	.id = "t-cluster",
	.title = "Test check with one cluster-wide result",
	.guide_section = "Test: cluster",
	.rerun_after_disruptive = true,
	.remediation = "Change the test parameters.",
	.params = cluster_params,
	.run = run_cluster,
};

const struct xpv_check xpv_test_check_nodes = {
	.id = "t-nodes",
	.title = "Test check with one result per node",
	.guide_section = "Test: nodes",
	.remediation = "Change the test parameters.",
	.params = node_params,
	.run = run_nodes,
};

const struct xpv_check xpv_test_check_disruptive = {
	.id = "t-disruptive",
	.title = "Test check that claims to disrupt the cluster",
	.guide_section = "Test: disruptive",
	.disruptive = true,
	.remediation = "None.",
	.run = run_disruptive,
};

const struct xpv_check *const xpv_test_checks[] = {
	&xpv_test_check_cluster,
	&xpv_test_check_nodes,
	&xpv_test_check_disruptive,
};

const size_t xpv_test_checks_count = sizeof(xpv_test_checks) / sizeof(xpv_test_checks[0]);
