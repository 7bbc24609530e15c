/* The HTML report: one self-contained file (inline CSS and SVG, no script,
 * no external resource). Written with libxml2's text writer so every string
 * is escaped by construction; only the constant style sheet is raw. */
#include "history.h"
#include "report.h"

#include "error.h"
#include "util.h"

#include <libxml/xmlwriter.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define W(call)                  \
	do {                     \
		if ((call) < 0)  \
			goto fail; \
	} while (0)

/* Constant, ours: written raw. Contains no '<'. */
static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:72em;"
	"padding:0 1em;color:#1b1b1b;line-height:1.4}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin:1.6em 0 .4em}"
	"table{border-collapse:collapse;width:100%;margin:.5em 0}"
	"th,td{border:1px solid #c8c8c8;padding:.3em .5em;text-align:left;vertical-align:top}"
	"th{background:#f0f0f0}td.msg{white-space:pre-wrap}"
	"table.meta{width:auto}table.meta th{font-weight:normal;color:#444}"
	".v{display:inline-block;min-width:4.5em;padding:.1em .4em;border-radius:.25em;font-weight:bold;"
	"text-align:center;text-transform:uppercase;border:1px solid transparent}"
	".v-pass{background:#dff3e2;color:#0b5d1e;border-color:#0b5d1e}"
	".v-fail{background:#fbe0e0;color:#8a1111;border-color:#8a1111}"
	".v-error{background:#f3e1f7;color:#5e1480;border-color:#5e1480}"
	".v-skip{background:#eeeeee;color:#444;border-color:#777}"
	".v-waived{background:#fff4d6;color:#6b4d00;border-color:#6b4d00}"
	".v-aborted{background:#fbe0e0;color:#8a1111;border-color:#8a1111}"
	".overall{font-size:1.3em;margin:.6em 0}"
	".warn{background:#fff4d6;border-left:.3em solid #b58100;padding:.4em .8em;margin:.3em 0}"
	".remedy{background:#f6f8fa;border-left:.3em solid #3a6ea5;padding:.4em .8em}"
	".muted{color:#555}svg{display:block;margin:.5em 0}"
	"td.cell-bad{background:#fbe0e0;color:#8a1111;font-weight:bold}"
	"svg.timeline text{font-size:12px;fill:#1b1b1b}svg.timeline text.head{font-weight:bold}"
	"svg.timeline .bar{stroke:#c8d6e8;stroke-width:3}svg.timeline .dot{fill:#3a6ea5}"
	"svg.timeline .axis{stroke:#555}svg.timeline .threshold{stroke:#c62828;stroke-dasharray:4 3}"
	"svg.timeline text.threshold-label{fill:#c62828}"
	"svg.trend text{font-size:12px;fill:#1b1b1b}svg.trend .line{fill:none;stroke:#3a6ea5;stroke-width:2}"
	"svg.trend .dot{fill:#3a6ea5}svg.trend .now{fill:#c62828}svg.trend .axis{stroke:#555}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}td.zero{color:#999}"
	"details>summary{cursor:pointer;color:#3a6ea5;margin:.3em 0}"
	"@media print{body{margin:0;max-width:none;font-size:10pt}"
	".v{background:none!important;color:#000!important;border-color:#000!important}"
	"section{break-inside:avoid-page}a{color:#000}details>summary{display:none}"
	"details{display:block}details>*{display:revert}}";

static int text_el(xmlTextWriterPtr w, const char *el, const char *cls, const char *text)
{
	if (xmlTextWriterStartElement(w, BAD_CAST el) < 0)
		return -1;
	if (cls != NULL && xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls) < 0)
		return -1;
	if (xmlTextWriterWriteString(w, BAD_CAST(text ? text : "")) < 0)
		return -1;
	return xmlTextWriterFullEndElement(w);
}

/* A verdict badge: the word, and a colour that only repeats it. */
static int badge(xmlTextWriterPtr w, const char *verdict)
{
	char *cls = xpv_asprintf("v v-%s", verdict);
	int rc = text_el(w, "span", cls, verdict);

	free(cls);
	return rc;
}

static int meta_row(xmlTextWriterPtr w, const char *label, const char *value)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "tr") < 0 || text_el(w, "th", NULL, label) < 0 ||
	    text_el(w, "td", NULL, value) < 0)
		return -1;
	return xmlTextWriterFullEndElement(w);
}

/* Summary bar: one rectangle per verdict, proportional to its count. */
/* Opens a <table> (of class `cls`, if any) and writes its header row. */
static int table_open(xmlTextWriterPtr w, const char *cls, const char *const *heads, size_t n)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "table") < 0 ||
	    (cls != NULL && xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls) < 0) ||
	    xmlTextWriterStartElement(w, BAD_CAST "tr") < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (text_el(w, "th", NULL, heads[i]) < 0)
			return -1;
	return xmlTextWriterFullEndElement(w);
}

