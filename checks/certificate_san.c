/* Guide, "Encrypting the connection to the failover cluster": the
 * certificate on the cluster address and on each node chains to the CA, is
 * in date, names the cluster address, the node and (if asked) its IP, is
 * for server authentication, and is not weak. */
#include "check.h"
#include "error.h"
#include "scenario.h"
#include "tls.h"
#include "util.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct text {
	char *s;
};

static void add(struct text *t, const char *sep, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(struct text *t, const char *sep, const char *fmt, ...)
{
	va_list ap;
	char *part, *next;

	va_start(ap, fmt);
	part = xpv_vasprintf(fmt, ap);
	va_end(ap);
	next = xpv_asprintf("%s%s%s", t->s ? t->s : "", t->s && t->s[0] ? sep : "", part);
	free(t->s);
	free(part);
	t->s = next;
}

/* Judges `p` for the names in `dns`/`ips`; fills problems, notes and the
 * names the SAN misses. */
static void judge(struct text *problems, struct text *notes, struct text *missing, const struct xpv_peer *p,
		  const struct xpv_scenario *sc, const char *const *dns, size_t n_dns, const char *const *ips,
		  size_t n_ips)
{
	const char *chain = xpv_tls_chain_problem(p, sc->tls.ca_file);
	const ASN1_TIME *nb = X509_get0_notBefore(p->leaf), *na = X509_get0_notAfter(p->leaf);
	EVP_PKEY *key = X509_get0_pubkey(p->leaf);
	int days = 0, secs = 0, mdnid = NID_undef, bits = key ? EVP_PKEY_get_bits(key) : 0;

	if (chain != NULL)
		add(problems, "; ", "does not chain to the configured CA (%s)", chain);
	if (X509_cmp_current_time(nb) > 0)
		add(problems, "; ", "not valid yet");
	if (X509_cmp_current_time(na) < 0)
		add(problems, "; ", "expired");
	else if (ASN1_TIME_diff(&days, &secs, NULL, na) == 1 && days < sc->tls.expiry_warn_days)
		add(notes, "; ", "warning: expires in %d days", days);
	for (size_t i = 0; i < n_dns; i++)
		if (X509_check_host(p->leaf, dns[i], 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) != 1)
			add(missing, ", ", "%s", dns[i]);
	for (size_t i = 0; i < n_ips; i++)
		if (X509_check_ip_asc(p->leaf, ips[i], 0) != 1)
			add(missing, ", ", "IP %s", ips[i]);
	{
		int bad = xpv_tls_malformed_ips(p->leaf);

		if (bad != 0)
			add(problems, "; ", "malformed IP address in the SAN (%d bytes; an address has 4 or 16)",
			    bad < 0 ? 0 : bad);
	}
	if (missing->s != NULL)
		add(problems, "; ", "SAN does not cover %s", missing->s);
	if ((X509_get_extension_flags(p->leaf) & EXFLAG_XKUSAGE) != 0 &&
	    (X509_get_extended_key_usage(p->leaf) & XKU_SSL_SERVER) == 0)
		add(problems, "; ", "not for server authentication (no serverAuth EKU)");
	if (key != NULL && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && bits < 2048)
		add(problems, "; ", "weak key: RSA %d bits (at least 2048)", bits);
	else if (key != NULL && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && bits < 256)
		add(problems, "; ", "weak key: EC %d bits (at least 256)", bits);
	if (X509_get_signature_info(p->leaf, &mdnid, NULL, NULL, NULL) == 1 && (mdnid == NID_sha1 || mdnid == NID_md5))
		add(problems, "; ", "signed with %s", OBJ_nid2sn(mdnid));
}

/* certs/TARGET.pem, the target made a file name; "-after-failover" on a
 * second look. */
static char *evidence_file(const char *target, const char *phase)
{
	char *label = xpv_strdup(target), *file, *name;

	/* "cluster address HOST" is our own label: its spaces are no data */
	for (char *q = label; *q; q++)
		if (*q == ' ')
			*q = '-';
	file = xpv_file_name(label);
	free(label);
	name = xpv_asprintf("certs/%s%s.pem", file, phase ? "-after-failover" : "");
	free(file);
	return name;
}

static void endpoint(struct xpv_ctx *ctx, const char *target, const char *sni, const char *address,
		     const char *const *dns, size_t n_dns, const char *const *ips, size_t n_ips)
{
	char *evidence_name = evidence_file(target, xpv_ctx_phase(ctx));
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_peer p;
	struct text problems = { NULL }, notes = { NULL }, expected = { NULL }, missing = { NULL };
	struct xpv_kv figs[3];
	char *sans = NULL;
	struct xpv_outcome o = { .target = target, .figures = figs };
	char *observed = NULL, *msg = NULL;
	char not_after[64] = "";

	add(&expected, "", "chains to the CA, in date, serverAuth, strong key, SAN covers");
	for (size_t i = 0; i < n_dns; i++)
		add(&expected, i ? ", " : " ", "%s", dns[i]);
	for (size_t i = 0; i < n_ips; i++)
		add(&expected, ", ", "IP %s", ips[i]);
	if (xpv_tls_fetch(&p, sni, address, sc->cluster.port, (long)(sc->winrm.connect_timeout_s * 1000)) < 0) {
		o.verdict = XPV_ERROR;
		msg = xpv_asprintf("cannot fetch the certificate: %s", xpv_error_last());
	} else {
		BIO *b = BIO_new(BIO_s_mem());

		sans = xpv_tls_san_list(p.leaf);
		if (b != NULL && ASN1_TIME_print(b, X509_get0_notAfter(p.leaf)) == 1) {
			int n = BIO_read(b, not_after, sizeof(not_after) - 1);

			not_after[n > 0 ? n : 0] = '\0';
		}
		BIO_free(b);
		judge(&problems, &notes, &missing, &p, sc, dns, n_dns, ips, n_ips);
		xpv_ctx_evidence(ctx, evidence_name, p.pem);
		/* for the report's certificate table */
		figs[0] = (struct xpv_kv){ "sans", sans };
		figs[1] = (struct xpv_kv){ "missing", missing.s ? missing.s : "" };
		figs[2] = (struct xpv_kv){ "not_after", not_after };
		o.n_figures = 3;
		o.verdict = problems.s == NULL ? XPV_PASS : XPV_FAIL;
		observed = xpv_asprintf("SAN %s; valid until %s", sans, not_after);
		msg = xpv_asprintf("%s%s%s", problems.s ? problems.s : "certificate conforms",
				   notes.s ? "; " : "", notes.s ? notes.s : "");
		xpv_peer_clear(&p);
	}
	o.expected = expected.s;
	o.observed = observed;
	o.message = msg;
	xpv_ctx_report(ctx, &o);
	free(evidence_name);
	free(expected.s);
	free(missing.s);
	free(sans);
	free(problems.s);
	free(notes.s);
	free(observed);
	free(msg);
}

static bool is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Where to connect for `host`: its pin, or the name itself. */
static const char *address_of(const struct xpv_scenario *sc, const char *host)
{
	for (size_t i = 0; i < sc->n_resolve; i++)
		if (strcasecmp(sc->resolve[i].host, host) == 0)
			return sc->resolve[i].address;
	return host;
}

static void one_node(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const char *dns[3], *ips[2];
	size_t nd = 0, ni = 0;
	bool host_is_ip = is_ip(node->host);

	(void)arg;
	/* the guide: the node's name, its address, and the cluster's name */
	dns[nd++] = node->name;
	if (node->fqdn != NULL)
		dns[nd++] = node->fqdn;
	if (is_ip(sc->cluster.address_host))
		ips[ni++] = sc->cluster.address_host; /* clients use the address itself */
	else
		dns[nd++] = sc->cluster.address_host;
	if (sc->tls.require_ip_san && (node->ip != NULL || host_is_ip))
		ips[ni++] = node->ip ? node->ip : node->host;
	endpoint(ctx, node->name, node->fqdn ? node->fqdn : node->name, address_of(sc, node->host), dns, nd, ips, ni);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *target = xpv_asprintf("cluster address %s", sc->cluster.address_host);
	const char *names[] = { sc->cluster.address_host };
	bool ip = is_ip(sc->cluster.address_host);

	/* an address given as an IP must be an IP SAN (RFC 6125: no DNS name match) */
	endpoint(ctx, target, ip ? NULL : sc->cluster.address_host, address_of(sc, sc->cluster.address_host),
		 ip ? NULL : names, ip ? 0 : 1, ip ? names : NULL, ip ? 1 : 0);
	free(target);
	/* after a failover only the cluster address is served by someone new */
	if (xpv_ctx_phase(ctx) == NULL)
		xpv_ctx_each_node(ctx, one_node, NULL);
	return 0;
}

const struct xpv_check xpv_check_certificate_san = {
	.id = "certificate-san",
	.title = "Certificates cover the cluster address and the nodes",
	.guide_section = "Encrypting the connection to the failover cluster (certificates on all nodes)",
	.rerun_after_disruptive = true,
	.remediation = "Issue the SSL certificate for the failover cluster from your CA with subject alternative "
		       "names for the cluster address, every node's name (and FQDN) and, where clients use them, "
		       "the nodes' IP addresses; install it and the CA certificate on every node, and renew it "
		       "before it expires. Use RSA 2048 or stronger (or EC P-256), SHA-256, and serverAuth.",
	.run = run,
};
