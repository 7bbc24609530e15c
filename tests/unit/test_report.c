/* Reports: JUnit valid against both schemas, HTML escaping and
 * self-containment, results.json content, secrets absent everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "log.h"
#include "report.h"
#include "secrets.h"
#include "test_checks.h"
#include "util.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

#define HOSTILE_NODE "<script>alert(1)</script>"
#define SECRET "Winrm-S3cret&<pw>"

/* Reports every verdict and names no YAML file could carry. */
static int run_hostile(struct xpv_ctx *ctx)
{
	static const struct {
		const char *target;
		enum xpv_verdict v;
		const char *msg;
	} out[] = {
		{ "bad-utf8-\xFF\xFE", XPV_PASS, "ok" },
		{ "ctl-\x01\x1b[31m", XPV_FAIL, "control \x02 chars & <b>markup</b> \"quoted\" 'single'" },
		{ "same  name", XPV_ERROR, "timed out" },
		{ "same name", XPV_SKIP, "not applicable" },
		{ "  same name ", XPV_FAIL, "third with the same token form" },
		{ "waived-target", XPV_FAIL, "covered by a waiver" },
		{ "leaky", XPV_FAIL, "server said: password=" SECRET },
	};

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		struct xpv_kv fig = { "takeover_ms", "1234.5" };
		struct xpv_outcome o = { .target = out[i].target, .verdict = out[i].v, .message = out[i].msg,
					 .expected = "Manual", .observed = "Auto <script>",
					 .figures = &fig, .n_figures = i == 0 };

		xpv_ctx_report(ctx, &o);
	}
	return 0;
}

static const struct xpv_check hostile_check = {
	.id = "t-hostile", .title = "Hostile <title> & \"names\"", .guide_section = "Test <section>",
	.remediation = "Fix <it> & \"retry\"", .run = run_hostile,
};

static const struct xpv_check *const table[] = { &hostile_check, &xpv_test_check_cluster,
						 &xpv_test_check_nodes, &xpv_test_check_disruptive };

struct fixture {
	struct xpv_scenario *sc;
	struct xpv_run *run;
	struct xpv_report_paths paths;
	char *dir;
};

static int setup(void **state)
{
	struct fixture *f = xpv_calloc(1, sizeof(*f));
	struct xpv_diags d = { 0 };
	struct xpv_run_opts opts = { 0 };
	char *path;

	setenv("XPV_TEST_WINRM_PW", SECRET, 1);
	path = th_write("report.yaml",
			"name: \"report <test> & \\\"quotes\\\"\"\n"
			"description: \"ctl \\x01 and <b>bold</b>\"\n"
			"cluster: {name: xpcluster, role: ms-role, address: 'https://ms-role.lab.local'}\n"
			"nodes:\n"
			"  - {name: '" HOSTILE_NODE "', host: 127.0.10.1}\n"
			"  - {name: \"quote\\\"amp&apos'\", host: 127.0.10.2}\n"
			"winrm: {transport: https, auth: basic, username: admin, password_env: XPV_TEST_WINRM_PW}\n"
			"login: {username: admin, password: 'inline-login-pw'}\n"
			"checks: {params: {t-cluster: {duplicate: true, verdict: pass}}}\n"
			"waivers:\n"
			"  - {check: t-hostile, target: 'waived-*', reason: 'ticket <42>', expires: 2999-12-31}\n"
			"  - {check: t-hostile, target: 'leaky', reason: 'old', expires: 2001-01-01}\n");
	if (xpv_scenario_load(&f->sc, &d, path, table, 4) < 0)
		fail_msg("scenario did not load: %s", d.n ? d.items[0].what : "?");
	free(path);
	xpv_run_execute(&f->run, f->sc, table, 4, &opts);
	f->dir = xpv_asprintf("%s/reports", th_tmpdir());
	if (xpv_reports_write(&f->paths, f->run, f->dir) < 0)
		fail_msg("reports not written: %s", xpv_error_last());
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	xpv_report_paths_clear(&f->paths);
	xpv_run_free(f->run);
	xpv_scenario_free(f->sc);
	free(f->dir);
	free(f);
	xpv_secrets_clear();
	return 0;
}

static void validate(const char *xsd, const char *xml)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	xmlSchemaValidCtxtPtr vc;

	assert_non_null(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	if (xmlSchemaValidateFile(vc, xml, 0) != 0)
		fail_msg("%s does not validate against %s", xml, xsd);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
}

