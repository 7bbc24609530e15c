/* Guide, "Network and host prerequisites" and "XProtect VMS prerequisites": "the same Windows Server
 * version and edition on all hosts", all hosts in the "same Active
 * Directory domain", the "Failover Clustering" feature, and "identical VMS
 * products" on every node. Values are compared across nodes: the value
 * most nodes have (the first node's on a tie) is the one expected. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FAILOVER_CLUSTERING_ID "33" /* Win32_ServerFeature.ID of "Failover Clustering" */

enum aspect { A_WINDOWS, A_DOMAIN, A_CLUSTERING, A_XPROTECT, A_COUNT };

static const char *const aspect_target[A_COUNT] = { "windows", "domain", "failover-clustering", "xprotect-version" };

static const char *const aspect_expected[A_COUNT] = {
	"the same Windows Server version, build and edition as the other nodes",
	"joined to the same Active Directory domain as the other nodes",
	"the Failover Clustering feature installed",
	"the same XProtect Management Server version as the other nodes",
};

struct fact {
	char *value; /* what the node has, or NULL */
	char *error; /* why it could not be read */
	bool bad;    /* wrong in itself (not in a domain, feature missing) */
};

struct node_facts {
	struct fact f[A_COUNT];
};

static void read_windows(struct xpv_ctx *ctx, const struct xpv_node *node, struct fact *f)
{
	json_t *rows = NULL, *row;

	if (xpv_ctx_wql(&rows, ctx, node, "root/cimv2",
			"select Caption,Version,BuildNumber,OperatingSystemSKU from Win32_OperatingSystem") < 0) {
		f->error = xpv_strdup(xpv_error_last());
		return;
	}
	row = json_array_get(rows, 0);
	if (row == NULL)
		f->error = xpv_strdup("Win32_OperatingSystem has no instance");
	else
		f->value = xpv_asprintf("%s, version %s, build %s, SKU %s", xpv_prop(row, "Caption"), xpv_prop(row, "Version"),
					xpv_prop(row, "BuildNumber"), xpv_prop(row, "OperatingSystemSKU"));
	json_decref(rows);
}

static void read_domain(struct xpv_ctx *ctx, const struct xpv_node *node, struct fact *f)
{
	json_t *rows = NULL, *row;

	if (xpv_ctx_wql(&rows, ctx, node, "root/cimv2", "select Domain,PartOfDomain from Win32_ComputerSystem") < 0) {
		f->error = xpv_strdup(xpv_error_last());
		return;
	}
	row = json_array_get(rows, 0);
	if (row == NULL) {
		f->error = xpv_strdup("Win32_ComputerSystem has no instance");
	} else if (strcasecmp(xpv_prop(row, "PartOfDomain"), "true") != 0) {
		f->value = xpv_asprintf("workgroup %s (not in a domain)", xpv_prop(row, "Domain"));
		f->bad = true;
	} else {
		f->value = xpv_str_lower(xpv_prop(row, "Domain"));
	}
	json_decref(rows);
}

static void read_clustering(struct xpv_ctx *ctx, const struct xpv_node *node, struct fact *f)
{
	json_t *rows = NULL;

	if (xpv_ctx_wql(&rows, ctx, node, "root/cimv2",
			"select ID,Name from Win32_ServerFeature where ID = " FAILOVER_CLUSTERING_ID) < 0) {
		f->error = xpv_strdup(xpv_error_last());
		return;
	}
	f->bad = json_array_size(rows) == 0;
	f->value = xpv_strdup(f->bad ? "not installed" : "installed");
	json_decref(rows);
}

static void read_xprotect(struct xpv_ctx *ctx, const struct xpv_node *node, struct fact *f)
{
	char *why = NULL, *xml = xpv_node_file(ctx, node, XPV_SERVER_CONFIG, &why);

	if (xml == NULL) {
		f->error = xpv_asprintf("cannot read %s: %s", XPV_SERVER_CONFIG, why);
	} else {
		f->value = xpv_xml_path_text(xml, "/server/version", &why);
		if (f->value == NULL)
			f->error = xpv_asprintf("%s: %s", XPV_SERVER_CONFIG, why);
	}
	free(why);
	free(xml);
}

