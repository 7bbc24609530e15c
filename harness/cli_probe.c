/* xpverify probe: talk WinRM to one node by hand, to see what the checks
 * see and to troubleshoot credentials, certificates and firewalls. */
#include "cli.h"
#include "cli_target.h"

#include "auth.h"
#include "error.h"
#include "log.h"
#include "scenario.h"
#include "secrets.h"
#include "util.h"
#include "winrm.h"

#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXIT_PROBE_ERROR 3      /* wql: could not evaluate */
#define EXIT_EXEC_FAILED 255    /* exec: the command could not be run (like ssh) */

static void usage_probe(FILE *out)
{
	fprintf(out,
		"usage: xpverify probe wql  TARGET [--namespace NS] [--ca FILE] [--insecure] [--trace] QUERY\n"
		"       xpverify probe exec TARGET [--ca FILE] [--insecure] [--trace] -- COMMAND [ARG...]\n"
		"\n"
		"TARGET is either --scenario FILE --node NAME (address, credentials and TLS settings\n"
		"from the scenario) or --host HOST[:PORT] (as a stock Windows Server listens: http,\n"
		"port 5985, Negotiate; user and password from XPV_WINRM_USER and XPV_WINRM_PASSWORD,\n"
		"or a Kerberos ticket from kinit; realm and KDC from XPV_WINRM_REALM, XPV_WINRM_KDC).\n"
		"\n"
		"  wql   runs a WQL query (namespace root/cimv2 unless --namespace, e.g. root/mscluster)\n"
		"        and prints the rows as a JSON array of objects on stdout\n"
		"  exec  runs a command in a remote cmd shell, prints its stdout on stdout and its\n"
		"        stderr on stderr, and exits with the remote exit code\n"
		"\n"
		"      --auth A      negotiate (Kerberos, then NTLM), kerberos, ntlm or basic (https only);\n"
		"                    default XPV_WINRM_AUTH, else the scenario's, else negotiate\n"
		"      --transport T http (messages sealed) or https; default XPV_WINRM_TRANSPORT, else\n"
		"                    the scenario's, else http\n"
		"      --resolve HOST:ADDRESS\n"
		"                    with --host: connect to ADDRESS for HOST (as curl's --resolve); the\n"
		"                    SPN (HTTP/HOST) and the certificate still use the name\n"
		"      --ca FILE     trust this CA file instead of the system store (or the scenario's)\n"
		"      --insecure    do not verify the server certificate\n"
		"      --trace       print every HTTP exchange on stderr, sealed messages decrypted\n"
		"                    (credentials and tokens redacted)\n"
		"\n"
		"Exit codes: wql 0 done, 2 bad invocation, 3 could not evaluate;\n"
		"exec: the remote exit code (254 when it does not fit), 2 bad invocation,\n"
		"255 the command could not be run.\n");
}

/* Prints `text` cleaned for a terminal: what the server sent may hold
 * escape sequences (the exchange is redacted already). */
static void put_clean(const char *prefix, const char *text)
{
	char *clean = xpv_text_clean(text ? text : "");

	fprintf(stderr, "%s%s\n", prefix, clean);
	free(clean);
}

static void trace(void *arg, const struct xpv_winrm_exchange *ex)
{
	(void)arg;
	fprintf(stderr, "> POST %s%s%s%s\n%s\n", ex->url, ex->security ? " (" : "", ex->security ? ex->security : "",
		ex->security ? ")" : "", ex->request_headers);
	put_clean("", ex->request_body);
	if (ex->status != 0) {
		fprintf(stderr, "< HTTP %ld\n", ex->status);
		put_clean("", ex->response_headers);
		put_clean("", ex->response_body);
	}
	if (ex->error != NULL)
		put_clean("< ", ex->error);
	fputc('\n', stderr);
}