static int summary_svg(xmlTextWriterPtr w, const json_t *summary)
{
	static const char *const order[] = { "pass", "fail", "error", "waived", "skip" };
	static const char *const fill[] = { "#2e8b3e", "#c62828", "#7b1fa2", "#d39e00", "#9e9e9e" };
	long long total = xpv_json_int(summary, "total");
	double x = 0;

	if (total <= 0)
		return 0;
	W(xmlTextWriterStartElement(w, BAD_CAST "svg"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2000/svg"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST "600"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST "18"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "role", BAD_CAST "img"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "aria-label", BAD_CAST "results by verdict"));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		long long n = xpv_json_int(summary, order[i]);
		double width = 600.0 * (double)n / (double)total;
		char xs[32], ws[32];
		char *title;

		if (n == 0)
			continue;
		snprintf(xs, sizeof(xs), "%.1f", x);
		snprintf(ws, sizeof(ws), "%.1f", width);
		W(xmlTextWriterStartElement(w, BAD_CAST "rect"));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "x", BAD_CAST xs));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "y", BAD_CAST "0"));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST ws));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST "18"));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "fill", BAD_CAST fill[i]));
		title = xpv_asprintf("%lld %s", n, order[i]);
		if (text_el(w, "title", NULL, title) < 0) {
			free(title);
			goto fail;
		}
		free(title);
		W(xmlTextWriterFullEndElement(w));
		x += width;
	}
	W(xmlTextWriterFullEndElement(w));
	return 0;
fail:
	return -1;
}

static int header(xmlTextWriterPtr w, const json_t *doc)
{
	const json_t *run = json_object_get(doc, "run"), *sc = json_object_get(doc, "scenario");
	const json_t *cl = json_object_get(sc, "cluster"), *summary = json_object_get(doc, "summary");
	const json_t *node, *warn;
	char *nodes = xpv_strdup(""), *title = NULL, *counts = NULL, *dur = NULL;
	size_t i;
	int rc = -1;

	json_array_foreach(json_object_get(sc, "nodes"), i, node) {
		char *next = xpv_asprintf("%s%s%s (%s)", nodes, i ? ", " : "", xpv_json_str(node, "name"),
					  xpv_json_str(node, "host"));

		free(nodes);
		nodes = next;
	}
	title = xpv_asprintf("xpverify report: %s", xpv_json_str(sc, "name"));
	W(text_el(w, "h1", NULL, title));
	W(xmlTextWriterStartElement(w, BAD_CAST "p"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "overall"));
	W(xmlTextWriterWriteString(w, BAD_CAST "Overall result: "));
	W(badge(w, xpv_json_str(run, "verdict")));
	if (json_is_true(json_object_get(run, "aborted"))) {
		char *why = xpv_asprintf(" (partial results: %s)", xpv_json_str(run, "abort_reason"));

		rc = xmlTextWriterWriteString(w, BAD_CAST why);
		free(why);
		W(rc);
		rc = -1;
	}
	W(xmlTextWriterFullEndElement(w));
	counts = xpv_asprintf("%lld results: %lld pass, %lld fail, %lld error, %lld waived, %lld skip",
			      xpv_json_int(summary, "total"), xpv_json_int(summary, "pass"),
			      xpv_json_int(summary, "fail"), xpv_json_int(summary, "error"),
			      xpv_json_int(summary, "waived"), xpv_json_int(summary, "skip"));
	W(text_el(w, "p", NULL, counts));
	W(summary_svg(w, summary));
	json_array_foreach(json_object_get(doc, "warnings"), i, warn) {
		char *t = xpv_asprintf("Warning: %s", json_string_value(warn));

		rc = text_el(w, "p", "warn", t);
		free(t);
		W(rc);
		rc = -1;
	}
	dur = xpv_asprintf("%.3f s", json_number_value(json_object_get(run, "duration_s")));
	W(xmlTextWriterStartElement(w, BAD_CAST "table"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "meta"));
	if (strcmp(xpv_json_str(sc, "topology"), "safekit") == 0) {
		/* Management Server Failover: a SafeKit pair on a virtual address */
		W(meta_row(w, "High availability", "Management Server Failover (SafeKit mirror module)"));
		W(meta_row(w, "Virtual name", xpv_json_str(cl, "name")));
		W(meta_row(w, "Virtual address", xpv_json_str(cl, "address")));
	} else {
		W(meta_row(w, "High availability", "Windows Server Failover Clustering"));
		W(meta_row(w, "Cluster", xpv_json_str(cl, "name")));
		W(meta_row(w, "Role", xpv_json_str(cl, "role")));
		W(meta_row(w, "Cluster address", xpv_json_str(cl, "address")));
	}
	W(meta_row(w, "Nodes", nodes));
	W(meta_row(w, "Scenario", xpv_json_str(sc, "name")));
	W(meta_row(w, "Scenario file", xpv_json_str(sc, "file")));
	if (json_is_string(json_object_get(sc, "description")))
		W(meta_row(w, "Description", xpv_json_str(sc, "description")));
	W(meta_row(w, "Run id", xpv_json_str(run, "id")));
	W(meta_row(w, "Started (UTC)", xpv_json_str(run, "started")));
	W(meta_row(w, "Finished (UTC)", xpv_json_str(run, "finished")));
	W(meta_row(w, "Duration", dur));
	W(meta_row(w, "Ran from", xpv_json_str(run, "host")));
	W(meta_row(w, "xpverify version", xpv_json_str(json_object_get(doc, "tool"), "version")));
	W(xmlTextWriterFullEndElement(w));
	rc = 0;
fail:
	free(nodes);
	free(title);
	free(counts);
	free(dur);
	return rc;
}


