/* Logging in through the cluster address, as a client does: an IDP token,
 * then an authenticated REST call. */
#ifndef XPV_LOGIN_H
#define XPV_LOGIN_H

#include "scenario.h"

enum xpv_login_outcome {
	XPV_LOGIN_OK,          /* token and a site */
	XPV_LOGIN_REFUSED,     /* the cluster answered, but no login: a failure */
	XPV_LOGIN_UNREACHABLE, /* nothing answered at the cluster address (refused, timed out) */
	XPV_LOGIN_NOT_EVALUATED /* DNS, TLS, bad answers: nothing can be said of the cluster */
};

struct xpv_login_result {
	enum xpv_login_outcome outcome;
	char *message;    /* what happened, for a person; never a token or password */
	char *site_name;
	char *site_version;
	long token_ms;    /* time to the token */
	char *transcript; /* the exchanges, for evidence (secrets are redacted when it is stored) */
};

/* Logs in through the scenario's cluster address with its login settings,
 * waiting at most `timeout_ms` per request. The token is registered as a
 * secret as soon as it arrives. */
void xpv_login(struct xpv_login_result *r, const struct xpv_scenario *sc, long timeout_ms);

void xpv_login_result_clear(struct xpv_login_result *r);

#endif
