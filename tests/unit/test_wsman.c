/* WS-Management messages: requests built as Windows expects them, replies
 * read as Windows sends them (prefixes, attribute order, namespaces of
 * Items and EndOfSequence, chunked base64, faults), bad input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "util.h"
#include "wsman.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>

static int load(struct xpv_wsman_reply *r, const char *name)
{
	char *path = xpv_asprintf("%s/wsman/%s", XPV_TEST_DATA, name);
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (xpv_read_file(&data, &len, path, 1 << 20) < 0)
		fail_msg("cannot read %s", path);
	rc = xpv_wsman_parse(r, data, len);
	free(data);
	free(path);
	return rc;
}

static const char *str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

static void test_enumerate_select_star_with_context(void **state)
{
	struct xpv_wsman_reply r;
	json_t *rows = json_array(), *row;
	char *ctx;
	bool end;

	(void)state;
	assert_int_equal(load(&r, "enumerate-select-star.xml"), 0);
	assert_false(r.is_fault);
	assert_string_equal(r.relates_to, "uuid:55F28C75-F63E-4F68-8360-A8C478003959");
	assert_int_equal(xpv_wsman_parse_enumeration(rows, &ctx, &end, &r), 0);
	/* this captured answer has a context and no EndOfSequence: Pull next */
	assert_false(end);
	assert_string_equal(ctx, "uuid:906A6BEE-7A25-4A20-9279-B2D10B0CDCA6");
	assert_int_equal(json_array_size(rows), 1);
	row = json_array_get(rows, 0);
	assert_string_equal(str(row, "Name"), "AeLookupSvc");
	assert_string_equal(str(row, "StartMode"), "Manual");
	assert_string_equal(str(row, "State"), "Stopped");
	assert_string_equal(str(row, "ProcessId"), "0");
	assert_string_equal(str(row, "PathName"), "C:\\Windows\\system32\\svchost.exe -k netsvcs");
	assert_true(json_is_null(json_object_get(row, "InstallDate")));
	assert_int_equal(json_object_size(row), 15);
	free(ctx);
	json_decref(rows);
	xpv_wsman_reply_clear(&r);
}

static void test_pull_last_other_prefixes(void **state)
{
	struct xpv_wsman_reply r;
	json_t *rows = json_array();
	char *ctx;
	bool end;

	(void)state;
	assert_int_equal(load(&r, "pull-last.xml"), 0);
	assert_int_equal(xpv_wsman_parse_enumeration(rows, &ctx, &end, &r), 0);
	/* n:Items and n:EndOfSequence in a PullResponse, no context */
	assert_true(end);
	assert_null(ctx);
	assert_string_equal(str(json_array_get(rows, 0), "Name"), "Milestone XProtect Management Server");
	assert_string_equal(str(json_array_get(rows, 0), "State"), "Running");
	json_decref(rows);
	xpv_wsman_reply_clear(&r);
}

static void test_fragment_nil_array_empty_context(void **state)
{
	struct xpv_wsman_reply r;
	json_t *rows = json_array(), *a, *b;
	char *ctx;
	bool end;

	(void)state;
	assert_int_equal(load(&r, "enumerate-fragment-end.xml"), 0);
	assert_int_equal(xpv_wsman_parse_enumeration(rows, &ctx, &end, &r), 0);
	assert_true(end);
	assert_null(ctx); /* empty context means none */
	assert_int_equal(json_array_size(rows), 2);
	a = json_array_get(rows, 0);
	b = json_array_get(rows, 1);
	assert_string_equal(str(a, "Name"), "XPNODE1");
	assert_true(json_is_null(json_object_get(a, "Description")));
	assert_int_equal(json_array_size(json_object_get(a, "Roles")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "Roles"), 1)), "Server");
	assert_string_equal(str(b, "Name"), "XPNODE2 & <co>");
	assert_string_equal(str(b, "Description"), "caf\xC3\xA9");
	assert_string_equal(str(b, "Roles"), "Client");
	json_decref(rows);
	xpv_wsman_reply_clear(&r);
}

