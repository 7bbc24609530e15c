/* Guide, "Use a certificate for an external IDP in a cluster environment":
 * the Identity Provider's configuration data is protected with one
 * certificate instead of DPAPI, so that it is identical on both nodes: on
 * every node the IDP's appsettings.json has
 * DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint, the same on
 * every node, and that certificate is in the machine's Personal store with
 * its private key and in date. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The guide names IIS\IDP; installations seen elsewhere use IIS\Identity
 * Provider. Both are tried, in this order. */
static const char *const IDP_SETTINGS[] = {
	"C:\\Program Files\\Milestone\\XProtect Management Server\\IIS\\IDP\\appsettings.json",
	"C:\\Program Files\\Milestone\\XProtect Management Server\\IIS\\Identity Provider\\appsettings.json",
};

struct idp {
	char *path;       /* the settings file read */
	char *thumbprint; /* its thumbprint, upper case, or NULL */
	char *problem;    /* why there is none: file (error) */
	bool unreadable;  /* no file could be read: error, not fail */
	json_t *cert;     /* Get-Item Cert:\LocalMachine\My\THUMB as JSON, or NULL */
	char *cert_error;
};

static bool is_thumbprint(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == 40;
}

/* The thumbprint the IDP on `node` protects its keys with. */
static void read_settings(struct xpv_ctx *ctx, const struct xpv_node *node, struct idp *d)
{
	char *why = NULL, *text = NULL, *errors = xpv_strdup("");
	json_error_t jerr;
	json_t *doc;
	const char *t;

	for (size_t i = 0; i < sizeof(IDP_SETTINGS) / sizeof(IDP_SETTINGS[0]) && text == NULL; i++) {
		char *next;

		text = xpv_node_file(ctx, node, IDP_SETTINGS[i], &why);
		if (text != NULL) {
			d->path = xpv_strdup(IDP_SETTINGS[i]);
			break;
		}
		next = xpv_asprintf("%s%s%s: %s", errors, errors[0] ? "; " : "", IDP_SETTINGS[i], why);
		free(errors);
		errors = next;
		free(why);
		why = NULL;
	}
	if (text == NULL) {
		d->unreadable = true;
		d->problem = xpv_asprintf("cannot read the IDP's appsettings.json: %s", errors);
		free(errors);
		return;
	}
	free(errors);
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	t = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "DataProtectionSettings"), "ProtectKeysWithCertificate"), "Thumbprint"));
	if (doc == NULL)
		d->problem = xpv_asprintf("%s is not valid JSON (line %d: %s)", d->path, jerr.line, jerr.text);
	else if (t == NULL || t[0] == '\0')
		d->problem = xpv_asprintf("%s has no DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint: the IDP "
					  "protects its keys with DPAPI, which differs on every node", d->path);
	else if (!is_thumbprint(t))
		d->problem = xpv_asprintf("%s: the thumbprint '%s' is not 40 hexadecimal digits", d->path, t);
	else {
		d->thumbprint = xpv_strdup(t);
		for (char *p = d->thumbprint; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	json_decref(doc);
	free(text);
}

/* The certificate `d->thumbprint` in LocalMachine\My on `node`. */
static void read_cert(struct xpv_ctx *ctx, const struct xpv_node *node, struct idp *d)
{
	char *quoted = xpv_ps_quote(d->thumbprint), *script, *why = NULL, *text;

	script = xpv_asprintf("$t = %s\n"
			      "$c = Get-Item -Path ('Cert:\\LocalMachine\\My\\' + $t) -ErrorAction SilentlyContinue\n"
			      "if (-not $c) { '{\"Found\":false}' } else {\n"
			      "  [pscustomobject]@{ Found = $true; Thumbprint = $c.Thumbprint; Subject = $c.Subject;\n"
			      "    HasPrivateKey = $c.HasPrivateKey;\n"
			      "    NotBefore = $c.NotBefore.ToUniversalTime().ToString('s') + 'Z';\n"
			      "    NotAfter = $c.NotAfter.ToUniversalTime().ToString('s') + 'Z' } |\n"
			      "    ConvertTo-Json -Compress }\n",
			      quoted);
	text = xpv_node_powershell(ctx, node, script, &why);
	free(script);
	free(quoted);
	if (text == NULL) {
		d->cert_error = why;
		return;
	}
	d->cert = json_loads(text, 0, NULL);
	if (d->cert == NULL)
		d->cert_error = xpv_asprintf("the answer is not the JSON asked for: %.200s", text);
	free(text);
	free(why);
}

static void gather(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct idp *d = &((struct idp *)arg)[node - sc->nodes];

	read_settings(ctx, node, d);
	if (d->thumbprint != NULL)
		read_cert(ctx, node, d);
}

/* The thumbprint most nodes use (the first node's on a tie); *from names one. */
static const char *common_thumbprint(const struct xpv_scenario *sc, const struct idp *d, const char **from)
{
	const char **v = xpv_calloc(sc->n_nodes, sizeof(*v));
	size_t i;

	for (size_t k = 0; k < sc->n_nodes; k++)
		v[k] = d[k].thumbprint;
	i = xpv_majority(v, sc->n_nodes, false);
	free(v);
	if (i == sc->n_nodes)
		return NULL;
	*from = sc->nodes[i].name;
	return d[i].thumbprint;
}

/* Whether the certificate is usable now; else *why. */
static bool cert_ok(const json_t *cert, char **why)
{
	char now[32];
	const char *nb = xpv_prop(cert, "NotBefore"), *na = xpv_prop(cert, "NotAfter");

	xpv_format_time(now, sizeof(now), xpv_now_us(), XPV_TIME_ISO);
	*why = NULL;
	if (!json_is_true(json_object_get(cert, "Found")))
		*why = xpv_strdup("is not in the machine's Personal store (Cert:\\LocalMachine\\My)");
	else if (!json_is_true(json_object_get(cert, "HasPrivateKey")))
		*why = xpv_strdup("is in the Personal store without its private key");
	else if (strcmp(now, nb) < 0)
		*why = xpv_asprintf("is not valid before %s", nb);
	else if (strcmp(now, na) > 0)
		*why = xpv_asprintf("expired on %s", na);
	return *why == NULL;
}

static void judge(struct xpv_ctx *ctx, const struct xpv_node *node, const struct idp *d, const char *want,
		  const char *from)
{
	const char *expected = "DataProtectionSettings thumbprint the same on every node, its certificate in "
			       "LocalMachine\\My with a private key, in date";
	struct xpv_outcome o = { .target = node->name, .expected = expected };
	char *msg = NULL, *why = NULL;

	o.observed = d->thumbprint ? d->thumbprint : "no thumbprint";
	if (d->thumbprint == NULL) {
		o.verdict = d->unreadable ? XPV_ERROR : XPV_FAIL;
		msg = xpv_asprintf("%s: %s", node->name, d->problem);
	} else if (want != NULL && strcmp(d->thumbprint, want) != 0) {
		o.verdict = XPV_FAIL;
		msg = xpv_asprintf("the IDP on %s protects its keys with certificate %s, but %s uses %s: the guide asks "
				   "for one certificate, so the configuration data is identical on every node",
				   node->name, d->thumbprint, from, want);
	} else if (d->cert == NULL) {
		o.verdict = XPV_ERROR;
		msg = xpv_asprintf("cannot look for certificate %s on %s: %s", d->thumbprint, node->name, d->cert_error);
	} else if (!cert_ok(d->cert, &why)) {
		o.verdict = XPV_FAIL;
		msg = xpv_asprintf("certificate %s, which the IDP on %s protects its keys with, %s", d->thumbprint,
				   node->name, why);
	} else {
		o.verdict = XPV_PASS;
		msg = xpv_asprintf("the IDP on %s protects its keys with certificate %s (%s, valid until %s), the same "
				   "on every node", node->name, d->thumbprint, xpv_prop(d->cert, "Subject"),
				   xpv_prop(d->cert, "NotAfter"));
	}
	o.message = msg;
	xpv_ctx_report(ctx, &o);
	free(msg);
	free(why);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct idp *d = xpv_calloc(sc->n_nodes, sizeof(*d));
	int rc = xpv_ctx_each_node(ctx, gather, d);
	const char *from = NULL, *want = common_thumbprint(sc, d, &from);

	for (size_t i = 0; rc == 0 && i < sc->n_nodes; i++)
		judge(ctx, &sc->nodes[i], &d[i], want, from);
	for (size_t i = 0; i < sc->n_nodes; i++) {
		free(d[i].path);
		free(d[i].thumbprint);
		free(d[i].problem);
		free(d[i].cert_error);
		json_decref(d[i].cert);
	}
	free(d);
	return rc;
}

const struct xpv_check xpv_check_idp_data_protection = {
	.id = "idp-data-protection",
	.title = "The IDP protects its keys with one certificate, present on every node",
	.guide_section = "Use a certificate for an external IDP in a cluster environment",
	.remediation = "Import the server certificate into the Personal store of every node (with its private key, "
		       "Read permission for the service account), then on every node set "
		       "DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint in the Identity Provider's "
		       "appsettings.json (...\\XProtect Management Server\\IIS\\IDP) to that certificate's thumbprint, "
		       "the same everywhere, and trigger a failover to confirm.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