/* Splits HOST[:PORT] with curl's URL parser. */
static int parse_host(struct xpv_probe_target *p)
{
	char *url = xpv_asprintf("https://%s", p->host);
	CURLU *u = curl_url();
	char *h = NULL, *pt = NULL;
	int rc = 0;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		rc = XPV_EUSAGE;
	} else {
		/* [::1] comes back with brackets; the session adds its own */
		size_t n = strlen(h);

		p->host_part = h[0] == '[' ? strndup(h + 1, n - 2) : xpv_strdup(h);
		/* no port: the transport's (5985, 5986) */
		p->o.port = curl_url_get(u, CURLUPART_PORT, &pt, 0) == CURLUE_OK ? strtol(pt, NULL, 10) : 0;
	}
	curl_free(h);
	curl_free(pt);
	curl_url_cleanup(u);
	free(url);
	if (rc < 0)
		xpv_log_error("%s: '%s' is not HOST or HOST:PORT", p->cmd, p->host);
	return rc;
}

static const char *const auths[] = { "negotiate", "basic", "kerberos", "ntlm", NULL };
static const char *const transports[] = { "http", "https", NULL };

/* Sets `*dst` (an enum) from option `opt`, else environment variable `env`;
 * leaves it when neither is given. */
static int pick(const char *cmd, void *dst, const char *opt, const char *env, const char *const *choices)
{
	const char *v = opt ? opt : getenv(env);

	if (v == NULL || v[0] == '\0')
		return 0;
	for (int i = 0; choices[i] != NULL; i++) {
		if (strcmp(v, choices[i]) == 0) {
			if (choices == transports)
				*(enum xpv_winrm_transport *)dst = (enum xpv_winrm_transport)i;
			else
				*(enum xpv_winrm_auth *)dst = (enum xpv_winrm_auth)i;
			return 0;
		}
	}
	xpv_log_error("%s: %s '%s' is not one of %s", cmd, opt ? (choices == auths ? "--auth" : "--transport") : env, v,
		      choices == auths ? "negotiate, basic, kerberos, ntlm" : "http, https");
	return -1;
}