static void test_junit_validates_against_both_schemas(void **state)
{
	struct fixture *f = *state;

	validate(XPV_TEST_DATA "/junit/JUnit.xsd", f->paths.junit);
	validate(XPV_TEST_DATA "/junit/junit-10.xsd", f->paths.junit);
}

static xmlXPathObjectPtr xpath(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);

	xmlXPathFreeContext(ctx);
	assert_non_null(obj);
	return obj;
}

static char *xpath_string(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr obj = xpath(doc, expr);
	xmlChar *s = xmlXPathCastToString(obj);
	char *out = xpv_strdup((char *)s);

	xmlFree(s);
	xmlXPathFreeObject(obj);
	return out;
}

static double xpath_number(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr obj = xpath(doc, expr);
	double n = xmlXPathCastToNumber(obj);

	xmlXPathFreeObject(obj);
	return n;
}

static void assert_xpath(xmlDocPtr doc, const char *expr, const char *want)
{
	char *got = xpath_string(doc, expr);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", expr, got, want);
	free(got);
}

static void test_junit_content(void **state)
{
	struct fixture *f = *state;
	xmlDocPtr doc = xmlReadFile(f->paths.junit, NULL, XML_PARSE_NONET);

	assert_non_null(doc);
	/* one suite per check, in table order */
	assert_true(xpath_number(doc, "count(/testsuites/testsuite)") == 4);
	assert_xpath(doc, "/testsuites/testsuite[1]/@name", "t-hostile");
	assert_xpath(doc, "/testsuites/testsuite[1]/@tests", "7");
	assert_xpath(doc, "/testsuites/testsuite[1]/@failures", "3");
	assert_xpath(doc, "/testsuites/testsuite[1]/@errors", "1");
	assert_xpath(doc, "/testsuites/testsuite[1]/@skipped", "2");
	/* text survives escaping exactly, made valid where it was not */
	assert_xpath(doc, "//testcase[starts-with(@name,'ctl-')]/failure/@message",
		     "control \xEF\xBF\xBD chars & <b>markup</b> \"quoted\" 'single'");
	assert_xpath(doc, "//testcase[starts-with(@name,'bad-utf8')]/@name", "bad-utf8-\xEF\xBF\xBD\xEF\xBF\xBD");
	/* (classname, name) unique, also after token normalisation */
	assert_true(xpath_number(doc, "count(//testsuite[1]/testcase[@name='same name'])") == 1);
	assert_true(xpath_number(doc, "count(//testsuite[1]/testcase[@name='same name (2)'])") == 1);
	assert_true(xpath_number(doc, "count(//testsuite[1]/testcase[@name='same name (3)'])") == 1);
	assert_xpath(doc, "//testsuite[@name='t-cluster']/testcase[2]/@name", "cluster (2)");
	assert_xpath(doc, "//testsuite[@name='t-cluster']/testcase[1]/@classname", "xpverify.t-cluster");
	/* waived = skipped with the reason and expiry */
	assert_xpath(doc, "//testcase[@name='waived-target']/skipped/@message",
		     "waived: ticket <42> (waiver expires 2999-12-31); observed failure: covered by a waiver");
	/* failures carry expected, observed and the remediation */
	assert_xpath(doc, "//testcase[@name='leaky']/failure",
		     "expected: Manual\nobserved: Auto <script>\nremediation: Fix <it> & \"retry\"\n");
	/* run metadata and figures as properties */
	assert_xpath(doc, "//testsuite[1]/properties/property[@name='xpverify.cluster']/@value", "xpcluster");
	assert_xpath(doc, "//testsuite[1]/properties/property[@name='xpverify.run_id']/@value", f->run->run_id);
	assert_xpath(doc, "//testsuite[1]/properties/property[starts-with(@name,'figure.bad-utf8')]/@value", "1234.5");
	assert_xpath(doc, "//testsuite[1]/properties/property[@name='xpverify.warning.2']/@value",
		     "waiver for t-hostile on 'leaky' expired on 2001-01-01 and no longer applies");
	xmlFreeDoc(doc);
}

/* Every element and attribute of an HTML tree, checked for anything that is
 * active or fetched. */
static void walk_html(xmlNodePtr n, int *styles)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			const char *name = (const char *)n->name;

			assert_string_not_equal(name, "script");
			assert_string_not_equal(name, "link");
			assert_string_not_equal(name, "img");
			assert_string_not_equal(name, "iframe");
			*styles += strcmp(name, "style") == 0;
			for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
				assert_string_not_equal((const char *)a->name, "src");
				/* links only within the page: nothing is fetched */
				if (strcmp((const char *)a->name, "href") == 0) {
					xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);

					assert_int_equal(v[0], '#');
					xmlFree(v);
				}
				assert_false(strncmp((const char *)a->name, "on", 2) == 0);
			}
		}
		walk_html(n->children, styles);
	}
}

