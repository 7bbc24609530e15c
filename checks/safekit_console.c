/* XProtect Management Server Failover (SafeKit): each node's web console
 * (HTTPS, 9453 by default) serves a certificate in date that names the
 * node (the seed: valid 5 years, with no expiry warning of its own), and
 * the documented health URL /var/modules/AM/ready.txt answers OK on the
 * PRIM (or ALONE) node only (SafeKit UG 13.6.3). The certificate is
 * SafeKit's own CA's: its chain is not judged against tls.ca_file, and
 * ready.txt is fetched without verifying it (nothing secret is sent). */
#include "check.h"
#include "error.h"
#include "safekit.h"
#include "scenario.h"
#include "tls.h"
#include "util.h"

#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The address to connect to for `host`: a resolve pin, else the host. */
static const char *address_of(const struct xpv_scenario *sc, const char *host)
{
	for (size_t i = 0; i < sc->n_resolve; i++)
		if (strcasecmp(sc->resolve[i].host, host) == 0)
			return sc->resolve[i].address;
	return host;
}

static void certificate(struct xpv_ctx *ctx, const struct xpv_node *node)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const char *name = node->fqdn ? node->fqdn : node->name;
	char *target = xpv_asprintf("%s/console-certificate", node->name);
	char *exp = xpv_asprintf("in date for %ld days more, names %s", sc->tls.expiry_warn_days, name);
	struct xpv_peer p;
	int days = 0, secs = 0;

	if (sc->safekit.console_http) {
		xpv_ctx_report_owned(ctx, target, XPV_SKIP, exp, xpv_strdup("HTTP"),
				     xpv_asprintf("the web console of %s serves HTTP (safekit.console: http): no certificate "
						  "to check, and its login goes in clear", node->name));
		free(target);
		free(exp);
		return;
	}
	if (xpv_tls_fetch(&p, name, address_of(sc, node->host), sc->safekit.console_port,
			  (long)(sc->winrm.connect_timeout_s * 1000)) < 0) {
		xpv_ctx_report_owned(ctx, target, XPV_ERROR, exp, xpv_strdup("no answer"),
				     xpv_asprintf("cannot fetch the web console's certificate on %s:%ld: %s", node->host,
						  sc->safekit.console_port, xpv_error_last()));
	} else {
		const ASN1_TIME *nb = X509_get0_notBefore(p.leaf), *na = X509_get0_notAfter(p.leaf);
		char *file = xpv_file_name(node->name), *ev = xpv_asprintf("certs/safekit-console-%s.pem", file);
		bool named = X509_check_host(p.leaf, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1 ||
			     X509_check_host(p.leaf, node->name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
		bool diff = ASN1_TIME_diff(&days, &secs, NULL, na) == 1;

		xpv_ctx_evidence(ctx, ev, p.pem);
		if (X509_cmp_current_time(na) < 0)
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, xpv_strdup("expired"),
					     xpv_asprintf("the SafeKit web console certificate of %s expired %d days ago: the console "
							  "and the distributed commands (safekit -H) stop working", node->name, -days));
		else if (X509_cmp_current_time(nb) > 0)
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, xpv_strdup("not valid yet"),
					     xpv_asprintf("the SafeKit web console certificate of %s is not valid yet", node->name));
		else if (!named)
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, xpv_tls_san_list(p.leaf),
					     xpv_asprintf("the SafeKit web console certificate of %s does not name %s", node->name, name));
		else if (diff && days < sc->tls.expiry_warn_days)
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, xpv_asprintf("expires in %d days", days),
					     xpv_asprintf("the SafeKit web console certificate of %s expires in %d days (SafeKit does not "
							  "warn): renew it now", node->name, days));
		else
			xpv_ctx_report_owned(ctx, target, XPV_PASS, exp, xpv_asprintf("valid %d days more", days),
					     xpv_asprintf("the SafeKit web console certificate of %s is in date for %d days more and "
							  "names %s", node->name, days, name));
		free(file);
		free(ev);
		xpv_peer_clear(&p);
	}
	free(target);
	free(exp);
}

static void ready(struct xpv_ctx *ctx, const struct xpv_node *node, const char *module, int state)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	bool active = state == XPV_SK_PRIM || state == XPV_SK_ALONE;
	char *target = xpv_asprintf("%s/ready.txt", node->name);
	const char *exp = active ? "OK (the node runs the services)" : "not OK (the node does not run the services)";
	char *err = NULL, *body = NULL;
	long status = xpv_safekit_ready(sc, node, module, &body, &err);

	if (status < 0) {
		xpv_ctx_report_owned(ctx, target, XPV_ERROR, exp, xpv_strdup("no answer"),
				     xpv_asprintf("the health URL of %s did not answer: %s", node->name, err));
	} else {
		char *text = xpv_text_clean(body);
		char *word = xpv_str_trim(text);
		bool ok = status == 200 && strcmp(word, "OK") == 0;
		char *obs = xpv_asprintf("HTTP %ld %s", status, word);

		if (ok == active)
			xpv_ctx_report_owned(ctx, target, XPV_PASS, exp, obs,
					     xpv_asprintf("ready.txt on %s (%s) answers %s", node->name, xpv_safekit_state_name(state),
							  ok ? "OK" : "not OK"));
		else
			xpv_ctx_report_owned(ctx, target, XPV_FAIL, exp, obs,
					     xpv_asprintf("ready.txt on %s (%s) answers %s: a load balancer or monitor using the "
							  "documented health URL sends clients to the wrong node", node->name,
							  xpv_safekit_state_name(state), ok ? "OK" : "not OK"));
		free(text);
	}
	free(body);
	free(err);
	free(target);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_safekit_pair p;

	if (xpv_safekit_pair(&p, ctx) < 0)
		return XPV_ECHECK;
	for (size_t i = 0; i < 2 && i < sc->n_nodes; i++) {
		certificate(ctx, &sc->nodes[i]);
		if (p.state[i] >= 0)
			ready(ctx, &sc->nodes[i], p.module, p.state[i]);
	}
	xpv_safekit_pair_clear(&p);
	return 0;
}

const struct xpv_check xpv_check_safekit_console = {
	.id = "safekit-console",
	.title = "SafeKit: web console certificates in date, health URL on the PRIM only",
	.guide_section = "Management Server Failover: the SafeKit web console",
	.remediation = "Renew the SafeKit web console certificate of the node (SafeKit's own CA, SAFE\\web\\conf; the "
		       "Milestone installer makes one valid for five years and nothing warns before it expires). If "
		       "ready.txt answers OK on a node that is not PRIM or ALONE, the module state and the health URL "
		       "disagree: restart the module on that node.",
	.topologies = XPV_TOPO_SAFEKIT,
	.run = run,
};