int xpv_probe_target_setup(struct xpv_probe_target *p, const char *cmd)
{
	p->cmd = cmd;
	if ((p->scenario != NULL) == (p->host != NULL) || (p->scenario != NULL) != (p->node != NULL)) {
		xpv_log_error("%s: give either --scenario FILE --node NAME, or --host HOST[:PORT]", cmd);
		return XPV_EUSAGE;
	}
	if (p->scenario != NULL) {
		const struct xpv_node *node = NULL;

		p->sc = xpv_cli_load_scenario(p->scenario, p->checks, p->n_checks);
		if (p->sc == NULL)
			return XPV_EUSAGE;
		for (size_t i = 0; i < p->sc->n_nodes; i++)
			if (strcasecmp(p->sc->nodes[i].name, p->node) == 0)
				node = &p->sc->nodes[i];
		if (node == NULL) {
			xpv_log_error("%s: no node '%s' in %s", cmd, p->node, p->scenario);
			return XPV_EUSAGE;
		}
		xpv_winrm_opts_from_scenario(&p->o, p->sc, node);
	} else {
		int rc;

		memset(&p->o, 0, sizeof(p->o));
		p->o.auth = XPV_AUTH_NEGOTIATE;
		p->o.transport = XPV_TRANSPORT_HTTP;
		if (pick(cmd, &p->o.transport, p->transport, "XPV_WINRM_TRANSPORT", transports) < 0 ||
		    pick(cmd, &p->o.auth, p->auth, "XPV_WINRM_AUTH", auths) < 0)
			return XPV_EUSAGE;
		if (parse_host(p) < 0)
			return XPV_EUSAGE;
		p->o.node = p->host_part;
		p->o.host = p->host_part;
		p->o.realm = getenv("XPV_WINRM_REALM");
		if (p->pin.host != NULL) {
			p->o.resolve = &p->pin;
			p->o.n_resolve = 1;
		}
		if (getenv("XPV_WINRM_USER") != NULL) {
			bool ticket = getenv("XPV_WINRM_PASSWORD") == NULL &&
				      (p->o.auth == XPV_AUTH_NEGOTIATE || p->o.auth == XPV_AUTH_KERBEROS);

			p->user = xpv_strdup(getenv("XPV_WINRM_USER"));
			/* Kerberos without a password: the user's ticket (kinit) */
			rc = ticket ? 0 : xpv_secret_from_env(&p->password, "XPV_WINRM_PASSWORD");
			if (rc < 0) {
				xpv_log_error("%s: %s", cmd, xpv_error_last());
				return XPV_EUSAGE;
			}
		} else if (p->o.auth == XPV_AUTH_BASIC || p->o.auth == XPV_AUTH_NTLM) {
			xpv_log_error("%s: %s auth needs XPV_WINRM_USER and XPV_WINRM_PASSWORD", cmd,
				      p->o.auth == XPV_AUTH_BASIC ? "basic" : "ntlm");
			return XPV_EUSAGE;
		}
		p->o.username = p->user;
		p->o.password = p->password;
		if (p->o.realm == NULL && p->user != NULL && strchr(p->user, '@') != NULL)
			p->o.realm = strchr(p->user, '@') + 1;
		if (p->o.auth != XPV_AUTH_BASIC && xpv_gss_configure(p->o.realm, getenv("XPV_WINRM_KDC")) < 0) {
			xpv_log_error("%s: %s", cmd, xpv_error_last());
			return XPV_EUSAGE;
		}
	}
	if (p->scenario != NULL && (pick(cmd, &p->o.transport, p->transport, "XPV_WINRM_TRANSPORT", transports) < 0 ||
				    pick(cmd, &p->o.auth, p->auth, "XPV_WINRM_AUTH", auths) < 0))
		return XPV_EUSAGE;
	if (p->scenario != NULL && p->o.transport != p->sc->winrm.transport)
		p->o.port = 0; /* the other transport's port */
	if (p->scenario != NULL && p->o.auth != XPV_AUTH_BASIC &&
	    xpv_gss_configure(p->sc->winrm.realm, p->sc->winrm.kdc) < 0) {
		xpv_log_error("%s: %s", cmd, xpv_error_last());
		return XPV_EUSAGE;
	}
	if (p->ca != NULL)
		p->o.ca_file = p->ca;
	if (p->insecure)
		p->o.insecure = true;
	if (p->trace)
		p->o.transcript = trace;
	return 0;
}

static int pin(struct xpv_probe_target *p, const char *arg)
{
	const char *colon = strchr(arg, ':');

	if (colon == NULL || colon == arg || colon[1] == '\0') {
		xpv_log_error("--resolve takes HOST:ADDRESS, not '%s'", arg);
		return XPV_EUSAGE;
	}
	free(p->pin.host);
	free(p->pin.address);
	p->pin.host = xpv_asprintf("%.*s", (int)(colon - arg), arg);
	p->pin.address = xpv_strdup(colon + 1);
	return 0;
}

int xpv_probe_target_option(struct xpv_probe_target *p, int c, const char *arg)
{
	switch (c) {
	case XPV_TARGET_OPT_HOST: p->host = arg; break;
	case XPV_TARGET_OPT_CA: p->ca = arg; break;
	case XPV_TARGET_OPT_INSECURE: p->insecure = true; break;
	case XPV_TARGET_OPT_AUTH: p->auth = arg; break;
	case XPV_TARGET_OPT_TRANSPORT: p->transport = arg; break;
	case XPV_TARGET_OPT_RESOLVE: return pin(p, arg) < 0 ? XPV_EUSAGE : 1;
	default: return 0;
	}
	return 1;
}

void xpv_probe_target_clear(struct xpv_probe_target *p)
{
	free(p->pin.host);
	free(p->pin.address);
	xpv_scenario_free(p->sc);
	free(p->host_part);
	free(p->user);
	xpv_secret_free(p->password);
}

