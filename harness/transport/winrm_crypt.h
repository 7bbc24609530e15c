/* MS-WSMV 2.2.9.1 message encryption over plain HTTP: a SOAP message sealed
 * by the authentication mechanism, framed as multipart/encrypted. Used by
 * the client (winrm.c) and by the lab's listener, both ways.
 *
 *   --Encrypted Boundary\r\n
 *   \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
 *   \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
 *   --Encrypted Boundary\r\n
 *   \tContent-Type: application/octet-stream\r\n
 *   <signature length, LE32><signature><sealed message>--Encrypted Boundary--\r\n
 */
#ifndef XPV_WINRM_CRYPT_H
#define XPV_WINRM_CRYPT_H

#include "auth.h"

#include <stddef.h>

/* The protocol every mechanism under Negotiate uses, and Kerberos' own. */
#define XPV_CRYPT_SPNEGO "application/HTTP-SPNEGO-session-encrypted"
#define XPV_CRYPT_KERBEROS "application/HTTP-Kerberos-session-encrypted"

/* The HTTP Content-Type of an encrypted message with `protocol`. */
char *xpv_crypt_content_type(const char *protocol);

/* Whether an HTTP Content-Type announces an encrypted message (any
 * protocol); `*protocol` (may be NULL) gets a new copy of it. */
int xpv_crypt_is_encrypted(const char *content_type, char **protocol);

/* Seals `soap` with `g` and frames it: `*out` is the HTTP body. */
int xpv_crypt_seal(unsigned char **out, size_t *out_len, struct xpv_gss *g, const char *protocol,
		   const char *soap, size_t soap_len);

/* Checks the frame of `body`, unseals it with `g` and checks the length the
 * frame announced: `*soap` is the message (NUL-terminated). Anything else
 * (a frame out of shape, a bad signature, a length that differs) is
 * XPV_EPROTO with what was wrong. */
int xpv_crypt_open(char **soap, size_t *soap_len, struct xpv_gss *g, const unsigned char *body, size_t len);

/* The frame alone, without unsealing: where the sealed part is and the
 * length announced. For the fuzz target and the lab's checks. */
int xpv_crypt_parse(const unsigned char **sealed, size_t *sealed_len, size_t *announced,
		    const unsigned char *body, size_t len);

#endif
