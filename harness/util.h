/* Small shared helpers: strings, clocks, text sanitising, files. */
#ifndef XPV_UTIL_H
#define XPV_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* strdup that accepts NULL (returns NULL). Aborts on allocation failure: an
 * out-of-memory harness cannot report anything truthful. */
char *xpv_strdup(const char *s);

/* Allocating printf; aborts on allocation failure like xpv_strdup. */
char *xpv_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xpv_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* calloc/realloc that abort on failure. */
void *xpv_calloc(size_t n, size_t size);
void *xpv_realloc(void *p, size_t size);

/* Wall-clock time in microseconds since the epoch (CLOCK_REALTIME). */
int64_t xpv_now_us(void);

/* Monotonic time in milliseconds, for deadlines and elapsed times. */
int64_t xpv_mono_ms(void);

/* The time on `clock` `ms` from now, for pthread_cond_timedwait on a
 * condition made with that clock (CLOCK_REALTIME unless its attribute
 * says otherwise). */
struct timespec xpv_clock_in(clockid_t clock, long ms);

/* xpv_clock_in(CLOCK_MONOTONIC, ms). */
#define xpv_mono_in(ms) xpv_clock_in(CLOCK_MONOTONIC, (ms))

/* Formats `us` (epoch microseconds, UTC) into `buf`:
 * XPV_TIME_ISO_US  2026-11-22T09:46:11.123456Z
 * XPV_TIME_ISO     2026-11-22T09:46:11Z
 * XPV_TIME_JUNIT   2026-11-22T09:46:11 (JUnit's zone-less form, UTC)
 * XPV_TIME_DATE    2026-11-22 */
enum xpv_time_fmt { XPV_TIME_ISO_US, XPV_TIME_ISO, XPV_TIME_JUNIT, XPV_TIME_DATE };
void xpv_format_time(char *buf, size_t len, int64_t us, enum xpv_time_fmt fmt);

/* Returns a new string equal to `s` where every byte sequence that is not
 * valid UTF-8, and every character XML 1.0 does not allow (controls other
 * than tab, newline, carriage return), is replaced by U+FFFD. The result is
 * safe for JSON, XML and HTML writers. NULL gives NULL. */
char *xpv_text_clean(const char *s);

/* Writes `path` atomically: `fill` writes the content to a temporary file in
 * the same directory, which is flushed, synced and renamed over `path`. On
 * any failure the temporary file is removed, `path` is left as it was, and a
 * negative xpv_err is returned with the last-error message set. `fill`
 * returns 0 or a negative xpv_err. */
int xpv_write_atomic(const char *path, int (*fill)(FILE *out, void *arg), void *arg);

/* The first half of xpv_write_atomic: `fill` writes a temporary file beside
 * `path`, flushed and synced; `*tmp_out` is its name, for the caller to
 * rename into place (or unlink). Failures as for xpv_write_atomic. */
int xpv_write_temp(char **tmp_out, const char *path, int (*fill)(FILE *out, void *arg), void *arg);

/* Creates `path` and its missing parents (mode 0755). */
int xpv_mkdir_p(const char *path);

/* Reads a whole regular file into a NUL-terminated buffer (at most `max`
 * bytes). A FIFO, a device or a directory is refused at once, never waited
 * on; so is a file over `max`, before it is read. */
int xpv_read_file(char **out, size_t *len, const char *path, size_t max);

/* Removes `path` and, for a directory, everything below it (no links are
 * followed). */
void xpv_remove_tree(const char *path);

/* Joins `dir` and `name` unless `name` is absolute. */
char *xpv_path_join(const char *dir, const char *name);

/* The directory part of `path` ("." when it has none). */
char *xpv_dirname(const char *path);

/* Cuts trailing spaces, tabs and line ends off `s` in place (NULL is fine). */
void xpv_rtrim(char *s);

/* The same at both ends: cuts the end in place and returns the first
 * character that is not a space, tab or line end ("" for NULL). */
char *xpv_str_trim(char *s);

/* A file name made from data (a node name, a target): letters, digits,
 * '.', '-' and '_' kept, anything else '-', never empty, never starting
 * with '.', at most 64 bytes (a longer or changed name gets a short hash of
 * the original, so two names do not collide). A new string. */
char *xpv_file_name(const char *data);

/* Base64 (OpenSSL's codec): a new NUL-terminated encoding of `len` bytes. */
char *xpv_b64_encode(const void *data, size_t len);

/* Converts `len` bytes of `in` from encoding `from` to `to` (iconv names:
 * "UTF-8", "UTF-16LE"); a new NUL-terminated buffer of *out_len bytes, or
 * NULL when the input is not valid in `from`. */
char *xpv_iconv(const char *to, const char *from, const char *in, size_t len, size_t *out_len);

/* `s` as a PowerShell single-quoted string literal (new string, quotes
 * included): every quote character PowerShell ends such a string with
 * (', and the typographic U+2018, U+2019, U+201A, U+201B) is doubled, so
 * no value from a cluster or a scenario can end the string early. */
char *xpv_ps_quote(const char *s);

/* A lower-case copy of `s` (ASCII letters only: host and domain names). */
char *xpv_str_lower(const char *s);

/* Splits URL `url` with libcurl's parser: *scheme and *host (new strings,
 * as written) when it has both; false when it is no URL. */
bool xpv_url_split(const char *url, char **scheme, char **host);

/* PowerShell's -EncodedCommand for `script`: base64 of its UTF-16LE form
 * (new string), or NULL when `script` is not UTF-8. */
char *xpv_powershell_encode(const char *script);

/* Decodes base64 `text` into a new buffer (`*len` bytes, NUL-terminated);
 * XPV_EPROTO when it is not base64. */
int xpv_b64_decode(unsigned char **out, size_t *len, const char *text);

#endif
