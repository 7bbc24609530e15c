/* Reports. A run becomes one results document (the JSON written to
 * results.json); every reporter turns that document into its own file, so
 * all reports say the same thing and can be remade from results.json. */
#ifndef XPV_REPORT_H
#define XPV_REPORT_H

#include "runner.h"

#include <jansson.h>
#include <stdio.h>

#define XPV_RESULTS_SCHEMA_VERSION 1

struct xpv_reporter {
	const char *name; /* "json", "junit", "html" */
	/* Writes the report of results document `doc` to `out`. Returns 0 or a
	 * negative xpv_err with the last-error message set. */
	int (*write)(FILE *out, const json_t *doc);
};

extern const struct xpv_reporter xpv_reporter_json;
extern const struct xpv_reporter xpv_reporter_junit;
extern const struct xpv_reporter xpv_reporter_html;

/* Builds the results document of `run` (new reference). Every string in it
 * is cleaned (valid UTF-8, XML-safe) and redacted. */
json_t *xpv_report_document(const struct xpv_run *run);

/* Paths of the reports a run writes. */
struct xpv_report_paths {
	char *json;
	char *junit;
	char *html;
};

/* Writes results.json, JUnit and HTML for `run` into `dir` (created if
 * missing; NULL means the scenario's reports.dir) as a set: all are written
 * aside, then renamed into place. When one cannot be written none is, and
 * the earlier run's reports there are removed (never a mix of two runs).
 * Returns 0, or the error (last-error message set, naming the file and the
 * reason). `paths` receives the paths (free with xpv_report_paths_clear). */
int xpv_reports_write(struct xpv_report_paths *paths, const struct xpv_run *run, const char *dir);

/* Takes `dir`/.xpverify.lock (created with `dir`) for the rest of this
 * process, so two runs never write into one directory. Returns 0, 1 when
 * another run holds it (the message names its pid), or an error (the
 * directory cannot be made or locked: the report step will say so). */
int xpv_reports_lock(const char *dir);

void xpv_report_paths_clear(struct xpv_report_paths *paths);

/* Helpers for reporters: a string member of `obj`, "" when absent. */
const char *xpv_json_str(const json_t *obj, const char *key);
long long xpv_json_int(const json_t *obj, const char *key);

#endif
