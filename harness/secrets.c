#include "secrets.h"

#include "error.h"
#include "util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/entities.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define REDACTED "[REDACTED]"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t n_secrets;

/* Adds one form of a secret (taken), unless it is empty or known. */
static void add_form(char *form)
{
	if (form == NULL)
		return;
	if (form[0] == '\0') {
		free(form);
		return;
	}
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_secrets; i++) {
		if (strcmp(secrets[i], form) == 0) {
			pthread_mutex_unlock(&lock);
			xpv_secret_free(form);
			return;
		}
	}
	secrets = xpv_realloc(secrets, (n_secrets + 1) * sizeof(*secrets));
	secrets[n_secrets++] = form;
	pthread_mutex_unlock(&lock);
}

/* `s` with `from` replaced by `to` everywhere (a new string). */
static char *replaced(const char *s, const char *from, const char *to)
{
	char *out = xpv_strdup(""), *next;
	const char *hit;

	while ((hit = strstr(s, from)) != NULL) {
		next = xpv_asprintf("%s%.*s%s", out, (int)(hit - s), s, to);
		xpv_secret_free(out);
		out = next;
		s = hit + strlen(from);
	}
	next = xpv_asprintf("%s%s", out, s);
	xpv_secret_free(out);
	return next;
}

/* `s` with the `n` hex digits after every `marker` in lower case (a new
 * string): encoders differ in the case of %2B and \u00E9. */
static char *lower_hex(const char *s, const char *marker, size_t n)
{
	char *out = xpv_strdup(s), *p = out;
	size_t m = strlen(marker);

	while ((p = strstr(p, marker)) != NULL) {
		p += m;
		for (size_t i = 0; i < n && p[i] != '\0'; i++)
			if (p[i] >= 'A' && p[i] <= 'F')
				p[i] = (char)(p[i] - 'A' + 'a');
	}
	return out;
}

/* The JSON string of `value` without its quotes, with `flags`. */
static char *json_form(const char *value, size_t flags)
{
	json_t *j = json_string(value);
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY | flags) : NULL, *inner = NULL;

	json_decref(j);
	if (text != NULL && strlen(text) >= 2)
		inner = xpv_asprintf("%.*s", (int)strlen(text) - 2, text + 1);
	if (text != NULL)
		xpv_secret_free(text);
	return inner;
}

void xpv_secret_register(const char *value)
{
	char *url, *xml;
	xmlChar *x;

	if (value == NULL || value[0] == '\0')
		return;
	/* every form the secret takes on the wire and in our outputs: as is,
	 * URL-encoded (form bodies: %20 or +), JSON- and XML-escaped, base64 */
	add_form(xpv_strdup(value));
	url = curl_easy_escape(NULL, value, 0);
	if (url != NULL) {
		char *lower = lower_hex(url, "%", 2);

		add_form(xpv_strdup(url));
		add_form(replaced(url, "%20", "+"));
		add_form(replaced(lower, "%20", "+"));
		add_form(lower);
		explicit_bzero(url, strlen(url));
		curl_free(url);
	}
	add_form(json_form(value, 0));
	{
		char *ascii = json_form(value, JSON_ENSURE_ASCII);

		if (ascii != NULL)
			add_form(lower_hex(ascii, "\\u", 4));
		add_form(ascii);
	}
	x = xmlEncodeSpecialChars(NULL, (const xmlChar *)value);
	if (x != NULL) {
		xml = xpv_strdup((const char *)x);
		explicit_bzero(x, strlen((const char *)x));
		xmlFree(x);
		add_form(replaced(xml, "'", "&apos;"));
		add_form(xml);
	}
	add_form(xpv_b64_encode(value, strlen(value)));
}

void xpv_secret_register_basic(const char *user, const char *password)
{
	char *pair;

	if (password == NULL || password[0] == '\0')
		return;
	pair = xpv_asprintf("%s:%s", user ? user : "", password);
	add_form(xpv_b64_encode(pair, strlen(pair)));
	xpv_secret_free(pair);
}

void xpv_secrets_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_secrets; i++)
		xpv_secret_free(secrets[i]);
	free(secrets);
	secrets = NULL;
	n_secrets = 0;
	pthread_mutex_unlock(&lock);
}

/* Replaces every occurrence of `needle` in `*text` (owned) by REDACTED. */
static void replace_all(char **text, const char *needle)
{
	size_t nlen = strlen(needle), count = 0, rlen = strlen(REDACTED);
	char *out, *o;
	const char *p, *hit;

	for (p = *text; (hit = strstr(p, needle)) != NULL; p = hit + nlen)
		count++;
	if (count == 0)
		return;
	out = xpv_calloc(strlen(*text) - count * nlen + count * rlen + 1, 1);
	o = out;
	for (p = *text; (hit = strstr(p, needle)) != NULL; p = hit + nlen) {
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, REDACTED, rlen);
		o += rlen;
	}
	strcpy(o, p);
	free(*text);
	*text = out;
}

char *xpv_redact(const char *text)
{
	char *out;

	if (text == NULL)
		return NULL;
	out = xpv_strdup(text);
	pthread_mutex_lock(&lock);
	/* longest first, so a secret containing another is hidden whole */
	for (size_t pass = 0; pass < n_secrets; pass++) {
		size_t best = n_secrets, best_len = 0;

		for (size_t i = 0; i < n_secrets; i++) {
			size_t l = strlen(secrets[i]);

			if (strstr(out, secrets[i]) != NULL && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		if (best == n_secrets)
			break;
		replace_all(&out, secrets[best]);
	}
	pthread_mutex_unlock(&lock);
	return out;
}

int xpv_secret_from_env(char **out, const char *var)
{
	const char *v = getenv(var);

	*out = NULL;
	if (v == NULL)
		return xpv_error_set(XPV_ESECRET, "environment variable %s is not set", var);
	if (v[0] == '\0')
		return xpv_error_set(XPV_ESECRET, "environment variable %s is empty", var);
	*out = xpv_strdup(v);
	xpv_secret_register(*out);
	return 0;
}

int xpv_secret_from_file(char **out, const char *path)
{
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = xpv_read_file(out, &len, path, 64 * 1024);
	if (rc < 0) {
		/* the message lives in the buffer xpv_error_set writes: copy it first */
		char *msg = xpv_strdup(xpv_error_last());

		xpv_error_set(XPV_ESECRET, "%s", msg);
		free(msg);
		return XPV_ESECRET;
	}
	if (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	if (len > 0 && (*out)[len - 1] == '\r')
		(*out)[--len] = '\0';
	if (len == 0 || strlen(*out) != len) {
		xpv_secret_free(*out);
		*out = NULL;
		return xpv_error_set(XPV_ESECRET, "secret file %s is %s", path,
				     len == 0 ? "empty" : "binary (contains a NUL byte)");
	}
	xpv_secret_register(*out);
	return 0;
}

void xpv_secret_free(char *value)
{
	if (value == NULL)
		return;
	explicit_bzero(value, strlen(value));
	free(value);
}