/* ---- pictures and tables for the guide's checks ------------------------- */

static int attr_num(xmlTextWriterPtr w, const char *name, double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.1f", v);
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST buf);
}

static int svg_text(xmlTextWriterPtr w, double x, double y, const char *anchor, const char *cls, const char *text)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "text") < 0 || attr_num(w, "x", x) < 0 || attr_num(w, "y", y) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "text-anchor", BAD_CAST anchor) < 0 ||
	    (cls && xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls) < 0) ||
	    xmlTextWriterWriteString(w, BAD_CAST text) < 0)
		return -1;
	return xmlTextWriterFullEndElement(w);
}

static int svg_line(xmlTextWriterPtr w, double x1, double y1, double x2, double y2, const char *cls)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "line") < 0 || attr_num(w, "x1", x1) < 0 || attr_num(w, "y1", y1) < 0 ||
	    attr_num(w, "x2", x2) < 0 || attr_num(w, "y2", y2) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls) < 0)
		return -1;
	return xmlTextWriterFullEndElement(w);
}

/* Opens an inline <svg> picture of class `cls`, described by `label`. */
static int svg_open(xmlTextWriterPtr w, double width, double height, const char *cls, const char *label)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "svg") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2000/svg") < 0 ||
	    attr_num(w, "width", width) < 0 || attr_num(w, "height", height) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST cls) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "role", BAD_CAST "img") < 0)
		return -1;
	return xmlTextWriterWriteAttribute(w, BAD_CAST "aria-label", BAD_CAST label);
}

struct stage_pt {
	const char *name;
	double ms;
};

static int stage_cmp(const void *a, const void *b)
{
	const struct stage_pt *x = a, *y = b;

	return (x->ms > y->ms) - (x->ms < y->ms);
}

/* The failover as a picture: each stage on a time axis from the trigger,
 * the takeover threshold marked. From the figures stage_ms.* and
 * takeover_max_ms of a takeover-time result. */
static int timeline_svg(xmlTextWriterPtr w, const json_t *res)
{
	const json_t *figs = json_object_get(res, "figures"), *v;
	struct stage_pt pts[16];
	size_t n = 0;
	const char *k;
	double max_ms = json_string_value(json_object_get(figs, "takeover_max_ms"))
				? strtod(json_string_value(json_object_get(figs, "takeover_max_ms")), NULL)
				: 0,
	       scale_ms = max_ms, left = 150, right = 80, width = 720, top = 36, row = 20, height, x0;
	char buf[64];

	json_object_foreach((json_t *)figs, k, v) {
		if (strncmp(k, "stage_ms.", 9) == 0 && n < 16 && json_string_value(v) != NULL) {
			pts[n].name = k + 9;
			pts[n].ms = strtod(json_string_value(v), NULL);
			if (pts[n].ms > scale_ms)
				scale_ms = pts[n].ms;
			n++;
		}
	}
	if (n == 0)
		return 0;
	qsort(pts, n, sizeof(pts[0]), stage_cmp);
	scale_ms = scale_ms > 0 ? scale_ms * 1.05 : 1;
	height = top + row * (double)n + 40;
	x0 = left;
#define X(ms) (x0 + ((ms) / scale_ms) * (width - left - right))
	W(svg_open(w, width, height, "timeline", "failover stages from the trigger"));
	W(svg_text(w, 10, 16, "start", "head", "Failover stages, milliseconds after the trigger"));
	for (size_t i = 0; i < n; i++) {
		double y = top + row * (double)i + 10;

		W(svg_text(w, left - 8, y + 4, "end", NULL, pts[i].name));
		W(svg_line(w, X(0), y, X(pts[i].ms), y, "bar"));
		W(xmlTextWriterStartElement(w, BAD_CAST "circle"));
		W(attr_num(w, "cx", X(pts[i].ms)));
		W(attr_num(w, "cy", y));
		W(attr_num(w, "r", 4));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "dot"));
		W(xmlTextWriterFullEndElement(w));
		snprintf(buf, sizeof(buf), "%.0f ms", pts[i].ms);
		W(svg_text(w, X(pts[i].ms) + 8, y + 4, "start", NULL, buf));
	}
	/* axis */
	W(svg_line(w, X(0), height - 30, X(scale_ms), height - 30, "axis"));
	for (int t = 0; t <= 4; t++) {
		double ms = scale_ms * t / 4;

		W(svg_line(w, X(ms), height - 33, X(ms), height - 27, "axis"));
		snprintf(buf, sizeof(buf), "%.1f s", ms / 1000);
		W(svg_text(w, X(ms), height - 14, "middle", NULL, buf));
	}
	if (max_ms > 0) {
		W(svg_line(w, X(max_ms), top - 8, X(max_ms), height - 30, "threshold"));
		snprintf(buf, sizeof(buf), "threshold %.1f s", max_ms / 1000);
		W(svg_text(w, X(max_ms), top - 12, "middle", "threshold-label", buf));
	}
