/* Fetching the certificate an HTTPS endpoint serves (OpenSSL), whatever
 * its faults: the certificate check judges it afterwards. */
#ifndef XPV_TLS_H
#define XPV_TLS_H

#include <openssl/x509.h>

struct xpv_peer {
	X509 *leaf;
	STACK_OF(X509) *chain; /* as served, leaf first */
	char *pem;             /* the served chain, PEM */
};

/* Connects to `address`:`port` (an IP or a host name) within `timeout_ms`,
 * handshakes with SNI `sni` (NULL: none, for an address), and keeps what was served. Returns 0, or
 * XPV_EDNS, XPV_ECONNECT, XPV_ETIMEOUT, XPV_ETLS with the last-error
 * message set. */
int xpv_tls_fetch(struct xpv_peer *p, const char *sni, const char *address, long port, long timeout_ms);

void xpv_peer_clear(struct xpv_peer *p);

/* The process's CA store of `ca_file` (NULL: the system's), loaded on its
 * first use and shared by every connection and chain check after it: a
 * new reference (X509_STORE_free), or NULL when the file cannot be read. */
X509_STORE *xpv_tls_store(const char *ca_file);

/* Verifies `p`'s chain against the CA file (NULL: the system store),
 * ignoring validity dates (judged apart). Returns NULL when it chains, or a
 * static reason. */
const char *xpv_tls_chain_problem(const struct xpv_peer *p, const char *ca_file);

/* Every subject alternative name of `x` for a person to read: "DNS:a,
 * DNS:b, IP:127.0.10.1", "none" when there is none. No name is read past
 * its length; an IP of another length than 4 or 16 bytes is shown as
 * malformed. A new string. */
char *xpv_tls_san_list(X509 *x);

/* The length of the first IP address SAN of `x` that is not 4 or 16 bytes
 * (a malformed name a client may read as anything; -1 for an empty one),
 * or 0 when all are well formed. */
int xpv_tls_malformed_ips(X509 *x);

#endif
