/* Console output: log lines, the live progress line, colours. Every line
 * passes through xpv_redact. On a terminal a progress line is redrawn in
 * place; otherwise each line is timestamped (UTC) for CI logs. */
#ifndef XPV_LOG_H
#define XPV_LOG_H

#include "results.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xpv_log_level { XPV_LOG_QUIET = 0, XPV_LOG_NORMAL = 1, XPV_LOG_VERBOSE = 2 };

/* Configures output once: `color_wanted` false (--no-color) or NO_COLOR set
 * in the environment disables colour; colour and the progress line are used
 * only when stderr is a terminal. */
void xpv_log_setup(enum xpv_log_level level, bool color_wanted);

/* Prints a line on stderr when `level` is at most the configured level. */
void xpv_log(enum xpv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "xpverify: error: ..." on stderr whatever the level. */
void xpv_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "xpverify: warning: ..." unless quiet. */
void xpv_log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line for a result: verdict word (coloured on a terminal), check,
 * target, message. */
void xpv_log_result(const struct xpv_result *r);

/* Redraws the progress line (terminal only, not quiet). */
void xpv_progress(const char *check_id, size_t checks_done, size_t checks_total, size_t results,
		  int64_t elapsed_ms);

/* Clears the progress line, if any. */
void xpv_progress_clear(void);

#endif