#undef X
	W(xmlTextWriterFullEndElement(w));
	return 0;
fail:
	return -1;
}

/* Node x service: start mode and state, from the startup-type and
 * service-status results (targets NODE/SERVICE). */
static int matrix(xmlTextWriterPtr w, const json_t *doc)
{
	const json_t *checks = json_object_get(doc, "checks"), *check, *res;
	const json_t *nodes = json_object_get(json_object_get(doc, "scenario"), "nodes"), *node;
	json_t *cells = json_object(), *services = json_array();
	size_t i, j, k;
	int rc = -1;

	json_array_foreach(checks, i, check) {
		const char *id = xpv_json_str(check, "id");
		bool mode = strcmp(id, "startup-type-manual") == 0;

		if (!mode && strcmp(id, "service-status-matches-cluster") != 0)
			continue;
		json_array_foreach(json_object_get(check, "results"), j, res) {
			const char *target = xpv_json_str(res, "target"), *slash = strchr(target, '/');
			const json_t *f = json_object_get(res, "figures");
			const char *value = json_string_value(json_object_get(f, mode ? "start_mode" : "service_state"));
			json_t *cell;
			bool known = false;

			if (slash == NULL || value == NULL || strstr(target, "(after ") != NULL)
				continue;
			cell = json_object_get(cells, target);
			if (cell == NULL) {
				cell = json_object();
				json_object_set_new(cells, target, cell);
			}
			json_object_set_new(cell, mode ? "mode" : "state", json_string(value));
			if (strcmp(xpv_json_str(res, "verdict"), "fail") == 0)
				json_object_set_new(cell, "bad", json_true());
			json_array_foreach(services, k, node)
				known |= strcmp(json_string_value(node), slash + 1) == 0;
			if (!known)
				json_array_append_new(services, json_string(slash + 1));
		}
	}
	if (json_array_size(services) == 0) {
		rc = 0;
		goto out;
	}
	W(xmlTextWriterStartElement(w, BAD_CAST "section"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "matrix"));
	W(text_el(w, "h2", NULL, "Nodes and services: start mode and state"));
	W(xmlTextWriterStartElement(w, BAD_CAST "table"));
	W(xmlTextWriterStartElement(w, BAD_CAST "tr"));
	W(text_el(w, "th", NULL, "Node"));
	json_array_foreach(services, k, node)
		W(text_el(w, "th", NULL, json_string_value(node)));
	W(xmlTextWriterFullEndElement(w));
	json_array_foreach(nodes, i, node) {
		W(xmlTextWriterStartElement(w, BAD_CAST "tr"));
		W(text_el(w, "th", NULL, xpv_json_str(node, "name")));
		json_array_foreach(services, k, res) {
			char *key = xpv_asprintf("%s/%s", xpv_json_str(node, "name"), json_string_value(res));
			const json_t *cell = json_object_get(cells, key);
			char *text = cell ? xpv_asprintf("%s / %s", json_object_get(cell, "mode") ? xpv_json_str(cell, "mode") : "?",
							 json_object_get(cell, "state") ? xpv_json_str(cell, "state") : "?")
					  : xpv_strdup("no answer");
			int wrc = text_el(w, "td", cell && json_is_true(json_object_get(cell, "bad")) ? "cell-bad" : NULL, text);

			free(key);
			free(text);
			W(wrc);
		}
		W(xmlTextWriterFullEndElement(w));
	}
	W(xmlTextWriterFullEndElement(w));
	W(text_el(w, "p", "muted", "Start mode / state of each role service. Marked cells failed a check."));
	W(xmlTextWriterFullEndElement(w));
	rc = 0;
fail:
out:
	json_decref(cells);
	json_decref(services);
	return rc;
}

