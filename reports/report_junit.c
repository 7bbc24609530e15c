/* JUnit XML: one testsuite per check, one testcase per target. Valid against
 * the strict Apache Ant schema (JUnit.xsd) and Jenkins' junit-10.xsd: the
 * testsuites element carries no attributes, every testsuite has package and
 * id, properties first, system-out and system-err last. */
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

/* xs:token form of `s`: no tabs or newlines, single spaces, trimmed. The
 * schema normalises names this way, so uniqueness is decided on this form. */
static char *token(const char *s)
{
	char *out = xpv_calloc(strlen(s) + 1, 1);
	size_t o = 0;
	bool space = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

/* A testcase name not yet used in this suite: GitLab keeps only the first of
 * duplicate (classname, name) pairs. */
static char *unique_name(const char *target, char ***used, size_t *n_used)
{
	char *base = token(target[0] ? target : "cluster");
	char *name = xpv_strdup(base[0] ? base : "cluster");

	for (int k = 2;; k++) {
		bool dup = false;

		for (size_t i = 0; i < *n_used && !dup; i++)
			dup = strcmp((*used)[i], name) == 0;
		if (!dup)
			break;
		free(name);
		name = xpv_asprintf("%s (%d)", base, k);
	}
	free(base);
	*used = xpv_realloc(*used, (*n_used + 1) * sizeof(**used));
	(*used)[(*n_used)++] = name;
	return name;
}

static int property(xmlTextWriterPtr w, const char *name, const char *value)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "property") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "value", BAD_CAST value) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int run_properties(xmlTextWriterPtr w, const json_t *doc)
{
	const json_t *run = json_object_get(doc, "run"), *sc = json_object_get(doc, "scenario");
	const json_t *cl = json_object_get(sc, "cluster"), *warn;
	size_t i;

	if (property(w, "xpverify.version", xpv_json_str(json_object_get(doc, "tool"), "version")) < 0 ||
	    property(w, "xpverify.run_id", xpv_json_str(run, "id")) < 0 ||
	    property(w, "xpverify.run_verdict", xpv_json_str(run, "verdict")) < 0 ||
	    property(w, "xpverify.scenario", xpv_json_str(sc, "name")) < 0 ||
	    property(w, "xpverify.scenario_file", xpv_json_str(sc, "file")) < 0 ||
	    property(w, "xpverify.cluster", xpv_json_str(cl, "name")) < 0 ||
	    property(w, "xpverify.cluster_role", xpv_json_str(cl, "role")) < 0 ||
	    property(w, "xpverify.cluster_address", xpv_json_str(cl, "address")) < 0)
		return -1;
	json_array_foreach(json_object_get(doc, "warnings"), i, warn) {
		char name[48];

		snprintf(name, sizeof(name), "xpverify.warning.%zu", i + 1);
		if (property(w, name, json_string_value(warn)) < 0)
			return -1;
	}
	return 0;
}

static int testcase(xmlTextWriterPtr w, const json_t *check, const json_t *res, const char *name)
{
	const char *verdict = xpv_json_str(res, "verdict");
	const char *msg = xpv_json_str(res, "message");
	char *classname = xpv_asprintf("xpverify.%s", xpv_json_str(check, "id"));
	char time[32];
	int rc = -1;

	snprintf(time, sizeof(time), "%.3f", json_number_value(json_object_get(res, "duration_ms")) / 1000.0);
	W(xmlTextWriterStartElement(w, BAD_CAST "testcase"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST classname));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST time));
	if (strcmp(verdict, "fail") == 0 || strcmp(verdict, "error") == 0) {
		char *body = xpv_asprintf("expected: %s\nobserved: %s\n%s%s%s",
					  xpv_json_str(res, "expected"), xpv_json_str(res, "observed"),
					  strcmp(verdict, "fail") == 0 ? "remediation: " : "",
					  strcmp(verdict, "fail") == 0 ? xpv_json_str(check, "remediation") : "",
					  strcmp(verdict, "fail") == 0 ? "\n" : "");

		if (xmlTextWriterStartElement(w, BAD_CAST(verdict[0] == 'f' ? "failure" : "error")) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST verdict) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg) < 0 ||
		    xmlTextWriterWriteString(w, BAD_CAST body) < 0 || xmlTextWriterEndElement(w) < 0) {
			free(body);
			goto fail;
		}
		free(body);
	} else if (strcmp(verdict, "skip") == 0 || strcmp(verdict, "waived") == 0) {
		const json_t *wv = json_object_get(res, "waiver");
		char *text = json_is_object(wv)
				     ? xpv_asprintf("waived: %s (waiver expires %s); observed failure: %s",
						    xpv_json_str(wv, "reason"), xpv_json_str(wv, "expires"), msg)
				     : xpv_asprintf("skipped: %s", msg);

		if (xmlTextWriterStartElement(w, BAD_CAST "skipped") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST text) < 0 ||
		    xmlTextWriterEndElement(w) < 0) {
			free(text);
			goto fail;
		}
		free(text);
	}
	W(xmlTextWriterEndElement(w));
	rc = 0;
