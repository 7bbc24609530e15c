/* Tonight's takeover against the cluster's own past: the failover
 * completes, but does it take markedly longer than it used to? Compares
 * this run's takeover time with the median of the last N runs of the same
 * scenario in the history store. */
#include "check.h"
#include "error.h"
#include "history.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>

static const struct xpv_param_def params[] = {
	{ "runs", XPV_PARAM_INT, "5", "earlier runs with a takeover time the median is taken over" },
	{ "max_increase_pct", XPV_PARAM_NUMBER, "50",
	  "how far above that median (percent) tonight's takeover may be" },
	{ 0 }
};

static void skip(struct xpv_ctx *ctx, const char *why)
{
	struct xpv_outcome o = { .target = "takeover", .verdict = XPV_SKIP, .message = why };

	xpv_ctx_report(ctx, &o);
}

static void compare(struct xpv_ctx *ctx, double tonight, const json_t *runs, long n)
{
	double pct = strtod(xpv_ctx_param(ctx, "max_increase_pct"), NULL), median, limit;
	double *v = xpv_calloc((size_t)n, sizeof(*v));
	char *expected, *observed, *msg, t[32], m[32], l[32], c[32];
	struct xpv_kv figs[] = { { "takeover_ms", t }, { "median_ms", m }, { "limit_ms", l }, { "runs", c } };
	struct xpv_outcome o = { .target = "takeover", .figures = figs, .n_figures = 4 };

	for (long i = 0; i < n; i++)
		v[i] = json_real_value(json_object_get(json_array_get(runs, (size_t)i), "takeover_ms"));
	median = xpv_median(v, (size_t)n);
	free(v);
	limit = median * (1 + pct / 100);
	snprintf(t, sizeof(t), "%.0f", tonight);
	snprintf(m, sizeof(m), "%.0f", median);
	snprintf(l, sizeof(l), "%.0f", limit);
	snprintf(c, sizeof(c), "%ld", n);
	expected = xpv_asprintf("takeover within %.0f ms: the median of the last %ld runs (%.0f ms) plus %g%%", limit,
				n, median, pct);
	observed = xpv_asprintf("takeover %.0f ms", tonight);
	o.verdict = tonight > limit ? XPV_FAIL : XPV_PASS;
	msg = tonight > limit ? xpv_asprintf("the takeover took %.0f ms, %.0f%% above the median of the last %ld runs "
					     "(%.0f ms); at most %g%% is allowed",
					     tonight, median > 0 ? (tonight / median - 1) * 100 : 100.0, n, median, pct)
			      : xpv_asprintf("the takeover took %.0f ms; the median of the last %ld run%s is %.0f ms",
					     tonight, n, n == 1 ? "" : "s", median);
	o.expected = expected;
	o.observed = observed;
	o.message = msg;
	xpv_ctx_report(ctx, &o);
	free(expected);
	free(observed);
	free(msg);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	long n = strtol(xpv_ctx_param(ctx, "runs"), NULL, 10);
	char *tonight = NULL;
	struct xpv_history *h = NULL;
	json_t *runs = NULL;
	int rc;

	if (n < 1)
		return xpv_error_set(XPV_ECHECK, "checks.params.takeover-trend.runs must be at least 1, got %ld", n);
	if (!sc->history.present) {
		skip(ctx, "no history store: set 'history' in the scenario to compare takeover times across runs");
		return 0;
	}
	/* this run's takeover: the failover's, never the failback's */
	tonight = xpv_ctx_figure(ctx, "failover-takeover", XPV_TAKEOVER_TARGET, "takeover_ms");
	if (tonight == NULL) {
		skip(ctx, "this run measured no takeover (failover-takeover did not run or did not complete)");
		return 0;
	}
	rc = xpv_history_open(&h, sc->history.odbc, sc->history.password.value, sc->history.timeout_s);
	if (rc == 0)
		rc = xpv_history_runs(&runs, h, sc->name, true, n);
	xpv_history_close(h);
	if (rc == 0 && (long)json_array_size(runs) < n) {
		char *why = xpv_asprintf("%zu earlier run%s with a takeover time on record; the trend needs %ld",
					 json_array_size(runs), json_array_size(runs) == 1 ? "" : "s", n);

		skip(ctx, why);
		free(why);
	} else if (rc == 0) {
		compare(ctx, strtod(tonight, NULL), runs, n);
	} else {
		char *msg = xpv_strdup(xpv_error_last());

		rc = xpv_error_set(rc, "the history store could not be read: %s", msg);
		free(msg);
	}
	json_decref(runs);
	free(tonight);
	return rc;
}

const struct xpv_check xpv_check_takeover_trend = {
	.id = "takeover-trend",
	.title = "The takeover is not markedly slower than in earlier runs",
	.guide_section = "xpverify: nightly trend of the failover step (not a guide step)",
	.remediation = "Compare the failover stages with earlier runs (xpverify history, the report's trend): a "
		       "resource that starts slower, a slower failure detection or a busy node shows there.",
	.params = params,
	.run = run,
};