/* The certificates served: SANs, what is missing, expiry. */
static int cert_table(xmlTextWriterPtr w, const json_t *check)
{
	const json_t *res;
	size_t i;

	W(table_open(w, "certs", (const char *const[]){ "Endpoint", "Subject alternative names", "Missing", "Valid until" },
		     4));
	json_array_foreach(json_object_get(check, "results"), i, res) {
		const json_t *f = json_object_get(res, "figures");
		const char *missing = xpv_json_str(f, "missing");

		if (json_object_get(f, "sans") == NULL)
			continue;
		W(xmlTextWriterStartElement(w, BAD_CAST "tr"));
		W(text_el(w, "td", NULL, xpv_json_str(res, "target")));
		W(text_el(w, "td", "msg", xpv_json_str(f, "sans")));
		W(text_el(w, "td", missing[0] ? "cell-bad" : NULL, missing[0] ? missing : "none"));
		W(text_el(w, "td", NULL, xpv_json_str(f, "not_after")));
		W(xmlTextWriterFullEndElement(w));
	}
	W(xmlTextWriterFullEndElement(w));
	return 0;
fail:
	return -1;
}

/* One row of a results table. */
static int result_row(xmlTextWriterPtr w, const json_t *res)
{
	const json_t *wv = json_object_get(res, "waiver");
	char *details = json_is_object(wv) ? xpv_asprintf("%s\nWaived until %s: %s", xpv_json_str(res, "message"),
							  xpv_json_str(wv, "expires"), xpv_json_str(wv, "reason"))
					   : xpv_strdup(xpv_json_str(res, "message"));
	int rc = -1;

	if (xmlTextWriterStartElement(w, BAD_CAST "tr") >= 0 && text_el(w, "td", NULL, xpv_json_str(res, "target")) >= 0 &&
	    xmlTextWriterStartElement(w, BAD_CAST "td") >= 0 && badge(w, xpv_json_str(res, "verdict")) >= 0 &&
	    xmlTextWriterFullEndElement(w) >= 0 && text_el(w, "td", "msg", xpv_json_str(res, "expected")) >= 0 &&
	    text_el(w, "td", "msg", xpv_json_str(res, "observed")) >= 0 && text_el(w, "td", "msg", details) >= 0 &&
	    xmlTextWriterFullEndElement(w) >= 0)
		rc = 0;
	free(details);
	return rc;
}

static bool is_bad(const char *verdict)
{
	return strcmp(verdict, "fail") == 0 || strcmp(verdict, "error") == 0;
}

/* First thing under the verdict: every check in one table, its guide step
 * and how many results of each verdict it has, linked to its section. */
static int summary_table(xmlTextWriterPtr w, const json_t *doc)
{
	static const char *const verdicts[] = { "fail", "error", "pass", "waived", "skip" };
	const json_t *check, *res;
	size_t i, k;

	W(xmlTextWriterStartElement(w, BAD_CAST "section"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "summary"));
	W(text_el(w, "h2", NULL, "Summary"));
	W(table_open(w, "summary", (const char *const[]){ "Check", "Verdict", "Fail", "Error", "Pass", "Waived", "Skip",
							  "Guide step" }, 8));
	json_array_foreach(json_object_get(doc, "checks"), i, check) {
		const char *id = xpv_json_str(check, "id");
		char *href = xpv_asprintf("#%s", id);
		long n[5] = { 0 };

		json_array_foreach(json_object_get(check, "results"), k, res)
			for (size_t v = 0; v < 5; v++)
				n[v] += strcmp(xpv_json_str(res, "verdict"), verdicts[v]) == 0;
		if (xmlTextWriterStartElement(w, BAD_CAST "tr") < 0 || xmlTextWriterStartElement(w, BAD_CAST "td") < 0 ||
		    xmlTextWriterStartElement(w, BAD_CAST "a") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST href) < 0 ||
		    xmlTextWriterWriteString(w, BAD_CAST id) < 0 || xmlTextWriterFullEndElement(w) < 0 ||
		    xmlTextWriterFullEndElement(w) < 0 || xmlTextWriterStartElement(w, BAD_CAST "td") < 0 ||
		    badge(w, xpv_json_str(check, "verdict")) < 0 || xmlTextWriterFullEndElement(w) < 0) {
			free(href);
			return -1;
		}
		free(href);
		for (size_t v = 0; v < 5; v++) {
			char num[24];

			snprintf(num, sizeof(num), "%ld", n[v]);
			W(text_el(w, "td", n[v] ? "n" : "n zero", num));
		}
		W(text_el(w, "td", NULL, xpv_json_str(check, "guide_section")));
		W(xmlTextWriterFullEndElement(w));
	}
	W(xmlTextWriterFullEndElement(w));
	return xmlTextWriterFullEndElement(w);
