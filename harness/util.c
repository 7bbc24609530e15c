#include "util.h"

#include "error.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <libxml/chvalid.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlstring.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	fputs("xpverify: out of memory\n", stderr);
	abort();
}

void *xpv_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *xpv_realloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		oom();
	return q;
}

char *xpv_strdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		oom();
	return d;
}

char *xpv_vasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *buf;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		oom();
	buf = xpv_calloc((size_t)n + 1, 1);
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	return buf;
}

char *xpv_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xpv_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int64_t xpv_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t xpv_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec xpv_clock_in(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

void xpv_format_time(char *buf, size_t len, int64_t us, enum xpv_time_fmt fmt)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	char base[32];

	gmtime_r(&secs, &tm);
	switch (fmt) {
	case XPV_TIME_DATE:
		strftime(buf, len, "%Y-%m-%d", &tm);
		return;
	case XPV_TIME_JUNIT:
		strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
		return;
	case XPV_TIME_ISO:
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	case XPV_TIME_ISO_US:
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%06ldZ", base, (long)(us % 1000000));
		return;
	}
}

char *xpv_text_clean(const char *s)
{
	static const char repl[] = "\xEF\xBF\xBD"; /* U+FFFD */
	size_t len, i = 0, o = 0;
	char *out;

	if (s == NULL)
		return NULL;
	/* most text is printable ASCII, kept as it is */
	for (len = 0; (s[len] >= 0x20 && s[len] < 0x7f) || s[len] == '\t' || s[len] == '\n' || s[len] == '\r'; len++)
		;
	if (s[len] == '\0')
		return xpv_strdup(s);
	len += strlen(s + len);
	/* each input byte yields at most 3 output bytes */
	out = xpv_calloc(len * 3 + 1, 1);
	while (i < len) {
		int clen = (int)(len - i > 4 ? 4 : len - i);
		int c = xmlGetUTF8Char((const unsigned char *)s + i, &clen);
		xmlChar canon[8];

		/* libxml2's decoder accepts overlong forms: only the canonical
		 * encoding of the decoded character is valid UTF-8 */
		if (c >= 0 && clen > 0 &&
		    (xmlCopyCharMultiByte(canon, c) != clen || memcmp(canon, s + i, (size_t)clen) != 0))
			c = -1;
		if (c < 0 || clen <= 0) {
			memcpy(out + o, repl, 3);
			o += 3;
			i += 1;
			continue;
		}
		if (!xmlIsCharQ(c)) {
			memcpy(out + o, repl, 3);
			o += 3;
		} else {
			memcpy(out + o, s + i, (size_t)clen);
			o += (size_t)clen;
		}
		i += (size_t)clen;
	}
	out[o] = '\0';
	return out;
}

