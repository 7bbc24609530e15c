/* HTTP Negotiate with libcurl, for WinRM (winrm.c) and the IDP's Windows
 * login (login.c): what a handshake needs from the HTTP exchange, kept apart
 * from the mechanisms (auth_gss.c). */
#ifndef XPV_HTTP_AUTH_H
#define XPV_HTTP_AUTH_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

/* TLS for the libcurl handle `c`. */
struct xpv_http_tls {
	const char *ca_file; /* NULL: the system's CA store */
	char **peer;         /* or NULL: where to keep the server's certificate */
	bool verify;         /* the server's chain is judged (CURLOPT_SSL_VERIFYPEER) */
};

/* Sets up TLS for `c` as `t` says (`t` must outlive the handle's
 * transfers): the server's chain is judged against the process's CA store
 * of t->ca_file (xpv_tls_store: loaded once for the whole run, where
 * libcurl would load the file for every connection), with libcurl's own
 * verification rules (partial chains, trusted first). When t->verify is
 * true the store is loaded here, before any transfer: reading the system's
 * CA bundle is our work, and under load it took longer than a connection's
 * whole deadline when it was done inside the handshake. When t->peer is not
 * NULL, the server certificate (PEM) of every new TLS connection goes to
 * `*t->peer` (replacing the previous one), for channel binding: it comes
 * from the handshake of the connection itself, never from another. A CA
 * file that cannot be read fails the transfer with
 * CURLE_SSL_CACERT_BADFILE. */
void xpv_http_tls(CURL *c, const struct xpv_http_tls *t);

/* The token of the last response's "WWW-Authenticate: Negotiate TOKEN",
 * decoded (`*tok` NULL when there is none). XPV_EPROTO when it is not
 * base64 or larger than a token can be. */
int xpv_http_negotiate_token(CURL *c, unsigned char **tok, size_t *len);

/* The schemes a 401 offered ("Negotiate, Kerberos"), or "none". */
char *xpv_http_offered_schemes(CURL *c);

#endif
