/* Facts from the nodes, shared by the checks of a run (see facts.c). */
#ifndef XPV_FACTS_H
#define XPV_FACTS_H

#include "scenario.h"
#include "winrm.h"

#include <jansson.h>
#include <stdbool.h>

struct xpv_facts;

struct xpv_evidence;

/* Facts for `sc`; exchanges are recorded into `evidence` when not NULL.
 * At most `sessions_per_node` connections to a node at once (0: 1). */
struct xpv_facts *xpv_facts_new(const struct xpv_scenario *sc, struct xpv_evidence *evidence,
				size_t sessions_per_node);
void xpv_facts_free(struct xpv_facts *f);

/* Forgets every cached answer (the cluster changed). */
void xpv_facts_forget(struct xpv_facts *f);

/* The run's memo: the value noted for `key` (a copy), noting `value` first
 * when there is none yet and it is not NULL; NULL when none. For what is
 * found out once and holds for the run (a SafeKit module's name). */
char *xpv_facts_memo(struct xpv_facts *f, const char *key, const char *value);

/* WQL on `node` (a node of the scenario). Cached unless `fresh`; a failure
 * is cached too, with its message. `*rows` is a new reference. */
int xpv_facts_wql(json_t **rows, struct xpv_facts *f, const struct xpv_node *node, const char *ns,
		  const char *query, bool fresh);

/* A remote command on `node` (never cached). */
int xpv_facts_exec(struct xpv_shell_output *out, struct xpv_facts *f, const struct xpv_node *node,
		   const char *command, const char *const *args, size_t n_args);

/* The same for a command that only reads (type, Get-...): its answer, or
 * its failure, is kept and shared until xpv_facts_forget. */
int xpv_facts_exec_cached(struct xpv_shell_output *out, struct xpv_facts *f, const struct xpv_node *node,
			  const char *command, const char *const *args, size_t n_args);

/* How long a request should wait for one of a node's busy connections
 * before it opens a further one (0: open it now), in ms. A connection
 * costs a TLS handshake, an authentication and memory: worth it only when
 * the node is slow to answer (WMI queries take 100 ms and more; the lab
 * answers at once, and on a busy machine the handshake costs more than
 * the wait). `exchange_ms`: what an HTTP exchange takes on an open
 * connection to the node, on average; `connect_ms`: what making a
 * connection takes (TCP, TLS), on average; -1 when not known yet.
 * `age_ms`: how long the oldest busy use has taken so far; `waited_ms`:
 * how long this request has waited. Both known, a further connection is
 * opened at once when an exchange takes longer than two connections, else
 * when the busy use has taken ten times an exchange and a connection (it
 * is stuck). A connection's cost
 * alone known (the first request still out), one is opened once the busy
 * use has taken longer than two connections, and XPV_PATIENCE_MS at the
 * latest; nothing known, after XPV_PATIENCE_MS. For tests. */
#define XPV_PATIENCE_MS 20
long xpv_facts_patience(long exchange_ms, long connect_ms, long age_ms, long waited_ms);

/* A WMI method on `node` (never cached). */
int xpv_facts_invoke(json_t **out, struct xpv_facts *f, const struct xpv_node *node, const char *class_uri,
		     const char *method, const struct xpv_kv *selectors, size_t n_selectors,
		     const struct xpv_kv *params, size_t n_params);

#endif
