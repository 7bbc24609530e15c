/* The cluster as checks see it: the role's group and resources from
 * root/MSCluster, and the role's Windows services on a node. */
#ifndef XPV_CLUSTER_H
#define XPV_CLUSTER_H

#include "check.h"
#include "scenario.h"

#include <jansson.h>
#include <stdbool.h>

/* MSCluster_Resource.State values (wire-formats.md). */
enum { XPV_RES_ONLINE = 2, XPV_RES_OFFLINE = 3, XPV_RES_FAILED = 4 };
/* MSCluster_ResourceGroup.State */
enum { XPV_GROUP_ONLINE = 0 };
/* MSCluster_Node.State */
enum { XPV_NODE_UP = 0 };

struct xpv_cluster_view {
	const struct xpv_node *source; /* the node that answered */
	json_t *nodes;     /* MSCluster_Node rows: Name, State (full views only) */
	json_t *group;     /* the role's MSCluster_ResourceGroup row, or NULL (not asked for, or no such role) */
	json_t *resources; /* MSCluster_Resource rows of the role: Name, State, Type, OwnerNode */
};

/* Asks the nodes in order, from `first` on (NULL: the first), until one
 * answers; `fresh` skips the cache. The role's resources always (one round
 * trip: they name the owner); the group when the role has no resource (to
 * tell an empty role from none); with `full`, the group and the nodes as
 * well (three round trips: what a failover's preconditions need). */
int xpv_cluster_view_get(struct xpv_cluster_view *v, struct xpv_ctx *ctx, const struct xpv_node *first, bool fresh,
			 bool full);
void xpv_cluster_view_clear(struct xpv_cluster_view *v);

/* The role's owner node name from the view (its group's, or its
 * resources'), or NULL. */
const char *xpv_cluster_owner(const struct xpv_cluster_view *v);

/* The resource row named `name`, or NULL. */
json_t *xpv_cluster_resource(const struct xpv_cluster_view *v, const char *name);

/* The node of the scenario named `name` (case-insensitive), or NULL. */
const struct xpv_node *xpv_node_by_name(const struct xpv_scenario *sc, const char *name);

/* Win32_Service rows (Name, StartMode, State) of the scenario's services on
 * `node`. The query text is the same for every caller, so answers are
 * shared through the cache unless `fresh`. */
int xpv_node_services(json_t **rows, struct xpv_ctx *ctx, const struct xpv_node *node, bool fresh);

/* The row of service `name` in `rows`, or NULL (not installed). */
json_t *xpv_service_row(const json_t *rows, const char *name);

/* The management server's ServerConfig.xml (what MilestonePSTools'
 * Get-ManagementServerConfig reads: /server/version,
 * /server/WebApiConfig/Port, /server/WebApiConfig/AuthorizationServerUri). */
#define XPV_SERVER_CONFIG "C:\\ProgramData\\Milestone\\XProtect Management Server\\ServerConfig.xml"

/* Runs `command` with `args` on `node` (cmd.exe, through the run's
 * session); its stdout as a new string, or NULL with *why set (new string:
 * no answer, or the exit code and stderr). For commands that only read:
 * the answer is shared through the run's cache until a disruptive check. */
char *xpv_node_run(struct xpv_ctx *ctx, const struct xpv_node *node, const char *command, const char *const *args,
		   size_t n_args, char **why);

/* Restarts `node` at once (`shutdown /r /t 0 /f`, what the guide and
 * Milestone's failover test do): 0, or -1 with *why set. */
int xpv_node_restart(struct xpv_ctx *ctx, const struct xpv_node *node, char **why);

/* Runs PowerShell `script` on `node` (powershell -NoProfile -NonInteractive
 * -EncodedCommand: base64 of UTF-16LE, so no character of the script is
 * cmd.exe's to interpret); its stdout, or NULL with *why set. */
char *xpv_node_powershell(struct xpv_ctx *ctx, const struct xpv_node *node, const char *script, char **why);

/* The content of file `path` on `node` (`type "PATH"`), or NULL with *why. */
char *xpv_node_file(struct xpv_ctx *ctx, const struct xpv_node *node, const char *path, char **why);

/* The text of the element at `xpath` in XML document `xml` (no network, no
 * entity expansion), trimmed; NULL with *why set when the document does
 * not parse or has no such element. */
char *xpv_xml_path_text(const char *xml, const char *xpath, char **why);

/* The index of the value most of `values` have (NULL ones aside; the first
 * on a tie), compared without case when `nocase`; `n` when all are NULL.
 * Checks that compare nodes with each other expect that value. */
size_t xpv_majority(const char *const *values, size_t n, bool nocase);

/* A string property of a row ("" when absent or null). */
const char *xpv_prop(const json_t *row, const char *name);
long xpv_prop_long(const json_t *row, const char *name, long fallback);

/* "Online", "Offline", "Failed", ... for a resource state. */
const char *xpv_resource_state_name(long state);

#endif
