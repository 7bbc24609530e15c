#include "secrets.h"

#include "error.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define REDACTED "[REDACTED]"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t n_secrets;

void xpv_secret_register(const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_secrets; i++) {
		if (strcmp(secrets[i], value) == 0) {
			pthread_mutex_unlock(&lock);
			return;
		}
	}
	secrets = xpv_realloc(secrets, (n_secrets + 1) * sizeof(*secrets));
	secrets[n_secrets++] = xpv_strdup(value);
	pthread_mutex_unlock(&lock);
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