fail:
	return -1;
}

/* Then what needs a reader's attention: every failed or errored result,
 * each check's remediation once. */
static int attention(xmlTextWriterPtr w, const json_t *doc)
{
	const json_t *check, *res;
	size_t i, k, shown = 0;

	W(xmlTextWriterStartElement(w, BAD_CAST "section"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "attention"));
	W(text_el(w, "h2", NULL, "Failures and errors"));
	json_array_foreach(json_object_get(doc, "checks"), i, check) {
		size_t bad = 0;

		json_array_foreach(json_object_get(check, "results"), k, res)
			bad += is_bad(xpv_json_str(res, "verdict"));
		if (bad == 0)
			continue;
		shown += bad;
		W(text_el(w, "h3", NULL, xpv_json_str(check, "id")));
		W(table_open(w, "attention", (const char *const[]){ "Target", "Result", "Expected", "Observed", "Details" }, 5));
		json_array_foreach(json_object_get(check, "results"), k, res)
			if (is_bad(xpv_json_str(res, "verdict")))
				W(result_row(w, res));
		W(xmlTextWriterFullEndElement(w));
		{
			char *t = xpv_asprintf("How to fix: %s", xpv_json_str(check, "remediation"));
			int rc = text_el(w, "p", "remedy", t);

			free(t);
			W(rc);
		}
	}
	if (shown == 0)
		W(text_el(w, "p", "muted", "Nothing failed and nothing was left unevaluated."));
	return xmlTextWriterFullEndElement(w);
fail:
	return -1;
}

static int check_section(xmlTextWriterPtr w, const json_t *check)
{
	const json_t *res;
	const char *verdict = xpv_json_str(check, "verdict");
	char *h = xpv_asprintf("%s: %s ", xpv_json_str(check, "id"), xpv_json_str(check, "title"));
	char *guide = xpv_asprintf("Guide step: %s%s", xpv_json_str(check, "guide_section"),
				   json_is_true(json_object_get(check, "disruptive")) ? " (disruptive)" : "");
	size_t i;
	int rc = -1;

	W(xmlTextWriterStartElement(w, BAD_CAST "section"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST xpv_json_str(check, "id")));
	W(xmlTextWriterStartElement(w, BAD_CAST "h2"));
	W(xmlTextWriterWriteString(w, BAD_CAST h));
	W(badge(w, verdict));
	W(xmlTextWriterFullEndElement(w));
	W(text_el(w, "p", "muted", guide));
	/* what did not pass in the open; passing rows folded (no script) */
	{
		size_t n_pass = 0, n_other = 0;

		json_array_foreach(json_object_get(check, "results"), i, res) {
			if (strcmp(xpv_json_str(res, "verdict"), "pass") == 0)
				n_pass++;
			else
				n_other++;
		}
		if (n_other > 0) {
			W(table_open(w, NULL, (const char *const[]){ "Target", "Result", "Expected", "Observed", "Details" }, 5));
			json_array_foreach(json_object_get(check, "results"), i, res)
				if (strcmp(xpv_json_str(res, "verdict"), "pass") != 0)
					W(result_row(w, res));
			W(xmlTextWriterFullEndElement(w));
		}
		if (n_pass > 0) {
			char *sum = xpv_asprintf("%zu passing result%s", n_pass, n_pass == 1 ? "" : "s");

			W(xmlTextWriterStartElement(w, BAD_CAST "details"));
			W(xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "passing"));
			rc = text_el(w, "summary", NULL, sum);
			free(sum);
			W(rc);
			rc = -1;
			W(table_open(w, NULL, (const char *const[]){ "Target", "Result", "Expected", "Observed", "Details" }, 5));
			json_array_foreach(json_object_get(check, "results"), i, res)
				if (strcmp(xpv_json_str(res, "verdict"), "pass") == 0)
					W(result_row(w, res));
			W(xmlTextWriterFullEndElement(w));
			W(xmlTextWriterFullEndElement(w));
		}
	}
	if (strcmp(xpv_json_str(check, "id"), "failover-takeover") == 0) {
		json_array_foreach(json_object_get(check, "results"), i, res) {
			const char *t = xpv_json_str(res, "target");
			size_t tl = strlen(t);

			if (tl >= 13 && strcmp(t + tl - 13, "takeover-time") == 0)
				W(timeline_svg(w, res));
		}
	}
	if (strcmp(xpv_json_str(check, "id"), "certificate-san") == 0)
		W(cert_table(w, check));
	if (strcmp(verdict, "fail") == 0 || strcmp(verdict, "error") == 0 || strcmp(verdict, "waived") == 0) {
		char *t = xpv_asprintf("How to fix: %s", xpv_json_str(check, "remediation"));

		rc = text_el(w, "p", "remedy", t);
		free(t);
		W(rc);
		rc = -1;
	}
	W(xmlTextWriterFullEndElement(w));
	rc = 0;
