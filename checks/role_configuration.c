/* Guide, "Create a cluster role for the VMS services": the role is a
 * Generic Service role for the Management Server, with the Data Collector
 * Server and the Log Server added as Generic Service resources; its client
 * access point is a name of its own ("The hostname must be different from
 * the name of the cluster"), and the cluster address is that name followed
 * by the domain. Read with PowerShell (Get-ClusterResource and
 * Get-ClusterParameter), since how WMI's PrivateProperties travel over
 * WinRM is not known. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The role's resources with the private properties the check needs. The
 * role name is a PowerShell string literal (xpv_ps_quote). */
static char *script_for(const char *role)
{
	char *quoted = xpv_ps_quote(role), *s;

	s = xpv_asprintf("$role = %s\n"
			 "$g = Get-ClusterGroup -Name $role -ErrorAction SilentlyContinue\n"
			 "if (-not $g) { '{\"Role\":null}'; exit 0 }\n"
			 "$c = Get-Cluster\n"
			 "$res = @($g | Get-ClusterResource | ForEach-Object {\n"
			 "  $p = @{}\n"
			 "  $_ | Get-ClusterParameter -ErrorAction SilentlyContinue | ForEach-Object { $p[$_.Name] = [string]$_.Value }\n"
			 "  [pscustomobject]@{ Name = $_.Name; Type = $_.ResourceType.Name; State = [string]$_.State;\n"
			 "    ServiceName = $p['ServiceName']; DnsName = $p['DnsName'] }\n"
			 "})\n"
			 "[pscustomobject]@{ Role = $g.Name; Cluster = $c.Name; Domain = $c.Domain; Resources = $res } |\n"
			 "  ConvertTo-Json -Compress -Depth 4\n",
			 quoted);
	free(quoted);
	return s;
}

static void report(struct xpv_ctx *ctx, const char *target, enum xpv_verdict v, const char *expected,
		   const char *observed, const char *msg)
{
	struct xpv_outcome o = { .target = target, .verdict = v, .expected = expected, .observed = observed, .message = msg };

	xpv_ctx_report(ctx, &o);
}

static void services(struct xpv_ctx *ctx, const json_t *res)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);

	for (size_t i = 0; i < sc->n_services; i++) {
		const struct xpv_service *svc = &sc->services[i];
		char *target = xpv_asprintf("resource/%s", svc->name), *msg;
		const json_t *found = NULL;
		size_t k;
		json_t *r;

		json_array_foreach(res, k, r)
			if (strcmp(xpv_prop(r, "Type"), "Generic Service") == 0 &&
			    strcasecmp(xpv_prop(r, "ServiceName"), svc->name) == 0)
				found = r;
		if (found != NULL) {
			msg = xpv_asprintf("resource %s of role %s is a Generic Service for %s", xpv_prop(found, "Name"),
					   sc->cluster.role, svc->name);
			report(ctx, target, XPV_PASS, "a Generic Service resource of the role", "Generic Service", msg);
		} else if (svc->optional) {
			msg = xpv_asprintf("no resource of role %s runs %s (optional in this scenario)", sc->cluster.role,
					   svc->name);
			report(ctx, target, XPV_SKIP, "a Generic Service resource of the role", "none", msg);
		} else {
			msg = xpv_asprintf("no Generic Service resource of role %s runs %s: the cluster neither starts it on "
					   "a new owner nor stops it on the old one", sc->cluster.role, svc->name);
			report(ctx, target, XPV_FAIL, "a Generic Service resource of the role", "none", msg);
		}
		free(msg);
		free(target);
	}
}

