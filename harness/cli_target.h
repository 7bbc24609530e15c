/* One node reached by hand, as `probe` and `discover` take it: --host
 * HOST[:PORT] with credentials from the environment (XPV_WINRM_USER,
 * XPV_WINRM_PASSWORD, XPV_WINRM_REALM, XPV_WINRM_KDC, XPV_WINRM_AUTH,
 * XPV_WINRM_TRANSPORT) or --scenario FILE --node NAME. */
#ifndef XPV_CLI_TARGET_H
#define XPV_CLI_TARGET_H

#include "check.h"
#include "scenario.h"
#include "winrm.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

struct xpv_probe_target {
	const struct xpv_check *const *checks; /* for loading a scenario */
	size_t n_checks;
	const char *cmd;                       /* "probe", "discover": for messages */
	const char *scenario, *node, *host, *ca, *auth, *transport;
	bool insecure, trace;
	struct xpv_scenario *sc;
	char *host_part;
	char *user, *password;
	struct xpv_resolve pin;                /* --resolve HOST:ADDRESS */
	struct xpv_winrm_opts o;               /* the session's options, once set up */
};

/* Fills `p->o` from the scenario or from --host and the environment, and
 * sets Kerberos up; errors are logged, naming `cmd`. XPV_EUSAGE on error. */
int xpv_probe_target_setup(struct xpv_probe_target *p, const char *cmd);

/* The options both commands take (getopt_long values from 256; a
 * command's own start at XPV_TARGET_OPT_END), and their table rows. */
enum {
	XPV_TARGET_OPT_HOST = 256,
	XPV_TARGET_OPT_CA,
	XPV_TARGET_OPT_INSECURE,
	XPV_TARGET_OPT_AUTH,
	XPV_TARGET_OPT_TRANSPORT,
	XPV_TARGET_OPT_RESOLVE,
	XPV_TARGET_OPT_END
};
#define XPV_TARGET_OPTIONS                                                      \
	{ "host", required_argument, NULL, XPV_TARGET_OPT_HOST },               \
	{ "ca", required_argument, NULL, XPV_TARGET_OPT_CA },                   \
	{ "insecure", no_argument, NULL, XPV_TARGET_OPT_INSECURE },             \
	{ "auth", required_argument, NULL, XPV_TARGET_OPT_AUTH },               \
	{ "transport", required_argument, NULL, XPV_TARGET_OPT_TRANSPORT },     \
	{ "resolve", required_argument, NULL, XPV_TARGET_OPT_RESOLVE }

/* Takes getopt_long's `c` (and `arg`) into `p` when it is one of
 * XPV_TARGET_OPTIONS: 1; 0 when it is not; XPV_EUSAGE for a --resolve
 * that is not HOST:ADDRESS (logged). --resolve is curl's without the
 * port: connect to ADDRESS, keep HOST for the SPN and the certificate. */
int xpv_probe_target_option(struct xpv_probe_target *p, int c, const char *arg);

void xpv_probe_target_clear(struct xpv_probe_target *p);

#endif