static void test_html_escapes_and_is_self_contained(void **state)
{
	struct fixture *f = *state;
	htmlDocPtr doc = htmlReadFile(f->paths.html, "UTF-8", HTML_PARSE_NONET | HTML_PARSE_NOERROR);
	char *raw = th_read(f->paths.html);
	int styles = 0;

	assert_non_null(doc);
	walk_html(xmlDocGetRootElement(doc), &styles);
	assert_int_equal(styles, 1);
	/* hostile names are text, shown as written */
	assert_true(xpath_number(doc, "count(//td[text()='" HOSTILE_NODE "'])") >= 1);
	assert_xpath(doc, "//section[@id='t-hostile']//td[contains(.,'markup')]",
		     "control \xEF\xBF\xBD chars & <b>markup</b> \"quoted\" 'single'");
	assert_xpath(doc, "//section[@id='t-hostile']/p[@class='remedy']", "How to fix: Fix <it> & \"retry\"");
	/* status in words, not colour alone */
	assert_xpath(doc, "//p[@class='overall']/span", "fail");
	assert_true(xpath_number(doc, "count(//span[@class='v v-waived'][text()='waived'])") >= 1);
	/* warnings (expired waiver, inline password) are shown */
	assert_true(xpath_number(doc, "count(//p[@class='warn'][contains(.,'expired on 2001-01-01')])") == 1);
	assert_true(xpath_number(doc, "count(//p[@class='warn'][contains(.,'login.password is written inline')])") == 1);
	assert_true(xpath_number(doc, "count(//section[@id='waivers']//td[text()='EXPIRED: no longer applies'])") == 1);
	/* the summary picture is inline SVG, and there is a print style */
	assert_non_null(strstr(raw, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(raw, "@media print"));
	assert_int_equal(strncmp(raw, "<!DOCTYPE html>", 15), 0);
	free(raw);
	xmlFreeDoc(doc);
}

/* The report at a glance: the verdict, then one summary row per check with
 * its counts and a link, then exactly the failed and errored results with
 * the remediation, then the rest, passing rows folded without script. */
static void test_html_at_a_glance(void **state)
{
	struct fixture *f = *state;
	htmlDocPtr doc = htmlReadFile(f->paths.html, "UTF-8", HTML_PARSE_NONET | HTML_PARSE_NOERROR);
	json_t *res_doc = json_load_file(f->paths.json, 0, NULL), *check, *res;
	size_t i, k, bad = 0, pass = 0;
	char xp[256];

	assert_non_null(doc);
	assert_non_null(res_doc);
	/* the order: summary, then failures, then the rest */
	assert_xpath(doc, "//main/section[1]/@id", "summary");
	assert_xpath(doc, "//main/section[2]/@id", "attention");
	assert_true(xpath_number(doc, "count(//section[@id='summary']//tr[td])") ==
		    (double)json_array_size(json_object_get(res_doc, "checks")));
	json_array_foreach(json_object_get(res_doc, "checks"), i, check) {
		size_t fails = 0;

		json_array_foreach(json_object_get(check, "results"), k, res) {
			const char *v = xpv_json_str(res, "verdict");

			fails += strcmp(v, "fail") == 0;
			bad += strcmp(v, "fail") == 0 || strcmp(v, "error") == 0;
			pass += strcmp(v, "pass") == 0;
		}
		/* the check's row links to its section and counts its fails */
		snprintf(xp, sizeof(xp), "//section[@id='summary']//tr[td/a[@href='#%s']]/td[3]", xpv_json_str(check, "id"));
		assert_true(xpath_number(doc, xp) == (double)fails);
	}
	assert_true(bad > 0);
	assert_true(xpath_number(doc, "count(//section[@id='attention']//tr[td])") == (double)bad);
	assert_true(xpath_number(doc, "count(//section[@id='attention']//tr/td/span[text()='pass'])") == 0);
	assert_true(xpath_number(doc, "count(//section[@id='attention']/p[@class='remedy'])") >= 1);
	/* every passing row of the checks' sections is folded */
	assert_true(xpath_number(doc, "count(//details[@class='passing']//tr/td/span[text()='pass'])") == (double)pass);
	assert_true(xpath_number(doc, "count(//section[@id!='summary' and @id!='attention']/table//tr/td/span[text()='pass'])") ==
		    0);
	json_decref(res_doc);
	xmlFreeDoc(doc);
}

static void test_json_content(void **state)
{
	struct fixture *f = *state;
	json_error_t err;
	json_t *doc = json_load_file(f->paths.json, 0, &err), *checks, *hostile, *res;
	size_t i;
	bool saw_waived = false;

	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "schema_version")), 1);
	assert_string_equal(xpv_json_str(json_object_get(doc, "run"), "verdict"), "fail");
	assert_int_equal(xpv_json_int(json_object_get(doc, "run"), "exit_code"), 1);
	assert_int_equal(xpv_json_int(json_object_get(doc, "summary"), "total"), 12);
	assert_int_equal(xpv_json_int(json_object_get(doc, "summary"), "fail"), 3);
	assert_int_equal(xpv_json_int(json_object_get(doc, "summary"), "waived"), 1);
	checks = json_object_get(doc, "checks");
	assert_int_equal(json_array_size(checks), 4);
	hostile = json_array_get(checks, 0);
	assert_string_equal(xpv_json_str(hostile, "verdict"), "fail");
	json_array_foreach(json_object_get(hostile, "results"), i, res) {
		if (strcmp(xpv_json_str(res, "verdict"), "waived") == 0) {
			saw_waived = true;
			assert_string_equal(xpv_json_str(json_object_get(res, "waiver"), "reason"), "ticket <42>");
		}
		assert_true(json_integer_value(json_object_get(res, "finished_us")) >=
			    json_integer_value(json_object_get(res, "started_us")));
	}
	assert_true(saw_waived);
	assert_string_equal(xpv_json_str(json_array_get(checks, 3), "verdict"), "skip");
	assert_false(json_is_true(json_object_get(json_array_get(checks, 3), "ran")));
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(doc, "waivers"), 1), "expired")));
	json_decref(doc);
}

