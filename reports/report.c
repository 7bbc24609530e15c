#include "report.h"

#include "error.h"
#include "secrets.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* A cleaned, redacted JSON string, or null. */
static json_t *jstr(const char *s)
{
	char *clean, *red;
	json_t *j;

	if (s == NULL)
		return json_null();
	clean = xpv_text_clean(s);
	red = xpv_redact(clean);
	j = json_string(red);
	free(clean);
	free(red);
	return j != NULL ? j : json_null();
}

static json_t *jtime(int64_t us)
{
	char buf[48];

	xpv_format_time(buf, sizeof(buf), us, XPV_TIME_ISO_US);
	return json_string(buf);
}

/* The history store and its last runs (strings from the store cleaned and
 * redacted like every other), or null without a history. */
static json_t *history_json(const struct xpv_run *run)
{
	json_t *runs, *row;
	size_t i;

	if (run->history == NULL)
		return json_null();
	runs = json_array();
	json_array_foreach(json_object_get(run->history, "runs"), i, row) {
		json_t *copy = json_object(), *v;
		const char *k;

		json_object_foreach(row, k, v)
			json_object_set_new(copy, k, json_is_string(v) ? jstr(json_string_value(v)) : json_copy(v));
		json_array_append_new(runs, copy);
	}
	return json_pack("{s:o,s:o}", "store", jstr(xpv_json_str(run->history, "store")), "runs", runs);
}

static json_t *result_json(const struct xpv_result *r)
{
	json_t *o = json_object(), *figs = json_object(), *ev = json_array();

	json_object_set_new(o, "target", jstr(r->target));
	json_object_set_new(o, "verdict", json_string(xpv_verdict_name(r->verdict)));
	json_object_set_new(o, "expected", jstr(r->expected));
	json_object_set_new(o, "observed", jstr(r->observed));
	json_object_set_new(o, "message", jstr(r->message));
	json_object_set_new(o, "started", jtime(r->start_us));
	json_object_set_new(o, "finished", jtime(r->end_us));
	json_object_set_new(o, "started_us", json_integer(r->start_us));
	json_object_set_new(o, "finished_us", json_integer(r->end_us));
	json_object_set_new(o, "duration_ms", json_real((double)(r->end_us - r->start_us) / 1000.0));
	for (size_t i = 0; i < r->n_figures; i++)
		json_object_set_new(figs, r->figures[i].name, jstr(r->figures[i].value));
	json_object_set_new(o, "figures", figs);
	for (size_t i = 0; i < r->n_evidence; i++)
		json_array_append_new(ev, jstr(r->evidence[i]));
	json_object_set_new(o, "evidence", ev);
	if (r->verdict == XPV_WAIVED)
		json_object_set_new(o, "waiver", json_pack("{s:o,s:o}", "reason", jstr(r->waiver_reason),
							   "expires", jstr(r->waiver_expires)));
	else
		json_object_set_new(o, "waiver", json_null());
	json_object_set_new(o, "aborted", json_boolean(r->aborted));
	return o;
}

