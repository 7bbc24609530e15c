/* The results model: verdicts, one result per check x target, and the run
 * that holds them. Reports are produced from this model (through JSON). */
#ifndef XPV_RESULTS_H
#define XPV_RESULTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the cluster did. Append-only: the numbers appear in no file, but the
 * names do (JSON, JUnit, HTML). */
enum xpv_verdict {
	XPV_PASS,   /* observed and conforming */
	XPV_FAIL,   /* observed and not conforming */
	XPV_ERROR,  /* could not be evaluated */
	XPV_SKIP,   /* not applicable, excluded, or not run */
	XPV_WAIVED, /* a fail covered by an unexpired waiver */
	XPV_VERDICT_COUNT
};

/* "pass", "fail", "error", "skip", "waived". */
const char *xpv_verdict_name(enum xpv_verdict v);

/* Parses a verdict name; returns -1 when unknown. */
int xpv_verdict_parse(const char *name);

struct xpv_kv {
	char *name;
	char *value;
};

struct xpv_result {
	char *check_id;
	char *target;         /* node, node/service, or the cluster address */
	enum xpv_verdict verdict;
	char *expected;       /* what conformance requires */
	char *observed;       /* what was seen */
	char *message;        /* one line a human reads first */
	int64_t start_us;     /* realtime microseconds */
	int64_t end_us;
	struct xpv_kv *figures; /* measured numbers, e.g. takeover_ms */
	size_t n_figures;
	char **evidence;      /* references to evidence files */
	size_t n_evidence;
	char *waiver_reason;  /* set when verdict is XPV_WAIVED */
	char *waiver_expires;
	bool aborted;         /* produced or cut short by an abort */
	bool logged;          /* printed on the console (the runner's) */
};

/* What a check hands to the runner for one target. Strings are copied,
 * cleaned (xpv_text_clean) and redacted (xpv_redact). */
struct xpv_outcome {
	const char *target;
	enum xpv_verdict verdict;
	const char *expected;
	const char *observed;
	const char *message;
	int64_t start_us;     /* 0: when the check started */
	int64_t end_us;       /* 0: now */
	const struct xpv_kv *figures;
	size_t n_figures;
	const char *const *evidence;
	size_t n_evidence;
};

/* Fills `r` from `o` (copying, cleaning and redacting every string). */
void xpv_result_init(struct xpv_result *r, const char *check_id, const struct xpv_outcome *o);

/* Frees what `r` owns. */
void xpv_result_clear(struct xpv_result *r);

/* Verdict of a whole run or check: fail > error > pass > waived > skip for
 * a check's own verdict. */
enum xpv_verdict xpv_verdict_worst(enum xpv_verdict a, enum xpv_verdict b);

/* Exit codes of `xpverify run` (DESIGN.md contracts). */
enum xpv_exit {
	XPV_EXIT_OK = 0,       /* every result pass, waived or skip */
	XPV_EXIT_FAIL = 1,     /* at least one fail */
	XPV_EXIT_USAGE = 2,    /* bad invocation or invalid scenario; nothing ran */
	XPV_EXIT_ERROR = 3,    /* errors but no fail */
	XPV_EXIT_ABORTED = 4   /* signal or safety interlock */
};

/* Exit code for a set of results; `aborted` wins over everything. */
int xpv_exit_code(const struct xpv_result *results, size_t n, bool aborted);

#endif
