/* Guide, "Verify that the failover cluster is working", Log in: a client
 * logs in through the cluster address (IDP token, then an authenticated
 * REST call), before and after failover. */
#include "check.h"
#include "error.h"
#include "login.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_login_result r;
	struct xpv_outcome o = { .target = sc->cluster.address_host,
				 .expected = "a token from the IDP and the site list through the cluster address" };
	char figure[32];
	struct xpv_kv fig = { "token_ms", figure };

	if (!sc->login.present)
		return xpv_error_set(XPV_ECHECK, "the scenario has no login section: nothing to log in with");
	xpv_login(&r, sc, (long)(sc->winrm.request_timeout_s * 1000));
	switch (r.outcome) {
	case XPV_LOGIN_OK:
		o.verdict = XPV_PASS;
		break;
	case XPV_LOGIN_REFUSED:
	case XPV_LOGIN_UNREACHABLE:
		/* the cluster address is what clients use: if it does not log
		 * them in, the cluster does not do its job */
		o.verdict = XPV_FAIL;
		break;
	case XPV_LOGIN_NOT_EVALUATED:
		o.verdict = XPV_ERROR;
		break;
	}
	snprintf(figure, sizeof(figure), "%ld", r.token_ms);
	o.observed = r.outcome == XPV_LOGIN_OK ? "logged in" : r.message;
	o.message = r.message;
	o.figures = &fig;
	o.n_figures = r.outcome == XPV_LOGIN_OK;
	xpv_ctx_report(ctx, &o);
	xpv_ctx_evidence(ctx, "transcripts/cluster-address.txt", r.transcript);
	xpv_login_result_clear(&r);
	return 0;
}

const struct xpv_check xpv_check_login_cluster_address = {
	.id = "login-cluster-address",
	.title = "Clients log in through the cluster address",
	.guide_section = "Verify that the failover cluster is working: Log in",
	.rerun_after_disruptive = true,
	.remediation = "Log in with XProtect Management Client or Smart Client using the cluster address. If it "
		       "fails, check that the role and its Management Server resource are online, that the cluster "
		       "address resolves to the role's client access point, and that the management server is "
		       "registered with the cluster address (Server Configurator, Registration) on every node.",
	.run = run,
};