int xpv_write_temp(char **tmp_out, const char *path, int (*fill)(FILE *out, void *arg), void *arg)
{
	char *tmp = xpv_asprintf("%s.tmp.XXXXXX", path);
	FILE *f = NULL;
	int fd, rc;

	*tmp_out = NULL;
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = xpv_error_set(XPV_EIO, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	if (fchmod(fd, 0644) != 0) {
		rc = xpv_error_set(XPV_EIO, "cannot set mode of %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = xpv_error_set(XPV_EIO, "cannot open %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	rc = fill(f, arg);
	if (rc < 0) {
		/* every write failure names the file */
		char *why = xpv_strdup(xpv_error_last());

		rc = xpv_error_set(rc, "cannot write %s: %s", path, why);
		free(why);
		goto fail;
	}
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	*tmp_out = tmp;
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	unlink(tmp);
	free(tmp);
	return rc;
}

int xpv_write_atomic(const char *path, int (*fill)(FILE *out, void *arg), void *arg)
{
	char *tmp = NULL;
	int rc = xpv_write_temp(&tmp, path, fill, arg);

	if (rc < 0)
		return rc;
	if (rename(tmp, path) != 0) {
		rc = xpv_error_set(XPV_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int xpv_mkdir_p(const char *path)
{
	char *p = xpv_strdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		bool end = (*s == '\0');

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			rc = xpv_error_set(XPV_EIO, "cannot create directory %s: %s", p, strerror(errno));
			break;
		}
		if (end)
			break;
		*s = '/';
	}
	free(p);
	if (rc == 0) {
		struct stat st;

		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			rc = xpv_error_set(XPV_EIO, "cannot create directory %s: not a directory", path);
	}
	return rc;
}

int xpv_read_file(char **out, size_t *len, const char *path, size_t max)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	if (fd < 0)
		return xpv_error_set(XPV_EIO, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = xpv_error_set(XPV_EIO, "cannot read %s: %s", path,
				   S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		close(fd);
		return rc;
	}
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return xpv_error_set(XPV_EIO, "cannot read %s: larger than %zu bytes", path, max);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "rb");
	if (f == NULL) {
		rc = xpv_error_set(XPV_EIO, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xpv_realloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n > max) {
			rc = xpv_error_set(XPV_EIO, "cannot read %s: larger than %zu bytes", path, max);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = xpv_error_set(XPV_EIO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	buf = xpv_realloc(buf, n + 1);
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len != NULL)
		*len = n;
out:
	free(buf);
	fclose(f);
	return rc;
}

char *xpv_path_join(const char *dir, const char *name)
{
	if (name[0] == '/' || dir == NULL || dir[0] == '\0' || strcmp(dir, ".") == 0)
		return xpv_strdup(name);
	return xpv_asprintf("%s/%s", dir, name);
}

char *xpv_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xpv_strdup(".");
	if (slash == path)
		return xpv_strdup("/");
	return strndup(path, (size_t)(slash - path));
}

void xpv_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char *child;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = xpv_asprintf("%s/%s", path, e->d_name);
		xpv_remove_tree(child);
		free(child);
	}
	if (d != NULL)
		closedir(d);
	rmdir(path);
}

void xpv_rtrim(char *s)
{
	for (size_t end = s ? strlen(s) : 0; end > 0 && strchr(" \t\r\n", s[end - 1]); end--)
		s[end - 1] = '\0';
}

char *xpv_str_trim(char *s)
{
	if (s == NULL)
		return "";
	xpv_rtrim(s);
	return s + strspn(s, " \t\r\n");
}

char *xpv_iconv(const char *to, const char *from, const char *in, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open(to, from);
	size_t cap = 4 * len + 4, left = cap - 2, in_left = len;
	char *out, *op, *ip = (char *)in;

	if (cd == (iconv_t)-1)
		return NULL;
	out = xpv_calloc(cap, 1);
	op = out;
	if (iconv(cd, &ip, &in_left, &op, &left) == (size_t)-1 || in_left != 0) {
		free(out);
		out = NULL;
	} else if (out_len != NULL) {
		*out_len = (size_t)(op - out);
	}
	iconv_close(cd);
	return out;
}

char *xpv_str_lower(const char *s)
{
	char *out = xpv_strdup(s);

	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

bool xpv_url_split(const char *url, char **scheme, char **host)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL;
	bool ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK;

	*scheme = ok ? xpv_strdup(s) : NULL;
	*host = ok ? xpv_strdup(h) : NULL;
	curl_free(s);
	curl_free(h);
	curl_url_cleanup(u);
	return ok;
}

char *xpv_ps_quote(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = xpv_calloc(2 * n + 3, 1);

	out[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		/* U+2018..U+201B are E2 80 98..9B in UTF-8 */
		bool smart = (unsigned char)s[i] == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			     (unsigned char)s[i + 2] >= 0x98 && (unsigned char)s[i + 2] <= 0x9B;

		if (s[i] == '\'') {
			out[o++] = '\'';
			out[o++] = '\'';
		} else if (smart) {
			memcpy(out + o, s + i, 3);
			memcpy(out + o + 3, s + i, 3);
			o += 6;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o++] = '\'';
	return out;
}

char *xpv_powershell_encode(const char *script)
{
	size_t len = 0;
	char *utf16 = xpv_iconv("UTF-16LE", "UTF-8", script, strlen(script), &len), *b64;

	if (utf16 == NULL)
		return NULL;
	b64 = xpv_b64_encode(utf16, len);
	free(utf16);
	return b64;
}

char *xpv_b64_encode(const void *data, size_t len)
{
	char *out = xpv_calloc(4 * ((len + 2) / 3) + 1, 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int xpv_b64_decode(unsigned char **out, size_t *len, const char *text)
{
	size_t in_len = strlen(text);
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int out_len = 0, fin = 0, rc = 0;

	*out = NULL;
	*len = 0;
	if (ctx == NULL)
		return xpv_error_set(XPV_ENOMEM, "out of memory");
	*out = xpv_calloc(in_len / 4 * 3 + 4, 1);
	EVP_DecodeInit(ctx);
	if (in_len > INT_MAX || EVP_DecodeUpdate(ctx, *out, &out_len, (const unsigned char *)text, (int)in_len) < 0 ||
	    EVP_DecodeFinal(ctx, *out + out_len, &fin) < 0) {
		rc = xpv_error_set(XPV_EPROTO, "not base64");
		free(*out);
		*out = NULL;
	} else {
		*len = (size_t)(out_len + fin);
		(*out)[*len] = '\0';
	}
	EVP_ENCODE_CTX_free(ctx);
	return rc;
}

char *xpv_file_name(const char *data)
{
	size_t n = strlen(data), keep = n > 48 ? 48 : n;
	char *out = xpv_calloc(keep + 2 + 16 + 1, 1), *o = out;
	bool changed = n != keep || n == 0 || data[0] == '.';

	if (n == 0 || data[0] == '.')
		*o++ = '_';
	for (size_t i = 0; i < keep; i++) {
		char c = data[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '-' || c == '_';

		*o++ = ok ? c : '-';
		changed |= !ok;
	}
	if (changed) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int md_len = 0;

		EVP_Digest(data, n, md, &md_len, EVP_sha256(), NULL);
		snprintf(o, 17, "~%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
	}
	return out;
}
