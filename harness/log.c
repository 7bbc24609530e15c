#include "log.h"

#include "secrets.h"
#include "util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum xpv_log_level level = XPV_LOG_NORMAL;
static bool color;
static bool tty;
static bool progress_shown;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void xpv_log_setup(enum xpv_log_level lvl, bool color_wanted)
{
	const char *nc = getenv("NO_COLOR");

	level = lvl;
	tty = isatty(STDERR_FILENO) == 1;
	color = tty && color_wanted && (nc == NULL || nc[0] == '\0');
}

/* Caller holds the lock. */
static void clear_progress_locked(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = false;
	}
}

/* Log lines get a UTC timestamp when stderr is no terminal (CI logs);
 * errors and warnings are messages to a person and are never stamped. */
static void emit(const char *prefix, bool stamped, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void emit(const char *prefix, bool stamped, const char *fmt, va_list ap)
{
	char *raw = xpv_vasprintf(fmt, ap);
	char *text = xpv_redact(raw);
	char stamp[40] = "";

	if (!tty) {
		if (stamped) {
			xpv_format_time(stamp, sizeof(stamp) - 1, xpv_now_us(), XPV_TIME_ISO);
			strcat(stamp, " ");
		}
		pthread_mutex_lock(&lock);
		fprintf(stderr, "%s%s%s\n", stamp, prefix, text);
	} else {
		pthread_mutex_lock(&lock);
		clear_progress_locked();
		fprintf(stderr, "%s%s\n", prefix, text);
	}
	fflush(stderr);
	pthread_mutex_unlock(&lock);
	free(raw);
	free(text);
}

void xpv_log(enum xpv_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > level)
		return;
	va_start(ap, fmt);
	emit("", true, fmt, ap);
	va_end(ap);
}

void xpv_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("xpverify: error: ", false, fmt, ap);
	va_end(ap);
}

void xpv_log_warning(const char *fmt, ...)
{
	va_list ap;

	if (level == XPV_LOG_QUIET)
		return;
	va_start(ap, fmt);
	emit("xpverify: warning: ", false, fmt, ap);
	va_end(ap);
}

static const char *verdict_color(enum xpv_verdict v)
{
	switch (v) {
	case XPV_PASS: return "\033[32m";
	case XPV_FAIL: return "\033[31;1m";
	case XPV_ERROR: return "\033[35;1m";
	case XPV_WAIVED: return "\033[33m";
	default: return "\033[2m";
	}
}

void xpv_log_result(const struct xpv_result *r)
{
	const char *word = xpv_verdict_name(r->verdict);

	if (color)
		xpv_log(XPV_LOG_NORMAL, "%s%-6s\033[0m %s %s: %s", verdict_color(r->verdict), word,
			r->check_id, r->target, r->message ? r->message : "");
	else
		xpv_log(XPV_LOG_NORMAL, "%-6s %s %s: %s", word, r->check_id, r->target,
			r->message ? r->message : "");
}

void xpv_progress(const char *check_id, size_t done, size_t total, size_t results, int64_t elapsed_ms)
{
	if (!tty || level == XPV_LOG_QUIET)
		return;
	pthread_mutex_lock(&lock);
	fprintf(stderr, "\r\033[K[%zu/%zu] %s  %zu result%s  %lld.%lds", done, total, check_id, results,
		results == 1 ? "" : "s", (long long)(elapsed_ms / 1000), (long)(elapsed_ms % 1000) / 100);
	fflush(stderr);
	progress_shown = true;
	pthread_mutex_unlock(&lock);
}

void xpv_progress_clear(void)
{
	pthread_mutex_lock(&lock);
	clear_progress_locked();
	fflush(stderr);
	pthread_mutex_unlock(&lock);
}