int xpv_cli_probe(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	enum { O_SCENARIO = XPV_TARGET_OPT_END, O_NODE, O_NS, O_TRACE };
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "node", required_argument, NULL, O_NODE },
		{ "namespace", required_argument, NULL, O_NS },
		{ "trace", no_argument, NULL, O_TRACE },
		XPV_TARGET_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpv_probe_target p = { .checks = checks, .n_checks = n_checks };
	const char *ns = "root/cimv2";
	struct xpv_winrm *s = NULL;
	const char *mode;
	bool is_exec;
	int c, taken, code = XPV_EXIT_USAGE;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_probe(argc < 2 ? stderr : stdout);
		return argc < 2 ? XPV_EXIT_USAGE : 0;
	}
	mode = argv[1];
	is_exec = strcmp(mode, "exec") == 0;
	if (!is_exec && strcmp(mode, "wql") != 0) {
		xpv_log_error("probe: unknown probe '%s' (wql or exec)", mode);
		return XPV_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	/* exec stops at the first operand: the remote command keeps its options */
	while ((c = getopt_long(argc, argv, is_exec ? "+h" : "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SCENARIO: p.scenario = optarg; break;
		case O_NODE: p.node = optarg; break;
		case O_NS: ns = optarg; break;
		case O_TRACE: p.trace = true; break;
		case 'h':
			usage_probe(stdout);
			code = 0;
			goto out;
		default:
			taken = xpv_probe_target_option(&p, c, optarg);
			if (taken < 0)
				goto out;
			if (taken == 0) {
				xpv_log_error("probe %s: unknown or incomplete option '%s'", mode, argv[optind - 1]);
				goto out;
			}
		}
	}
	if (optind >= argc || (!is_exec && argc - optind != 1)) {
		xpv_log_error("probe %s: %s", mode, is_exec ? "missing COMMAND (after --)" : "give one QUERY");
		goto out;
	}
	if (xpv_probe_target_setup(&p, "probe") < 0)
		goto out;
	xpv_winrm_global_init();
	if (xpv_winrm_open(&s, &p.o) < 0) {
		xpv_log_error("%s", xpv_error_last());
		code = is_exec ? EXIT_EXEC_FAILED : EXIT_PROBE_ERROR;
		goto out;
	}
	if (!is_exec) {
		json_t *rows = NULL;

		if (xpv_winrm_wql(&rows, s, ns, argv[optind]) < 0) {
			xpv_log_error("%s", xpv_error_last());
			code = EXIT_PROBE_ERROR;
			goto out;
		}
		{
			/* a server may echo a secret back: what leaves is redacted */
			char *text = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			char *safe = xpv_redact(text ? text : "[]");

			printf("%s\n", safe);
			free(safe);
			free(text);
		}
		json_decref(rows);
		code = 0;
	} else {
		struct xpv_shell_output o;

		if (xpv_winrm_exec(&o, s, argv[optind], (const char *const *)argv + optind + 1,
				   (size_t)(argc - optind - 1)) < 0) {
			xpv_log_error("%s", xpv_error_last());
			code = EXIT_EXEC_FAILED;
		} else {
			char *out = xpv_redact(o.out), *err = xpv_redact(o.err);

			/* redacted, as everything that leaves (a NUL in the output
			 * ends what is shown: text is expected) */
			fputs(out, stdout);
			fputs(err, stderr);
			free(out);
			free(err);
			code = o.exit_code >= 0 && o.exit_code <= 254 ? (int)o.exit_code : 254;
			if (code == 254 && o.exit_code != 254)
				xpv_log_error("probe exec: remote exit code %ld does not fit; exiting 254", o.exit_code);
		}
		xpv_shell_output_clear(&o);
	}
out:
	xpv_winrm_close(s);
	xpv_probe_target_clear(&p);
	return code;
}