json_t *xpv_report_document(const struct xpv_run *run)
{
	const struct xpv_scenario *sc = run->sc;
	json_t *doc = json_object(), *r = json_object(), *s = json_object(), *nodes = json_array();
	json_t *summary = json_object(), *warnings = json_array(), *waivers = json_array();
	json_t *checks = json_array();
	size_t counts[XPV_VERDICT_COUNT] = { 0 };

	json_object_set_new(doc, "schema_version", json_integer(XPV_RESULTS_SCHEMA_VERSION));
	json_object_set_new(doc, "tool", json_pack("{s:s,s:s}", "name", "xpverify", "version", XPV_VERSION));

	json_object_set_new(r, "id", jstr(run->run_id));
	json_object_set_new(r, "started", jtime(run->start_us));
	json_object_set_new(r, "finished", jtime(run->end_us));
	json_object_set_new(r, "started_us", json_integer(run->start_us));
	json_object_set_new(r, "finished_us", json_integer(run->end_us));
	json_object_set_new(r, "duration_s", json_real((double)(run->end_us - run->start_us) / 1e6));
	json_object_set_new(r, "host", jstr(run->hostname));
	json_object_set_new(r, "verdict", json_string(xpv_run_verdict_name(run)));
	json_object_set_new(r, "exit_code", json_integer(run->exit_code));
	json_object_set_new(r, "aborted", json_boolean(run->aborted));
	json_object_set_new(r, "abort_reason", jstr(run->abort_reason));
	json_object_set_new(r, "deadline_exceeded", json_boolean(run->deadline_hit));
	json_object_set_new(doc, "run", r);

	json_object_set_new(s, "name", jstr(sc->name));
	json_object_set_new(s, "description", jstr(sc->description));
	json_object_set_new(s, "file", jstr(sc->file));
	json_object_set_new(s, "topology", json_string(sc->topology == XPV_TOPOLOGY_SAFEKIT ? "safekit" : "wsfc"));
	json_object_set_new(s, "cluster", json_pack("{s:o,s:o,s:o}", "name", jstr(sc->cluster.name), "role",
						    jstr(sc->cluster.role), "address", jstr(sc->cluster.address)));
	for (size_t i = 0; i < sc->n_nodes; i++)
		json_array_append_new(nodes, json_pack("{s:o,s:o,s:o,s:o}", "name", jstr(sc->nodes[i].name),
						       "host", jstr(sc->nodes[i].host), "fqdn",
						       jstr(sc->nodes[i].fqdn), "ip", jstr(sc->nodes[i].ip)));
	json_object_set_new(s, "nodes", nodes);
	json_object_set_new(doc, "scenario", s);

	for (size_t i = 0; i < run->n_results; i++)
		counts[run->results[i].verdict]++;
	json_object_set_new(summary, "total", json_integer((json_int_t)run->n_results));
	for (int v = 0; v < XPV_VERDICT_COUNT; v++)
		json_object_set_new(summary, xpv_verdict_name(v), json_integer((json_int_t)counts[v]));
	json_object_set_new(doc, "summary", summary);

	for (size_t i = 0; i < sc->n_warnings; i++)
		json_array_append_new(warnings, jstr(sc->warnings[i]));
	for (size_t i = 0; i < sc->n_waivers; i++) {
		const struct xpv_waiver *w = &sc->waivers[i];

		if (run->waiver_uses[i].expired) {
			char *t = xpv_asprintf("waiver for %s on '%s' expired on %s and no longer applies",
					       w->check, w->target, w->expires);

			json_array_append_new(warnings, jstr(t));
			free(t);
		}
		json_array_append_new(waivers,
				      json_pack("{s:o,s:o,s:o,s:o,s:b,s:I}", "check", jstr(w->check), "target",
						jstr(w->target), "reason", jstr(w->reason), "expires",
						jstr(w->expires), "expired", run->waiver_uses[i].expired, "uses",
						(json_int_t)run->waiver_uses[i].uses));
	}
	json_object_set_new(doc, "warnings", warnings);
	json_object_set_new(doc, "waivers", waivers);

	for (size_t i = 0; i < run->n_records; i++) {
		const struct xpv_check_record *rec = &run->records[i];
		const struct xpv_check *c = rec->check;
		json_t *co = json_object(), *results = json_array();

		json_object_set_new(co, "id", jstr(c->id));
		json_object_set_new(co, "title", jstr(c->title));
		json_object_set_new(co, "guide_section", jstr(c->guide_section));
		json_object_set_new(co, "disruptive", json_boolean(c->disruptive));
		json_object_set_new(co, "remediation", jstr(c->remediation));
		json_object_set_new(co, "verdict", json_string(xpv_verdict_name(xpv_run_check_verdict(run, c->id))));
		json_object_set_new(co, "ran", json_boolean(rec->ran));
		json_object_set_new(co, "started", rec->ran ? jtime(rec->start_us) : json_null());
		json_object_set_new(co, "finished", rec->ran ? jtime(rec->end_us) : json_null());
		json_object_set_new(co, "duration_ms", json_real(rec->ran ? (double)(rec->end_us - rec->start_us) / 1000.0 : 0.0));
		for (size_t j = 0; j < run->n_results; j++)
			if (strcmp(run->results[j].check_id, c->id) == 0)
				json_array_append_new(results, result_json(&run->results[j]));
		json_object_set_new(co, "results", results);
		json_array_append_new(checks, co);
	}
	json_object_set_new(doc, "checks", checks);
	json_object_set_new(doc, "history", history_json(run));
	return doc;
}

