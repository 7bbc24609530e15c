/* HTTP Negotiate with libcurl, for WinRM (winrm.c) and the IDP's Windows
 * login (login.c): what a handshake needs from the HTTP exchange, kept apart
 * from the mechanisms (auth_gss.c). */
#ifndef XPV_HTTP_AUTH_H
#define XPV_HTTP_AUTH_H

#include <curl/curl.h>
#include <stddef.h>

/* Keeps the server certificate (PEM) of every new TLS connection `c` makes
 * in `*slot` (replacing the previous one), for channel binding. The
 * certificate comes from the handshake of the connection itself, never
 * from another. `slot` must outlive the handle's transfers. */
void xpv_http_keep_peer(CURL *c, char **slot);

/* The token of the last response's "WWW-Authenticate: Negotiate TOKEN",
 * decoded (`*tok` NULL when there is none). XPV_EPROTO when it is not
 * base64 or larger than a token can be. */
int xpv_http_negotiate_token(CURL *c, unsigned char **tok, size_t *len);

/* The schemes a 401 offered ("Negotiate, Kerberos"), or "none". */
char *xpv_http_offered_schemes(CURL *c);

#endif