fail:
	free(h);
	free(guide);
	return rc;
}

static int waivers_section(xmlTextWriterPtr w, const json_t *doc)
{
	const json_t *waivers = json_object_get(doc, "waivers"), *wv;
	size_t i;

	if (json_array_size(waivers) == 0)
		return 0;
	W(xmlTextWriterStartElement(w, BAD_CAST "section"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "waivers"));
	W(text_el(w, "h2", NULL, "Waivers"));
	W(table_open(w, NULL, (const char *const[]){ "Check", "Target", "Reason", "Expires", "Status" }, 5));
	json_array_foreach(waivers, i, wv) {
		bool expired = json_is_true(json_object_get(wv, "expired"));
		char *status = expired ? xpv_strdup("EXPIRED: no longer applies")
				       : xpv_asprintf("active, applied to %lld result%s", xpv_json_int(wv, "uses"),
						      xpv_json_int(wv, "uses") == 1 ? "" : "s");
		int rc = xmlTextWriterStartElement(w, BAD_CAST "tr") < 0 ||
			 text_el(w, "td", NULL, xpv_json_str(wv, "check")) < 0 ||
			 text_el(w, "td", NULL, xpv_json_str(wv, "target")) < 0 ||
			 text_el(w, "td", NULL, xpv_json_str(wv, "reason")) < 0 ||
			 text_el(w, "td", NULL, xpv_json_str(wv, "expires")) < 0 ||
			 text_el(w, "td", expired ? "v-fail" : NULL, status) < 0 ||
			 xmlTextWriterFullEndElement(w) < 0;

		free(status);
		if (rc)
			goto fail;
	}
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterFullEndElement(w));
	return 0;
fail:
	return -1;
}

static int trend_dot(xmlTextWriterPtr w, double x, double y, bool now, const json_t *r)
{
	char tip[160];

	snprintf(tip, sizeof(tip), "%s: %.0f ms (%s)%s", xpv_json_str(r, "started"),
		 json_number_value(json_object_get(r, "takeover_ms")), xpv_json_str(r, "verdict"),
		 now ? ", this run" : "");
	if (xmlTextWriterStartElement(w, BAD_CAST "circle") < 0 || attr_num(w, "cx", x) < 0 ||
	    attr_num(w, "cy", y) < 0 || attr_num(w, "r", now ? 5 : 3.5) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST(now ? "now" : "dot")) < 0 ||
	    text_el(w, "title", NULL, tip) < 0)
		return -1;
	return xmlTextWriterFullEndElement(w);
}

/* The takeover time of the last runs of this scenario from the history
 * store, oldest left, this run marked: a line over the runs that measured
 * one. */
static int trend_svg(xmlTextWriterPtr w, const json_t *runs, const char *run_id)
{
	const json_t *pts[XPV_HISTORY_TREND_RUNS];
	size_t n = 0, i;
	const json_t *r;
	double max_ms = 0, left = 70, right = 20, width = 720, top = 30, plot = 160, height = top + plot + 40;
	char buf[64], *points = xpv_strdup("");

	/* runs come newest first */
	for (i = json_array_size(runs); i-- > 0 && n < XPV_HISTORY_TREND_RUNS;) {
		r = json_array_get(runs, i);
		if (!json_is_number(json_object_get(r, "takeover_ms")))
			continue;
		pts[n++] = r;
		if (json_number_value(json_object_get(r, "takeover_ms")) > max_ms)
			max_ms = json_number_value(json_object_get(r, "takeover_ms"));
	}
	if (n == 0) {
		free(points);
		return text_el(w, "p", "muted", "No run of this scenario has a takeover time on record yet.");
	}
	max_ms = max_ms > 0 ? max_ms * 1.1 : 1;
#define X(k) (n == 1 ? (left + width - right) / 2 : left + (double)(k) * (width - left - right) / (double)(n - 1))
#define Y(ms) (top + plot - (ms) / max_ms * plot)
	for (i = 0; i < n; i++) {
		char *next = xpv_asprintf("%s%s%.1f,%.1f", points, i ? " " : "", X(i),
					  Y(json_number_value(json_object_get(pts[i], "takeover_ms"))));

		free(points);
		points = next;
	}
	snprintf(buf, sizeof(buf), "takeover time of the last %zu runs", n);
	W(svg_open(w, width, height, "trend", buf));
	W(svg_text(w, 10, 16, "start", NULL, "Takeover time per run, milliseconds (oldest left, this run red)"));
	W(svg_line(w, left, top, left, top + plot, "axis"));
	W(svg_line(w, left, top + plot, width - right, top + plot, "axis"));
	for (int t = 0; t <= 2; t++) {
		snprintf(buf, sizeof(buf), "%.0f ms", max_ms * t / 2);
		W(svg_text(w, left - 6, Y(max_ms * t / 2) + 4, "end", NULL, buf));
	}
	W(svg_text(w, X(0), top + plot + 18, n == 1 ? "middle" : "start", NULL, xpv_json_str(pts[0], "started")));
	if (n > 1)
		W(svg_text(w, X(n - 1), top + plot + 18, "end", NULL, xpv_json_str(pts[n - 1], "started")));
	W(xmlTextWriterStartElement(w, BAD_CAST "polyline"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "class", BAD_CAST "line"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "points", BAD_CAST points));
	W(xmlTextWriterFullEndElement(w));
	for (i = 0; i < n; i++)
		W(trend_dot(w, X(i), Y(json_number_value(json_object_get(pts[i], "takeover_ms"))),
			    strcmp(xpv_json_str(pts[i], "run_id"), run_id) == 0, pts[i]));
#undef X
#undef Y
	W(xmlTextWriterFullEndElement(w));
	free(points);
	return 0;
fail:
	free(points);
	return -1;
}