const char *xpv_json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

long long xpv_json_int(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

struct fill_arg {
	const struct xpv_reporter *rep;
	const json_t *doc;
};

static int fill(FILE *out, void *arg)
{
	const struct fill_arg *a = arg;

	return a->rep->write(out, a->doc);
}

int xpv_reports_write(struct xpv_report_paths *paths, const struct xpv_run *run, const char *dir)
{
	const struct xpv_scenario *sc = run->sc;
	const struct xpv_reporter *reps[] = { &xpv_reporter_json, &xpv_reporter_junit, &xpv_reporter_html };
	char **dst[] = { &paths->json, &paths->junit, &paths->html };
	const char *names[] = { sc->reports.json, sc->reports.junit, sc->reports.html };
	enum { N = sizeof(reps) / sizeof(reps[0]) };
	char *path[N] = { 0 }, *tmp[N] = { 0 };
	json_t *doc;
	int rc = 0;

	memset(paths, 0, sizeof(*paths));
	if (dir == NULL)
		dir = sc->reports.dir;
	rc = xpv_mkdir_p(dir);
	if (rc < 0)
		return rc;
	/* the set, or none of it: every report is written aside first, then
	 * all are renamed into place; a report of an earlier run is never
	 * left beside one of this run */
	doc = xpv_report_document(run);
	for (size_t i = 0; i < N && rc == 0; i++) {
		struct fill_arg a = { reps[i], doc };

		path[i] = xpv_path_join(dir, names[i]);
		rc = xpv_write_temp(&tmp[i], path[i], fill, &a);
		if (rc < 0) {
			char *why = xpv_strdup(xpv_error_last());

			xpv_error_set(rc, "%s report %s: %s", reps[i]->name, path[i], why);
			free(why);
		}
	}
	json_decref(doc);
	for (size_t i = 0; i < N && rc == 0; i++) {
		if (rename(tmp[i], path[i]) != 0) {
			rc = xpv_error_set(XPV_EIO, "cannot rename %s to %s: %s", tmp[i], path[i], strerror(errno));
			unlink(tmp[i]);
		} else {
			*dst[i] = xpv_strdup(path[i]);
		}
		free(tmp[i]);
		tmp[i] = NULL;
	}
	if (rc < 0) {
		/* no mix: the earlier run's reports go too, so that nothing (a CI
		 * job reading junit.xml, say) takes them for this run's */
		char *keep = xpv_strdup(xpv_error_last());

		for (size_t i = 0; i < N; i++) {
			if (tmp[i] != NULL)
				unlink(tmp[i]);
			if (path[i] != NULL)
				unlink(path[i]);
		}
		xpv_report_paths_clear(paths);
		xpv_error_set(rc, "%s; no report of this run was written, and the earlier ones in %s were removed",
			      keep, dir);
		free(keep);
	}
	for (size_t i = 0; i < N; i++) {
		free(tmp[i]);
		free(path[i]);
	}
	return rc;
}

void xpv_report_paths_clear(struct xpv_report_paths *paths)
{
	free(paths->json);
	free(paths->junit);
	free(paths->html);
	memset(paths, 0, sizeof(*paths));
}

int xpv_reports_lock(const char *dir)
{
	char *path, *holder = NULL, pid[32];
	int fd, rc = xpv_mkdir_p(dir);

	if (rc < 0)
		return rc;
	path = xpv_path_join(dir, ".xpverify.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		rc = xpv_error_set(XPV_EIO, "cannot lock %s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n;

		rc = errno;
		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		holder = pid[0] ? xpv_asprintf(" (pid %s)", pid) : xpv_strdup("");
		if (rc == EWOULDBLOCK) {
			xpv_error_set(XPV_EIO, "%s: another xpverify run%s writes its reports there", dir, holder);
			rc = 1;
		} else {
			rc = xpv_error_set(XPV_EIO, "cannot lock %s: %s", path, strerror(rc));
		}
		free(holder);
		free(path);
		close(fd);
		return rc;
	}
	/* held until this process ends: the descriptor is kept on purpose */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, pid, strlen(pid)) < 0)
		xpv_error_clear();
	free(path);
	return 0;
}