static void gather(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct node_facts *nf = &((struct node_facts *)arg)[node - sc->nodes];

	read_windows(ctx, node, &nf->f[A_WINDOWS]);
	read_domain(ctx, node, &nf->f[A_DOMAIN]);
	read_clustering(ctx, node, &nf->f[A_CLUSTERING]);
	read_xprotect(ctx, node, &nf->f[A_XPROTECT]);
}

/* The value most nodes have for aspect `a` (the first node's on a tie; a
 * value wrong in itself aside), or NULL when none was read; *from names a
 * node that has it. */
static const char *expected_value(const struct xpv_scenario *sc, const struct node_facts *nf, enum aspect a,
				  const char **from)
{
	const char **v = xpv_calloc(sc->n_nodes, sizeof(*v));
	size_t i;

	for (size_t k = 0; k < sc->n_nodes; k++)
		v[k] = nf[k].f[a].bad ? NULL : nf[k].f[a].value;
	i = xpv_majority(v, sc->n_nodes, false);
	free(v);
	if (i == sc->n_nodes)
		return NULL;
	*from = sc->nodes[i].name;
	return nf[i].f[a].value;
}

static void judge(struct xpv_ctx *ctx, const struct node_facts *nf, enum aspect a)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const char *from = NULL, *want = a == A_CLUSTERING ? NULL : expected_value(sc, nf, a, &from);

	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct fact *f = &nf[i].f[a];
		const char *name = sc->nodes[i].name;
		char *target = xpv_asprintf("%s/%s", name, aspect_target[a]), *msg;
		struct xpv_outcome o = { .target = target, .expected = aspect_expected[a], .observed = f->value };

		if (f->value == NULL) {
			o.verdict = XPV_ERROR;
			o.observed = "not read";
			msg = xpv_asprintf("cannot read %s's %s: %s", name, aspect_target[a], f->error);
		} else if (f->bad) {
			o.verdict = XPV_FAIL;
			msg = a == A_DOMAIN ? xpv_asprintf("%s is in %s: the guide asks for all nodes in the same Active "
							   "Directory domain", name, f->value)
					    : xpv_asprintf("the Failover Clustering feature is not installed on %s", name);
		} else if (a == A_CLUSTERING) {
			o.verdict = XPV_PASS;
			msg = xpv_asprintf("the Failover Clustering feature is installed on %s", name);
		} else if (want != NULL && strcmp(f->value, want) != 0) {
			o.verdict = XPV_FAIL;
			msg = xpv_asprintf("%s has %s, but %s has %s: the guide asks for %s", name, f->value, from, want,
					   a == A_WINDOWS    ? "the same Windows Server version and edition on all hosts"
					   : a == A_DOMAIN   ? "all nodes in the same domain"
							     : "identical VMS products on all nodes");
		} else {
			o.verdict = XPV_PASS;
			msg = xpv_asprintf("%s has %s, as the other nodes", name, f->value);
		}
		o.message = msg;
		xpv_ctx_report(ctx, &o);
		free(msg);
		free(target);
	}
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct node_facts *nf = xpv_calloc(sc->n_nodes, sizeof(*nf));
	int rc = xpv_ctx_each_node(ctx, gather, nf);

	for (int a = 0; rc == 0 && a < A_COUNT; a++)
		judge(ctx, nf, (enum aspect)a);
	for (size_t i = 0; i < sc->n_nodes; i++)
		for (int a = 0; a < A_COUNT; a++) {
			free(nf[i].f[a].value);
			free(nf[i].f[a].error);
		}
	free(nf);
	return rc;
}

const struct xpv_check xpv_check_identical_nodes = {
	.id = "identical-nodes",
	.title = "The nodes are alike: Windows version and edition, domain, Failover Clustering, XProtect version",
	.guide_section = "Network and host prerequisites (same Windows Server version and edition, same domain, "
			 "Failover Clustering); XProtect VMS prerequisites (identical VMS products)",
	.remediation = "Bring every node to the same Windows Server version, build and edition (winver, Settings "
		       "> Windows Update), join them all to the same Active Directory domain, install the Failover "
		       "Clustering feature (Server Manager > Add Roles and Features) on each, and install the same "
		       "XProtect version on every node before you create the cluster role.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
