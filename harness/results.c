#include "results.h"

#include "secrets.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[XPV_VERDICT_COUNT] = {
	[XPV_PASS] = "pass",
	[XPV_FAIL] = "fail",
	[XPV_ERROR] = "error",
	[XPV_SKIP] = "skip",
	[XPV_WAIVED] = "waived",
};

const char *xpv_verdict_name(enum xpv_verdict v)
{
	if ((unsigned)v >= XPV_VERDICT_COUNT)
		return "unknown";
	return verdict_names[v];
}

int xpv_verdict_parse(const char *name)
{
	for (int i = 0; i < XPV_VERDICT_COUNT; i++)
		if (strcmp(name, verdict_names[i]) == 0)
			return i;
	return -1;
}

/* Severity order used to fold many verdicts into one. */
static int severity(enum xpv_verdict v)
{
	switch (v) {
	case XPV_FAIL: return 4;
	case XPV_ERROR: return 3;
	case XPV_PASS: return 2;
	case XPV_WAIVED: return 1;
	case XPV_SKIP: return 0;
	case XPV_VERDICT_COUNT: break;
	}
	return 0;
}

enum xpv_verdict xpv_verdict_worst(enum xpv_verdict a, enum xpv_verdict b)
{
	return severity(a) >= severity(b) ? a : b;
}

int xpv_exit_code(const struct xpv_result *results, size_t n, bool aborted)
{
	bool fail = false, error = false;

	if (aborted)
		return XPV_EXIT_ABORTED;
	for (size_t i = 0; i < n; i++) {
		fail |= results[i].verdict == XPV_FAIL;
		error |= results[i].verdict == XPV_ERROR;
	}
	if (fail)
		return XPV_EXIT_FAIL;
	return error ? XPV_EXIT_ERROR : XPV_EXIT_OK;
}

/* Clean and redact one string for the model. */
static char *model_text(const char *s)
{
	char *clean, *red;

	if (s == NULL)
		return NULL;
	clean = xpv_text_clean(s);
	red = xpv_redact(clean);
	free(clean);
	return red;
}

void xpv_result_init(struct xpv_result *r, const char *check_id, const struct xpv_outcome *o)
{
	memset(r, 0, sizeof(*r));
	r->check_id = model_text(check_id);
	r->target = model_text(o->target != NULL && o->target[0] != '\0' ? o->target : "cluster");
	r->verdict = o->verdict;
	r->expected = model_text(o->expected);
	r->observed = model_text(o->observed);
	r->message = model_text(o->message);
	r->start_us = o->start_us;
	r->end_us = o->end_us != 0 ? o->end_us : xpv_now_us();
	if (r->start_us == 0 || r->start_us > r->end_us)
		r->start_us = r->end_us;
	if (o->n_figures > 0) {
		r->figures = xpv_calloc(o->n_figures, sizeof(*r->figures));
		for (size_t i = 0; i < o->n_figures; i++) {
			r->figures[i].name = model_text(o->figures[i].name);
			r->figures[i].value = model_text(o->figures[i].value);
		}
		r->n_figures = o->n_figures;
	}
	if (o->n_evidence > 0) {
		r->evidence = xpv_calloc(o->n_evidence, sizeof(*r->evidence));
		for (size_t i = 0; i < o->n_evidence; i++)
			r->evidence[i] = model_text(o->evidence[i]);
		r->n_evidence = o->n_evidence;
	}
}

void xpv_result_clear(struct xpv_result *r)
{
	free(r->check_id);
	free(r->target);
	free(r->expected);
	free(r->observed);
	free(r->message);
	for (size_t i = 0; i < r->n_figures; i++) {
		free(r->figures[i].name);
		free(r->figures[i].value);
	}
	free(r->figures);
	for (size_t i = 0; i < r->n_evidence; i++)
		free(r->evidence[i]);
	free(r->evidence);
	free(r->waiver_reason);
	free(r->waiver_expires);
	memset(r, 0, sizeof(*r));
}