static void test_faults(void **state)
{
	struct xpv_wsman_reply r;
	char *text;

	(void)state;
	assert_int_equal(load(&r, "fault-cannot-process-filter.xml"), 0);
	assert_true(r.is_fault);
	assert_int_equal(r.fault.code, 2150858778UL);
	assert_string_equal(r.fault.subcode, "CannotProcessFilter");
	assert_string_equal(r.fault.machine, "xpnode1.lab.local");
	text = xpv_wsman_fault_text(&r.fault);
	assert_string_equal(text, "2150858778 CannotProcessFilter: The specified class does not exist in the given namespace.");
	free(text);
	xpv_wsman_reply_clear(&r);

	assert_int_equal(load(&r, "fault-timed-out.xml"), 0);
	assert_true(r.is_fault);
	assert_int_equal(r.fault.code, XPV_WSMAN_TIMED_OUT);
	assert_string_equal(r.fault.subcode, "TimedOut");
	xpv_wsman_reply_clear(&r);

	/* no f:Message: the SOAP reason is the text */
	assert_int_equal(load(&r, "fault-destination-unreachable.xml"), 0);
	assert_int_equal(r.fault.code, 32768);
	text = xpv_wsman_fault_text(&r.fault);
	assert_string_equal(text, "32768 DestinationUnreachable: The WS-Management service cannot process the request. "
				  "The resource URI is not valid.");
	free(text);
	xpv_wsman_reply_clear(&r);
}

static void test_shell_replies(void **state)
{
	struct xpv_wsman_reply r;
	struct xpv_shell_output out = { 0 };
	char *id;

	(void)state;
	assert_int_equal(load(&r, "create-response.xml"), 0);
	assert_int_equal(xpv_wsman_parse_shell_id(&id, &r), 0);
	assert_string_equal(id, "uuid:9B1C8A3E-3B0F-4A8B-B0B6-6C1E3C3D2A10"); /* opaque, prefix kept */
	free(id);
	xpv_wsman_reply_clear(&r);

	assert_int_equal(load(&r, "command-response.xml"), 0);
	assert_int_equal(xpv_wsman_parse_command_id(&id, &r), 0);
	assert_string_equal(id, "0DA15A6E-0960-43FF-B54A-91A1A9D36131");
	xpv_wsman_reply_clear(&r);

	/* chunks decoded one by one and joined; other commands ignored */
	assert_int_equal(load(&r, "receive-running.xml"), 0);
	assert_int_equal(xpv_wsman_parse_receive(&out, &r, id), 0);
	assert_false(out.done);
	assert_string_equal(out.out, "hello w\xC3\xB6rld\r\n");
	assert_string_equal(out.err, "warn");
	xpv_wsman_reply_clear(&r);
	assert_int_equal(load(&r, "receive-done.xml"), 0);
	assert_int_equal(xpv_wsman_parse_receive(&out, &r, "0da15a6e-0960-43ff-b54a-91a1a9d36131"), 0);
	assert_true(out.done);
	assert_int_equal(out.exit_code, 3);
	assert_string_equal(out.out, "hello w\xC3\xB6rld\r\n\r\nWindows IP Configuration\r\n\r\n");
	assert_int_equal(out.out_len, strlen(out.out));
	xpv_shell_output_clear(&out);
	xpv_wsman_reply_clear(&r);
	free(id);
}

static void test_invoke_reply(void **state)
{
	struct xpv_wsman_reply r;
	json_t *o;

	(void)state;
	assert_int_equal(load(&r, "invoke-move.xml"), 0);
	assert_int_equal(xpv_wsman_parse_invoke(&o, &r, "MoveToNewNode"), 0);
	assert_string_equal(str(o, "ReturnValue"), "0");
	json_decref(o);
	assert_int_equal(xpv_wsman_parse_invoke(&o, &r, "BringOnline"), XPV_EPROTO);
	assert_null(o);
	xpv_wsman_reply_clear(&r);
}

