/* The check interface. A check is one file in checks/ exporting one
 * `const struct xpv_check`; checks/registry.c lists them all. The runner
 * calls `run` once with a context; the check reports one outcome per target
 * through xpv_ctx_report. */
#ifndef XPV_CHECK_H
#define XPV_CHECK_H

#include "results.h"
#include "wsman.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xpv_ctx;
struct xpv_scenario;
struct xpv_node;

enum xpv_param_type { XPV_PARAM_STRING, XPV_PARAM_INT, XPV_PARAM_NUMBER, XPV_PARAM_BOOL };

/* A per-check parameter a scenario may set under checks.params.<id>. */
struct xpv_param_def {
	const char *name;
	enum xpv_param_type type;
	const char *default_value; /* as text; NULL means no default */
	const char *doc;           /* one line for docs and list-checks */
};

/* Bits of xpv_check.topologies (1 << enum xpv_topology_kind). */
#define XPV_TOPO_WSFC 1u
#define XPV_TOPO_SAFEKIT 2u

struct xpv_check {
	const char *id;            /* unique, stable, kebab-case */
	const char *title;         /* one line */
	const char *guide_section; /* the guide step this implements */
	bool disruptive;           /* changes cluster state (failover) */
	bool rerun_after_disruptive; /* run again after a disruptive check, targets marked "(after failover)" */
	const char *remediation;   /* what to do when it fails */
	const struct xpv_param_def *params; /* NULL-name terminated, or NULL */
	unsigned topologies;       /* XPV_TOPO_* it applies to; 0: every topology */
	/* Evaluates the check. Reports every outcome through xpv_ctx_report and
	 * returns 0, or a negative xpv_err with the last-error message set when
	 * it could not finish: the runner then records an `error` result. Must
	 * return soon after xpv_ctx_cancelled() turns true. */
	int (*run)(struct xpv_ctx *ctx);
};

/* Records one outcome (thread-safe; copied). A waiver turns a matching
 * `fail` into `waived`. Outcomes reported after the run was abandoned are
 * dropped. Returns 0 or XPV_ECANCELLED when dropped. */
int xpv_ctx_report(struct xpv_ctx *ctx, const struct xpv_outcome *o);

/* xpv_ctx_report of one outcome without figures, taking `observed` and
 * `message` (new strings, freed here). */
void xpv_ctx_report_owned(struct xpv_ctx *ctx, const char *target, enum xpv_verdict v, const char *expected,
			  char *observed, char *message);

/* Whether check `c` applies to the topology of scenario `sc`: a check
 * that does not is not part of the run at all. */
bool xpv_check_applies(const struct xpv_check *c, const struct xpv_scenario *sc);

/* The run's memo (see xpv_facts_memo): the value for `key`, noting
 * `value` when there is none yet. A new string, or NULL. */
char *xpv_ctx_memo(struct xpv_ctx *ctx, const char *key, const char *value);

/* The scenario the run executes. */
const struct xpv_scenario *xpv_ctx_scenario(const struct xpv_ctx *ctx);

/* The check being run. */
const struct xpv_check *xpv_ctx_check(const struct xpv_ctx *ctx);

/* The value of parameter `name` for this check: the scenario's value, or the
 * declared default, or NULL. */
const char *xpv_ctx_param(const struct xpv_ctx *ctx, const char *name);

/* True once the run is aborted (signal) or past its global deadline. */
bool xpv_ctx_cancelled(const struct xpv_ctx *ctx);

/* Why the run ended early ("the run's deadline (deadline_s 30 s) passed",
 * "the run was interrupted (SIGTERM)"), or NULL while it goes on or when
 * its deadline falls at or after `before_mono` (xpv_mono_ms time: a wait
 * of the check's own that would have ended first). New string. What a
 * check could not observe for this reason is `error`, never `fail`. */
char *xpv_ctx_stop_reason(const struct xpv_ctx *ctx, int64_t before_mono);

/* Sleeps up to `ms`, waking early when the run is cancelled. Returns false
 * when cancelled. */
bool xpv_ctx_sleep(struct xpv_ctx *ctx, long ms);

/* WQL on `node` through the run's shared session; answers (and failures)
 * are cached until a disruptive check runs. `*rows` is a new reference. */
int xpv_ctx_wql(json_t **rows, struct xpv_ctx *ctx, const struct xpv_node *node, const char *ns, const char *query);

/* The same, always asking the node (for observing change). */
int xpv_ctx_wql_fresh(json_t **rows, struct xpv_ctx *ctx, const struct xpv_node *node, const char *ns,
		      const char *query);

/* A remote command on `node` (see xpv_winrm_exec). */
int xpv_ctx_exec(struct xpv_shell_output *out, struct xpv_ctx *ctx, const struct xpv_node *node,
		 const char *command, const char *const *args, size_t n_args);

/* The same for a command that only reads (type, a Get- script): answers
 * (and failures) are cached as WQL ones are, until a disruptive check runs. */
int xpv_ctx_exec_cached(struct xpv_shell_output *out, struct xpv_ctx *ctx, const struct xpv_node *node,
			const char *command, const char *const *args, size_t n_args);

/* A WMI method on `node` (see xpv_winrm_invoke). */
int xpv_ctx_invoke(json_t **out, struct xpv_ctx *ctx, const struct xpv_node *node, const char *class_uri,
		   const char *method, const struct xpv_kv *selectors, size_t n_selectors,
		   const struct xpv_kv *params, size_t n_params);

/* Appends `text` to evidence file `file` (for example
 * "certs/XPNODE1.pem"); redacted, kept for the evidence archive. */
void xpv_ctx_evidence(struct xpv_ctx *ctx, const char *file, const char *text);

/* The failover-takeover result whose takeover_ms is "this run's takeover
 * time" (the failback's is "failback/takeover-time"): the history stores
 * it and the trend compares it, one definition for both. */
#define XPV_TAKEOVER_TARGET "takeover-time"

/* A copy of figure `name` from the result of `check_id` for `target`
 * reported so far in this run (NULL target: the first result that has
 * it), or NULL. */
char *xpv_ctx_figure(struct xpv_ctx *ctx, const char *check_id, const char *target, const char *name);

/* "after failover" when this is the second run of a check, else NULL. */
const char *xpv_ctx_phase(const struct xpv_ctx *ctx);

/* Calls `fn` for every node of the scenario, each on a thread of its own
 * (the process's pool, harness/pool.h; the caller's own when no thread can
 * be made), and waits for all: per-node work must not make the run grow
 * with the node count. Returns 0: every node is called. */
int xpv_ctx_each_node(struct xpv_ctx *ctx,
		      void (*fn)(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg),
		      void *arg);

#endif