/* The history section: where runs are kept and the takeover trend. */
static int history_section(xmlTextWriterPtr w, const json_t *doc)
{
	const json_t *hist = json_object_get(doc, "history");
	const json_t *runs = json_object_get(hist, "runs");
	char *line;
	int rc;

	if (!json_is_object(hist))
		return 0;
	W(xmlTextWriterStartElement(w, BAD_CAST "section"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "history"));
	W(text_el(w, "h2", NULL, "Takeover time over the last runs"));
	line = xpv_asprintf("%zu run%s of this scenario from the history store %s.", json_array_size(runs),
			    json_array_size(runs) == 1 ? "" : "s", xpv_json_str(hist, "store"));
	rc = text_el(w, "p", "muted", line);
	free(line);
	W(rc);
	W(trend_svg(w, runs, xpv_json_str(json_object_get(doc, "run"), "id")));
	W(xmlTextWriterFullEndElement(w));
	return 0;
fail:
	return -1;
}

static int html_write(FILE *out, const json_t *doc)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL;
	const json_t *sc = json_object_get(doc, "scenario"), *run = json_object_get(doc, "run"), *check;
	char *title = NULL;
	size_t i;
	int rc = XPV_EREPORT, io_errno = 0;

	if (w == NULL)
		goto fail;
	title = xpv_asprintf("xpverify: %s: %s", xpv_json_str(sc, "name"), xpv_json_str(run, "verdict"));
	W(xmlTextWriterWriteRaw(w, BAD_CAST "<!DOCTYPE html>\n"));
	W(xmlTextWriterStartElement(w, BAD_CAST "html"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "lang", BAD_CAST "en"));
	W(xmlTextWriterStartElement(w, BAD_CAST "head"));
	W(xmlTextWriterStartElement(w, BAD_CAST "meta"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "charset", BAD_CAST "utf-8"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "meta"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "viewport"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "content", BAD_CAST "width=device-width, initial-scale=1"));
	W(xmlTextWriterEndElement(w));
	W(text_el(w, "title", NULL, title));
	W(xmlTextWriterStartElement(w, BAD_CAST "style"));
	W(xmlTextWriterWriteRaw(w, BAD_CAST css));
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "body"));
	W(xmlTextWriterStartElement(w, BAD_CAST "header"));
	W(header(w, doc));
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "main"));
	W(summary_table(w, doc));
	W(attention(w, doc));
	W(matrix(w, doc));
	W(history_section(w, doc));
	json_array_foreach(json_object_get(doc, "checks"), i, check)
		W(check_section(w, check));
	W(waivers_section(w, doc));
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterFlush(w));
	xmlFreeTextWriter(w);
	w = NULL;
	if (fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), out) != (size_t)xmlBufferLength(buf) ||
	    fputc('\n', out) == EOF) {
		io_errno = errno; /* the disk's reason, not the writer's */
		goto fail;
	}
	rc = 0;
fail:
	free(title);
	if (w != NULL)
		xmlFreeTextWriter(w);
	if (buf != NULL)
		xmlBufferFree(buf);
	if (rc < 0 && io_errno != 0)
		return xpv_error_set(XPV_EIO, "%s", strerror(io_errno));
	if (rc < 0)
		return xpv_error_set(rc, "cannot produce the HTML report");
	return 0;
}

const struct xpv_reporter xpv_reporter_html = { .name = "html", .write = html_write };