static void test_bad_input(void **state)
{
	struct xpv_wsman_reply r;
	json_t *rows = json_array();
	char *ctx;
	bool end;

	(void)state;
	assert_int_equal(load(&r, "truncated.xml"), XPV_EPROTO);
	assert_non_null(strstr(xpv_error_last(), "malformed XML: "));
	assert_null(r.doc);
	assert_int_equal(load(&r, "dtd.xml"), XPV_EPROTO);
	assert_string_equal(xpv_error_last(), "malformed answer: a SOAP message must not carry a DTD");
	assert_int_equal(load(&r, "not-soap.xml"), XPV_EPROTO);
	assert_string_equal(xpv_error_last(), "malformed answer: not a SOAP 1.2 envelope");
	assert_int_equal(xpv_wsman_parse(&r, "", 0), XPV_EPROTO);
	/* a well-formed envelope of the wrong kind */
	assert_int_equal(load(&r, "command-response.xml"), 0);
	assert_int_equal(xpv_wsman_parse_enumeration(rows, &ctx, &end, &r), XPV_EPROTO);
	xpv_wsman_reply_clear(&r);
	assert_int_equal(load(&r, "enumerate-select-star.xml"), 0);
	assert_int_equal(xpv_wsman_parse_shell_id(&ctx, &r), XPV_EPROTO);
	xpv_wsman_reply_clear(&r);
	json_decref(rows);
}

/* XPath over a built request, with the namespaces bound to our own prefixes. */
static char *req_xpath(const char *xml, size_t len, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "req.xml", NULL, XML_PARSE_NONET);
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr obj;
	xmlChar *s;
	char *out;

	assert_non_null(doc);
	ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "S", BAD_CAST XPV_NS_SOAP);
	xmlXPathRegisterNs(ctx, BAD_CAST "A", BAD_CAST XPV_NS_ADDR);
	xmlXPathRegisterNs(ctx, BAD_CAST "W", BAD_CAST XPV_NS_WSMAN);
	xmlXPathRegisterNs(ctx, BAD_CAST "N", BAD_CAST XPV_NS_ENUM);
	xmlXPathRegisterNs(ctx, BAD_CAST "R", BAD_CAST XPV_NS_SHELL);
	xmlXPathRegisterNs(ctx, BAD_CAST "G", BAD_CAST XPV_URI_WMI "root/mscluster/MSCluster_ResourceGroup");
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	s = xmlXPathCastToString(obj);
	out = xpv_strdup((char *)s);
	xmlFree(s);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}

#define ASSERT_REQ(xml, len, expr, want)                    \
	do {                                                \
		char *got_ = req_xpath((xml), (len), (expr)); \
		assert_string_equal(got_, (want));          \
		free(got_);                                 \
	} while (0)