static void access_point(struct xpv_ctx *ctx, const json_t *doc)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const char *cluster = xpv_prop(doc, "Cluster"), *domain = xpv_prop(doc, "Domain");
	const json_t *res = json_object_get(doc, "Resources"), *cap = NULL;
	size_t k;
	json_t *r;
	char *msg, *fqdn;

	json_array_foreach(res, k, r)
		if (strcmp(xpv_prop(r, "Type"), "Network Name") == 0 && cap == NULL)
			cap = r;
	if (cap == NULL) {
		msg = xpv_asprintf("role %s has no Network Name resource: clients have no address to reach it by",
				   sc->cluster.role);
		report(ctx, "client access point", XPV_FAIL, "a client access point named unlike the cluster", "none", msg);
		report(ctx, "cluster address", XPV_FAIL, "the role's name followed by the domain", "no access point", msg);
		free(msg);
		return;
	}
	{
		const char *dns = xpv_prop(cap, "DnsName")[0] ? xpv_prop(cap, "DnsName") : xpv_prop(cap, "Name");
		bool same = strcasecmp(dns, cluster) == 0;

		msg = same ? xpv_asprintf("the client access point of role %s is %s, the cluster's own name: the guide: "
					  "\"The hostname must be different from the name of the cluster\"",
					  sc->cluster.role, dns)
			   : xpv_asprintf("the client access point of role %s is %s, not the cluster's name %s",
					  sc->cluster.role, dns, cluster);
		report(ctx, "client access point", same ? XPV_FAIL : XPV_PASS, "a client access point named unlike the cluster",
		       dns, msg);
		free(msg);
		fqdn = domain[0] ? xpv_asprintf("%s.%s", dns, domain) : xpv_strdup(dns);
		if (strcasecmp(fqdn, sc->cluster.address_host) == 0)
			msg = xpv_asprintf("the cluster address %s is the role's name followed by the domain", sc->cluster.address_host);
		else
			msg = xpv_asprintf("the cluster address host is %s, but the role's client access point is %s: clients "
					   "sent to the cluster address do not reach the role", sc->cluster.address_host, fqdn);
		report(ctx, "cluster address", strcasecmp(fqdn, sc->cluster.address_host) == 0 ? XPV_PASS : XPV_FAIL,
		       "the role's name followed by the domain", fqdn, msg);
		free(msg);
		free(fqdn);
	}
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *script = script_for(sc->cluster.role), *text = NULL, *why = NULL, *msg;
	const char *from = NULL;
	json_t *doc;

	for (size_t i = 0; i < sc->n_nodes && text == NULL; i++) {
		free(why);
		text = xpv_node_powershell(ctx, &sc->nodes[i], script, &why);
		from = sc->nodes[i].name;
	}
	free(script);
	if (text == NULL) {
		msg = xpv_asprintf("no node listed the role's resources (Get-ClusterResource); the last: %s: %s", from, why);
		report(ctx, "role", XPV_ERROR, "the role exists", "not read", msg);
		free(msg);
		free(why);
		return 0;
	}
	free(why);
	doc = json_loads(text, 0, NULL);
	if (doc == NULL || !json_is_object(doc)) {
		msg = xpv_asprintf("%s's answer is not the JSON that was asked for: %.200s", from, text);
		report(ctx, "role", XPV_ERROR, "the role exists", "not read", msg);
	} else if (json_is_null(json_object_get(doc, "Role"))) {
		msg = xpv_asprintf("cluster has no role named %s (asked %s)", sc->cluster.role, from);
		report(ctx, "role", XPV_FAIL, "the role exists", "no such role", msg);
	} else {
		msg = xpv_asprintf("role %s exists in cluster %s", sc->cluster.role, xpv_prop(doc, "Cluster"));
		report(ctx, "role", XPV_PASS, "the role exists", "exists", msg);
		services(ctx, json_object_get(doc, "Resources"));
		access_point(ctx, doc);
	}
	free(msg);
	json_decref(doc);
	free(text);
	return 0;
}

const struct xpv_check xpv_check_role_configuration = {
	.id = "role-configuration",
	.title = "The role runs the VMS services as Generic Service resources, under a name of its own",
	.guide_section = "Create a cluster role for the VMS services",
	.remediation = "In Failover Cluster Manager, Roles: the role must be a Generic Service role for the "
		       "Management Server with the Data Collector Server and the Log Server added as Generic "
		       "Service resources (Add Resource > Generic Service). Its client access point must have a "
		       "name of its own, not the cluster's, and the cluster address clients use must be that name "
		       "followed by the domain name.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