fail:
	free(classname);
	return rc;
}

static int testsuite(xmlTextWriterPtr w, const json_t *doc, const json_t *check, size_t id)
{
	const json_t *results = json_object_get(check, "results"), *res, *run = json_object_get(doc, "run");
	const json_t *warn;
	long long counts[4] = { 0 }; /* tests, failures, errors, skipped */
	char buf[4][32], idbuf[32], time[32], stamp[32];
	char **used = NULL;
	size_t n_used = 0, i;
	const char *started = xpv_json_str(check, "started");
	int rc = -1;

	json_array_foreach(results, i, res) {
		const char *v = xpv_json_str(res, "verdict");

		counts[0]++;
		counts[1] += strcmp(v, "fail") == 0;
		counts[2] += strcmp(v, "error") == 0;
		counts[3] += strcmp(v, "skip") == 0 || strcmp(v, "waived") == 0;
	}
	for (int k = 0; k < 4; k++)
		snprintf(buf[k], sizeof(buf[k]), "%lld", counts[k]);
	snprintf(idbuf, sizeof(idbuf), "%zu", id);
	snprintf(time, sizeof(time), "%.3f", json_number_value(json_object_get(check, "duration_ms")) / 1000.0);
	/* JUnit's timestamp has no zone: UTC without the Z */
	if (started[0] == '\0')
		started = xpv_json_str(run, "started");
	snprintf(stamp, sizeof(stamp), "%.19s", started);

	W(xmlTextWriterStartElement(w, BAD_CAST "testsuite"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST xpv_json_str(check, "id")));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "package", BAD_CAST "xpverify"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST idbuf));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "timestamp", BAD_CAST stamp));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "hostname", BAD_CAST xpv_json_str(run, "host")));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST buf[0]));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST buf[1]));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST buf[2]));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "skipped", BAD_CAST buf[3]));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST time));

	W(xmlTextWriterStartElement(w, BAD_CAST "properties"));
	W(run_properties(w, doc));
	W(property(w, "check.title", xpv_json_str(check, "title")));
	W(property(w, "check.guide_section", xpv_json_str(check, "guide_section")));
	W(property(w, "check.disruptive", json_is_true(json_object_get(check, "disruptive")) ? "true" : "false"));
	json_array_foreach(results, i, res) {
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)json_object_get(res, "figures"), k, v) {
			char *name = xpv_asprintf("figure.%s.%s", xpv_json_str(res, "target"), k);
			int prc = property(w, name, json_string_value(v) ? json_string_value(v) : "");

			free(name);
			W(prc);
		}
	}
	W(xmlTextWriterEndElement(w));

	json_array_foreach(results, i, res) {
		char *name = unique_name(xpv_json_str(res, "target"), &used, &n_used);

		W(testcase(w, check, res, name));
	}

	W(xmlTextWriterStartElement(w, BAD_CAST "system-out"));
	json_array_foreach(results, i, res) {
		char *line = xpv_asprintf("%s %s: %s\n", xpv_json_str(res, "verdict"),
					  xpv_json_str(res, "target"), xpv_json_str(res, "message"));
		int wrc = xmlTextWriterWriteString(w, BAD_CAST line);

		free(line);
		W(wrc);
	}
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "system-err"));
	json_array_foreach(json_object_get(doc, "warnings"), i, warn) {
		char *line = xpv_asprintf("warning: %s\n", json_string_value(warn));
		int wrc = xmlTextWriterWriteString(w, BAD_CAST line);

		free(line);
		W(wrc);
	}
	W(xmlTextWriterFullEndElement(w));
	W(xmlTextWriterEndElement(w));
	rc = 0;
fail:
	for (size_t k = 0; k < n_used; k++)
		free(used[k]);
	free(used);
	return rc;
}

static int junit_write(FILE *out, const json_t *doc)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL;
	const json_t *check;
	size_t i;
	int rc = XPV_EREPORT, io_errno = 0;

	if (w == NULL)
		goto fail;
	W(xmlTextWriterSetIndent(w, 1));
	W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "testsuites"));
	json_array_foreach(json_object_get(doc, "checks"), i, check)
		W(testsuite(w, doc, check, i));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	if (fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), out) != (size_t)xmlBufferLength(buf)) {
		io_errno = errno; /* the disk's reason, not the writer's */
		goto fail;
	}
	rc = 0;
fail:
	if (w != NULL)
		xmlFreeTextWriter(w);
	if (buf != NULL)
		xmlBufferFree(buf);
	if (rc < 0 && io_errno != 0)
		return xpv_error_set(XPV_EIO, "%s", strerror(io_errno));
	if (rc < 0)
		return xpv_error_set(rc, "cannot produce the JUnit report");
	return 0;
}

const struct xpv_reporter xpv_reporter_junit = { .name = "junit", .write = junit_write };
