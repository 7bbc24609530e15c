/* Guide, "Register the management server on the cluster nodes": every
 * node's management server is registered with the cluster address, not
 * with the node's own name. The registration is the management server's
 * ServerConfig.xml, /server/WebApiConfig/AuthorizationServerUri (the
 * address clients and the other servers are sent to). */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REGISTRATION "/server/WebApiConfig/AuthorizationServerUri"

/* Whether `host` names `node` itself: its name, FQDN or address. */
static bool is_node(const struct xpv_node *node, const char *host)
{
	size_t len = strlen(node->name);

	return strcasecmp(host, node->name) == 0 || (node->fqdn && strcasecmp(host, node->fqdn) == 0) ||
	       (node->ip && strcmp(host, node->ip) == 0) || strcasecmp(host, node->host) == 0 ||
	       (strncasecmp(host, node->name, len) == 0 && host[len] == '.');
}

static void one_node(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *why = NULL, *xml = xpv_node_file(ctx, node, XPV_SERVER_CONFIG, &why), *uri = NULL, *host = NULL, *msg;
	char *scheme = NULL;
	char *exp = xpv_asprintf("registered with the cluster address (%s)", sc->cluster.address_host);
	struct xpv_outcome o = { .target = node->name, .expected = exp };

	(void)arg;
	if (xml != NULL)
		uri = xpv_xml_path_text(xml, REGISTRATION, &why);
	if (uri != NULL && !xpv_url_split(uri, &scheme, &host))
		host = NULL;
	if (xml == NULL) {
		o.verdict = XPV_ERROR;
		o.observed = "not read";
		msg = xpv_asprintf("cannot read %s on %s: %s", XPV_SERVER_CONFIG, node->name, why);
	} else if (uri == NULL || host == NULL) {
		o.verdict = XPV_FAIL;
		o.observed = uri ? uri : "no registration";
		msg = uri ? xpv_asprintf("%s on %s: %s is '%s', not a URL", XPV_SERVER_CONFIG, node->name, REGISTRATION, uri)
			  : xpv_asprintf("%s on %s: %s: the management server is not registered", XPV_SERVER_CONFIG, node->name,
					 why);
	} else if (strcasecmp(host, sc->cluster.address_host) == 0) {
		o.verdict = XPV_PASS;
		o.observed = uri;
		msg = xpv_asprintf("the management server on %s is registered with the cluster address (%s)", node->name,
				   uri);
	} else {
		o.verdict = XPV_FAIL;
		o.observed = uri;
		msg = xpv_asprintf("the management server on %s is registered with %s, %s, not with the cluster address %s: "
				   "clients and recording servers sent there lose it when the role moves",
				   node->name, uri, is_node(node, host) ? "its own name" : "another address",
				   sc->cluster.address_host);
	}
	o.message = msg;
	xpv_ctx_report(ctx, &o);
	free(msg);
	free(exp);
	free(host);
	free(scheme);
	free(uri);
	free(xml);
	free(why);
}

static int run(struct xpv_ctx *ctx)
{
	return xpv_ctx_each_node(ctx, one_node, NULL);
}

const struct xpv_check xpv_check_registered_cluster_address = {
	.id = "registered-cluster-address",
	.title = "Each node's management server is registered with the cluster address",
	.guide_section = "Register the management server on the cluster nodes",
	.remediation = "Pause the cluster first. Then on every node open the Server Configurator (the management "
		       "server tray icon), go to the Registration page, make the management server address editable "
		       "(the pencil) and replace the node's name with the role name followed by the domain name, for "
		       "example https://role.company.com, and click Register.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