static void test_build_enumerate(void **state)
{
	const char *q = "select * from Win32_Service where Name = 'a<b>&\"c\"'";
	struct xpv_wsman_request req = { .to = "https://node1:5986/wsman", .action = XPV_ACTION_ENUMERATE,
					 .resource_uri = XPV_URI_WMI "root/cimv2/*", .message_id = "uuid:X-1",
					 .operation_timeout_s = 20, .max_envelope_size = 512000 };
	char *xml;
	size_t len;

	(void)state;
	assert_int_equal(xpv_wsman_build_enumerate(&xml, &len, &req, q, 32000), 0);
	assert_int_equal(len, strlen(xml));
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/A:Action", XPV_ACTION_ENUMERATE);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/A:Action/@S:mustUnderstand", "true");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/W:ResourceURI", XPV_URI_WMI "root/cimv2/*");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/A:MessageID", "uuid:X-1");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/A:To", "https://node1:5986/wsman");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/A:ReplyTo/A:Address", XPV_ANONYMOUS);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/W:MaxEnvelopeSize", "512000");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/W:OperationTimeout", "PT20S");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/W:Locale/@xml:lang", "en-US");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/N:Enumerate/W:Filter", q);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/N:Enumerate/W:Filter/@Dialect", XPV_DIALECT_WQL);
	ASSERT_REQ(xml, len, "count(/S:Envelope/S:Body/N:Enumerate/W:OptimizeEnumeration)", "1");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/N:Enumerate/W:MaxElements", "32000");
	free(xml);
}

static void test_build_shell_and_invoke(void **state)
{
	struct xpv_kv sel = { "ShellId", "uuid:S-1" }, opt[] = { { "WINRS_CODEPAGE", "65001" } };
	struct xpv_wsman_request req = { .to = "https://n/wsman", .action = XPV_ACTION_COMMAND,
					 .resource_uri = XPV_URI_SHELL_CMD, .message_id = "uuid:X-2",
					 .selectors = &sel, .n_selectors = 1, .options = opt, .n_options = 1 };
	const char *args[] = { "C:\\Program Files\\a & b.json", "/x" };
	struct xpv_kv group = { "Name", "ms-role" }, params[] = { { "NodeName", "XPNODE2" }, { "TimeOut", "60" } };
	char *xml;
	size_t len;

	(void)state;
	assert_int_equal(xpv_wsman_build_command(&xml, &len, &req, "type", args, 2), 0);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/W:SelectorSet/W:Selector[@Name='ShellId']", "uuid:S-1");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Header/W:OptionSet/W:Option[@Name='WINRS_CODEPAGE']", "65001");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/R:CommandLine/R:Command", "type");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/R:CommandLine/R:Arguments[1]", "C:\\Program Files\\a & b.json");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/R:CommandLine/R:Arguments[2]", "/x");
	free(xml);
	assert_int_equal(xpv_wsman_build_receive(&xml, &len, &req, "CMD-1"), 0);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/R:Receive/R:DesiredStream/@CommandId", "CMD-1");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/R:Receive/R:DesiredStream", "stdout stderr");
	free(xml);
	assert_int_equal(xpv_wsman_build_signal(&xml, &len, &req, "CMD-1", XPV_SIGNAL_TERMINATE), 0);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/R:Signal/R:Code", XPV_SIGNAL_TERMINATE);
	free(xml);
	req.selectors = &group;
	assert_int_equal(xpv_wsman_build_invoke(&xml, &len, &req, XPV_URI_WMI "root/mscluster/MSCluster_ResourceGroup",
						"MoveToNewNode", params, 2),
			 0);
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/G:MoveToNewNode_INPUT/G:NodeName", "XPNODE2");
	ASSERT_REQ(xml, len, "/S:Envelope/S:Body/G:MoveToNewNode_INPUT/G:TimeOut", "60");
	free(xml);
}

static void test_message_ids_are_unique_uuids(void **state)
{
	char *a = xpv_wsman_message_id(), *b = xpv_wsman_message_id();

	(void)state;
	assert_int_equal(strlen(a), 41);
	assert_int_equal(strncmp(a, "uuid:", 5), 0);
	assert_int_equal(a[19], '4'); /* version 4 */
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void test_wql_quote(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "Milestone XProtect Management Server", "'Milestone XProtect Management Server'" },
		{ "O'Brien", "'O\\'Brien'" },
		{ "C:\\path", "'C:\\\\path'" },
		{ "x' or Name <> '", "'x\\' or Name <> \\''" },
		{ "", "''" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *q = xpv_wql_quote(cases[i].in);

		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enumerate_select_star_with_context),
		cmocka_unit_test(test_pull_last_other_prefixes),
		cmocka_unit_test(test_fragment_nil_array_empty_context),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_shell_replies),
		cmocka_unit_test(test_invoke_reply),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_build_enumerate),
		cmocka_unit_test(test_build_shell_and_invoke),
		cmocka_unit_test(test_message_ids_are_unique_uuids),
		cmocka_unit_test(test_wql_quote),
	};
	int rc = cmocka_run_group_tests_name("wsman", tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
