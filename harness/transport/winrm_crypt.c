#define _GNU_SOURCE /* memmem */
#include "winrm_crypt.h"

#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY "--Encrypted Boundary"
#define MAX_ANNOUNCED (64u << 20)

char *xpv_crypt_content_type(const char *protocol)
{
	return xpv_asprintf("multipart/encrypted;protocol=\"%s\";boundary=\"Encrypted Boundary\"", protocol);
}

int xpv_crypt_is_encrypted(const char *content_type, char **protocol)
{
	const char *p, *end;

	if (protocol != NULL)
		*protocol = NULL;
	if (content_type == NULL || strncasecmp(content_type, "multipart/encrypted", 19) != 0)
		return 0;
	p = strstr(content_type, "protocol=\"");
	if (p == NULL)
		return 0;
	p += 10;
	end = strchr(p, '"');
	if (end == NULL)
		return 0;
	if (protocol != NULL)
		*protocol = xpv_asprintf("%.*s", (int)(end - p), p);
	return 1;
}

int xpv_crypt_seal(unsigned char **out, size_t *out_len, struct xpv_gss *g, const char *protocol,
		   const char *soap, size_t soap_len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0, head_len;
	char *head;
	int rc;

	*out = NULL;
	*out_len = 0;
	rc = xpv_gss_seal(g, soap, soap_len, &sealed, &sealed_len);
	if (rc < 0)
		return rc;
	head = xpv_asprintf(BOUNDARY "\r\n\tContent-Type: %s\r\n"
				     "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%zu\r\n" BOUNDARY
				     "\r\n\tContent-Type: application/octet-stream\r\n",
			    protocol, soap_len);
	head_len = strlen(head);
	*out_len = head_len + sealed_len + sizeof(BOUNDARY "--\r\n") - 1;
	*out = xpv_calloc(*out_len, 1);
	memcpy(*out, head, head_len);
	memcpy(*out + head_len, sealed, sealed_len);
	memcpy(*out + head_len + sealed_len, BOUNDARY "--\r\n", sizeof(BOUNDARY "--\r\n") - 1);
	free(head);
	free(sealed);
	return 0;
}

/* The next CRLF-ended line of [*p, end): its start and length (without
 * the CRLF), leading white space skipped. */
static int next_line(const unsigned char **line, size_t *n, const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p, *crlf = memmem(s, (size_t)(end - s), "\r\n", 2);

	if (crlf == NULL)
		return -1;
	*p = crlf + 2;
	while (s < crlf && (*s == ' ' || *s == '\t'))
		s++;
	*line = s;
	*n = (size_t)(crlf - s);
	return 0;
}

static bool line_is(const unsigned char *line, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(line, want, n) == 0;
}

static bool line_starts(const unsigned char *line, size_t n, const char *prefix)
{
	size_t l = strlen(prefix);

	return n >= l && strncasecmp((const char *)line, prefix, l) == 0;
}

int xpv_crypt_parse(const unsigned char **sealed, size_t *sealed_len, size_t *announced,
		    const unsigned char *body, size_t len)
{
	static const char trailer[] = BOUNDARY "--\r\n";
	const unsigned char *p = body, *end = body + len, *line, *lp;
	size_t n, value = 0;
	bool have_length = false;

	*sealed = NULL;
	*sealed_len = 0;
	*announced = 0;
	if (next_line(&line, &n, &p, end) < 0 || !line_is(line, n, BOUNDARY))
		return xpv_error_set(XPV_EPROTO, "malformed encrypted message: it does not begin with the boundary");
	/* the part's headers, up to the second boundary */
	for (int i = 0;; i++) {
		if (i >= 8 || next_line(&line, &n, &p, end) < 0)
			return xpv_error_set(XPV_EPROTO, "malformed encrypted message: no second boundary");
		if (line_is(line, n, BOUNDARY))
			break;
		if (!line_starts(line, n, "OriginalContent:"))
			continue;
		lp = memmem(line, n, "Length=", 7);
		if (lp == NULL)
			return xpv_error_set(XPV_EPROTO, "malformed encrypted message: OriginalContent has no Length");
		lp += 7;
		for (; lp < line + n && *lp >= '0' && *lp <= '9'; lp++) {
			value = value * 10 + (size_t)(*lp - '0');
			if (value > MAX_ANNOUNCED)
				return xpv_error_set(XPV_EPROTO, "malformed encrypted message: Length too large");
			have_length = true;
		}
	}
	if (!have_length)
		return xpv_error_set(XPV_EPROTO, "malformed encrypted message: no OriginalContent length");
	if (next_line(&line, &n, &p, end) < 0 || !line_starts(line, n, "Content-Type: application/octet-stream"))
		return xpv_error_set(XPV_EPROTO, "malformed encrypted message: the sealed part is not octet-stream");
	if ((size_t)(end - p) < sizeof(trailer) - 1 ||
	    memcmp(end - (sizeof(trailer) - 1), trailer, sizeof(trailer) - 1) != 0)
		return xpv_error_set(XPV_EPROTO, "malformed encrypted message: it does not end with the boundary");
	*sealed = p;
	*sealed_len = (size_t)(end - p) - (sizeof(trailer) - 1);
	*announced = value;
	return 0;
}

int xpv_crypt_open(char **soap, size_t *soap_len, struct xpv_gss *g, const unsigned char *body, size_t len)
{
	const unsigned char *sealed;
	size_t sealed_len, announced;
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	int rc;

	*soap = NULL;
	*soap_len = 0;
	rc = xpv_crypt_parse(&sealed, &sealed_len, &announced, body, len);
	if (rc < 0)
		return rc;
	rc = xpv_gss_unseal(g, sealed, sealed_len, &plain, &plain_len);
	if (rc < 0)
		return rc;
	if (plain_len != announced) {
		free(plain);
		return xpv_error_set(XPV_EPROTO, "encrypted message rejected: %zu bytes where %zu were announced",
				     plain_len, announced);
	}
	*soap = xpv_realloc(plain, plain_len + 1);
	(*soap)[plain_len] = '\0';
	*soap_len = plain_len;
	return 0;
}