static void test_no_secret_in_any_report(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { f->paths.json, f->paths.junit, f->paths.html };
	const char *secrets[] = { SECRET, "inline-login-pw", "Winrm-S3cret" };

	for (size_t i = 0; i < 3; i++) {
		size_t len = 0;
		char *buf = NULL;

		assert_int_equal(xpv_read_file(&buf, &len, files[i], 1 << 26), 0);
		for (size_t j = 0; j < 3; j++)
			if (th_contains(buf, len, secrets[j]))
				fail_msg("%s contains the secret '%s'", files[i], secrets[j]);
		/* but the report says something was hidden */
		assert_true(th_contains(buf, len, "[REDACTED]"));
		free(buf);
	}
}

static void test_unwritable_dir_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct xpv_report_paths paths;
	char *blocker = th_write("not-a-dir", "x");
	char *dir = xpv_asprintf("%s/sub", blocker);

	assert_true(xpv_reports_write(&paths, f->run, dir) < 0);
	assert_non_null(strstr(xpv_error_last(), "cannot create directory"));
	assert_null(paths.json);
	xpv_report_paths_clear(&paths);
	free(blocker);
	free(dir);
}

/* A full disk: each writer says what the system said, not "cannot produce". */
static void test_full_disk_names_the_reason(void **state)
{
	struct fixture *f = *state;
	const struct xpv_reporter *writers[] = { &xpv_reporter_junit, &xpv_reporter_html, &xpv_reporter_json };
	json_t *doc = xpv_report_document(f->run);

	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		FILE *full = fopen("/dev/full", "w");

		assert_non_null(full);
		setvbuf(full, NULL, _IONBF, 0); /* every write reaches the device */
		assert_true(writers[i]->write(full, doc) < 0);
		if (strstr(xpv_error_last(), "No space left on device") == NULL)
			fail_msg("%s: %s", writers[i]->name, xpv_error_last());
		fclose(full);
	}
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_junit_validates_against_both_schemas),
		cmocka_unit_test(test_junit_content),
		cmocka_unit_test(test_html_escapes_and_is_self_contained),
		cmocka_unit_test(test_html_at_a_glance),
		cmocka_unit_test(test_json_content),
		cmocka_unit_test(test_no_secret_in_any_report),
		cmocka_unit_test(test_full_disk_names_the_reason),
		cmocka_unit_test(test_unwritable_dir_is_an_error),
	};
	int rc;

	xpv_log_setup(XPV_LOG_QUIET, false);
	rc = cmocka_run_group_tests_name("report", tests, setup, teardown);
	xmlCleanupParser();
	return rc;
}
