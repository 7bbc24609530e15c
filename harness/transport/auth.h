/* Authentication mechanisms for WinRM and the IDP's Windows login: Kerberos
 * and NTLM through GSSAPI (MIT krb5, gss-ntlmssp), and the per-message
 * sealing of MS-WSMV 2.2.9.1 that goes with them. The HTTP layer sees only
 * tokens and sealed bytes: it never knows a mechanism's internals (as
 * curl's lib/vauth/ keeps its mechanisms apart from lib/http.c).
 *
 * Tokens are raw mechanism tokens (a Kerberos AP-REQ, NTLMSSP messages),
 * sent under the HTTP "Negotiate" scheme: what Windows' Negotiate package
 * accepts and what pywinrm's kerberos and ntlm transports send. The
 * fallback from Kerberos to NTLM is made by the caller, so every failure
 * keeps its own message. */
#ifndef XPV_AUTH_H
#define XPV_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xpv_gss_mech { XPV_GSS_KERBEROS, XPV_GSS_NTLM };

/* Where the client's credentials come from. */
struct xpv_gss_creds {
	const char *username; /* user@REALM, DOMAIN\user or user; NULL: the cache's principal */
	const char *password; /* NULL: a keytab or a ticket cache */
	const char *realm;    /* for DOMAIN\user and bare names; NULL: DOMAIN upper-cased */
	const char *keytab;   /* client keytab (Kerberos); NULL: none */
	const char *ccache;   /* ticket cache to read; NULL: KRB5CCNAME or the default */
};

struct xpv_gss;

/* Starts a client security context for `mech` towards service principal
 * `spn` ("HTTP/host"). `cb`/`cb_len` are the TLS channel-binding
 * application data ("tls-server-end-point:" + hash), or NULL over plain
 * HTTP. Credentials are acquired by the first context that needs them and
 * shared by every later one of the process (the same mechanism, user,
 * password, realm, keytab and cache): with a password into a private
 * in-memory cache (nothing is written to disk, the user's own cache is not
 * touched). Errors say which principal and why (wrong password, unknown
 * account, KDC unreachable, clock skew). */
int xpv_gss_client_new(struct xpv_gss **out, enum xpv_gss_mech mech, const struct xpv_gss_creds *creds,
		       const char *spn, const unsigned char *cb, size_t cb_len);

/* Wraps an established acceptor context (the lab) so that it can seal and
 * unseal; takes ownership of `ctx` (a gss_ctx_id_t). */
struct xpv_gss *xpv_gss_wrap_context(void *ctx, bool kerberos);

/* One step of the exchange: `in` is the server's token (NULL on the first
 * step). `*out` is a new token to send (NULL when there is none), `*done`
 * says the context is established. */
int xpv_gss_step(struct xpv_gss *g, const unsigned char *in, size_t in_len, unsigned char **out,
		 size_t *out_len, bool *done);

/* Seals `plain` for MS-WSMV: `*out` is the 4-byte little-endian signature
 * length, the signature, then the sealed bytes. */
int xpv_gss_seal(struct xpv_gss *g, const void *plain, size_t len, unsigned char **out, size_t *out_len);

/* Opens what xpv_gss_seal (or Windows) made; a tampered or replayed part is
 * XPV_EPROTO. */
int xpv_gss_unseal(struct xpv_gss *g, const unsigned char *in, size_t len, unsigned char **out,
		   size_t *out_len);

/* The mechanism's own words for a GSSAPI failure (the minor status, else
 * the major), `mech_oid` a gss_OID or NULL. A new string. */
char *xpv_gss_status(uint32_t major, uint32_t minor, const void *mech_oid);

/* "Kerberos" or "NTLM", for messages and transcripts. */
const char *xpv_gss_mech_name(const struct xpv_gss *g);

void xpv_gss_free(struct xpv_gss *g);

/* How many times this process has acquired credentials (each a Kerberos
 * login or an NTLM key derivation), successful or not: for tests. */
unsigned long xpv_gss_acquisitions(void);

/* The channel-binding application data for an HTTPS server whose leaf
 * certificate is `pem` (RFC 5929 tls-server-end-point: the certificate's
 * hash with its signature's digest, SHA-256 for MD5 and SHA-1). */
int xpv_gss_tls_binding(unsigned char **out, size_t *out_len, const char *pem);

/* Points Kerberos at a private profile, before any thread starts: no
 * reverse-DNS or DNS canonicalisation of host names, and, when `realm` and
 * `kdc` (host:port) are given, that KDC for that realm. The user's
 * krb5.conf still applies for everything else. The file goes at exit. */
int xpv_gss_configure(const char *realm, const char *kdc);

#endif
