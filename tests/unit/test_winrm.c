/* The WinRM client against a local HTTPS server: the requests it sends,
 * paging, the shell lifecycle on success and failure, every error class,
 * deadlines, and a transcript without credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "lab_cert.h"
#include "secrets.h"
#include "util.h"
#include "winrm.h"
#include "wsman_server.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USER "lab\\verifier"
#define PASS "Pa55:w0rd&<x>"

static struct xpv_pem ca, other_ca, server;
static char *ca_file, *other_ca_file;

struct env {
	struct ts *ts;
	struct xpv_winrm *s;
	char *transcript;
};

static void on_exchange(void *arg, const struct xpv_winrm_exchange *ex)
{
	struct env *e = arg;
	char *next = xpv_asprintf("%s== %s %ld\n%s\n%s\n%s\n%s\n%s\n", e->transcript ? e->transcript : "", ex->url,
				  ex->status, ex->request_headers, ex->request_body, ex->response_headers,
				  ex->response_body, ex->error ? ex->error : "");

	free(e->transcript);
	e->transcript = next;
}

static struct xpv_winrm_opts opts_for(struct env *e, const char *host)
{
	static const struct xpv_resolve pins[] = { { "node1.lab.local", "127.0.0.1" },
						   { "node2.lab.local", "127.0.0.1" } };
	struct xpv_winrm_opts o = {
		.node = "node1", .host = host, .port = ts_port(e->ts), .transport = XPV_TRANSPORT_HTTPS,
		.auth = XPV_AUTH_BASIC,
		.username = USER, .password = PASS, .ca_file = ca_file, .connect_timeout_ms = 2000,
		.request_timeout_ms = 5000, .resolve = pins, .n_resolve = 2,
		.transcript = on_exchange, .transcript_arg = e,
	};

	return o;
}

static int setup(void **state)
{
	struct env *e = xpv_calloc(1, sizeof(*e));
	struct xpv_winrm_opts o;

	e->ts = ts_start(&server, USER, PASS);
	o = opts_for(e, "127.0.0.1");
	assert_int_equal(xpv_winrm_open(&e->s, &o), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	xpv_winrm_close(e->s);
	ts_stop(e->ts);
	free(e->transcript);
	free(e);
	return 0;
}

static int group_setup(void **state)
{
	static const char *const dns[] = { "localhost", "node1.lab.local" };
	static const char *const ips[] = { "127.0.0.1" };
	struct xpv_cert_spec spec = { .common_name = "node1", .dns = dns, .n_dns = 2, .ips = ips, .n_ips = 1 };

	(void)state;
	xpv_winrm_global_init();
	xpv_secret_register(PASS);
	if (xpv_cert_make_ca(&ca, "test CA") < 0 || xpv_cert_make_ca(&other_ca, "other CA") < 0 ||
	    xpv_cert_make_server(&server, &ca, &spec) < 0)
		return -1;
	/* libmicrohttpd wants key and certificate apart; curl wants the CA in a file */
	ca_file = th_write("ca.pem", ca.cert);
	other_ca_file = th_write("other-ca.pem", other_ca.cert);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	xpv_pem_clear(&ca);
	xpv_pem_clear(&other_ca);
	xpv_pem_clear(&server);
	free(ca_file);
	free(other_ca_file);
	xpv_secrets_clear();
	xmlCleanupParser();
	return 0;
}

static void push(struct env *e, const char *file, int status)
{
	struct ts_reply r = { .status = status, .file = file };

	ts_push(e->ts, &r);
}

static void test_wql_pages_until_end(void **state)
{
	struct env *e = *state;
	json_t *rows;

	push(e, "enumerate-select-star.xml", 200);
	push(e, "pull-middle.xml", 200);
	push(e, "pull-last.xml", 200);
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), 0);
	assert_int_equal(json_array_size(rows), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "Name")),
			    "Milestone XProtect Data Collector Server");
	json_decref(rows);
	assert_int_equal(ts_count(e->ts), 3);
	/* each Pull carries the context of the answer before it */
	assert_non_null(strstr(ts_request(e->ts, 1)->body, "uuid:906A6BEE-7A25-4A20-9279-B2D10B0CDCA6"));
	assert_non_null(strstr(ts_request(e->ts, 2)->body, "uuid:C0FFEE00-0000-4000-8000-000000000002"));
}

/* A server that keeps paging: each answer is under the per-answer limit,
 * all of them together are refused before memory fills. */
static void test_wql_total_is_bounded(void **state)
{
	struct env *e = *state;
	/* 9 MiB each: under libxml2's 10 MB text node limit and ours of 16 MiB */
	struct ts_reply big = { .file = "enumerate-select-star.xml", .pad_bytes = 9u << 20 };
	json_t *rows = NULL;

	ts_push(e->ts, &big);
	big.file = "pull-middle.xml";
	for (int i = 0; i < 9; i++)
		ts_push(e->ts, &big);
	if (xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service") != XPV_ETOOBIG)
		fail_msg("%s", xpv_error_last());
	assert_null(rows);
	assert_non_null(strstr(xpv_error_last(), "enumeration refused: more than 67108864 bytes of answers in all"));
	assert_int_equal(ts_count(e->ts), 8); /* 8 x 9 MiB > 64 MiB: no ninth Pull */
}

static void test_wql_enumerate_then_pull(void **state)
{
	struct env *e = *state;
	json_t *rows;
	const struct ts_request *r0, *r1;

	push(e, "enumerate-select-star.xml", 200);
	push(e, "pull-last.xml", 200);
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2",
				       "select * from Win32_Service where Name = 'x'"), 0);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "State")), "Running");
	json_decref(rows);
	assert_int_equal(ts_count(e->ts), 2);
	r0 = ts_request(e->ts, 0);
	r1 = ts_request(e->ts, 1);
	assert_string_equal(r0->action, XPV_ACTION_ENUMERATE);
	assert_string_equal(r0->resource_uri, XPV_URI_WMI "root/cimv2/*");
	assert_string_equal(r0->content_type, "application/soap+xml;charset=UTF-8");
	assert_string_equal(r1->action, XPV_ACTION_PULL);
	/* the context of the answer is what the Pull carries */
	assert_non_null(strstr(r1->body, "uuid:906A6BEE-7A25-4A20-9279-B2D10B0CDCA6"));
	assert_string_not_equal(r0->message_id, r1->message_id);
	assert_int_equal(strncmp(r0->authorization, "Basic ", 6), 0);
}

struct timing {
	int connects, exchanges;
	int64_t connect_us, exchange_us;
	bool connect_first; /* the connection told before any exchange ended */
};

static void timed_connect(void *arg, int64_t us)
{
	struct timing *t = arg;

	t->connect_first = t->exchanges == 0;
	t->connects++;
	t->connect_us += us;
}

static void timed_exchange(void *arg, int64_t us)
{
	struct timing *t = arg;

	t->exchanges++;
	t->exchange_us += us;
}

/* Three exchanges over one connection: the connection timed apart, and
 * told as soon as it is up (before its first answer). */
static void test_timing(void **state)
{
	struct env *e = *state;
	struct timing t = { 0 };
	struct xpv_winrm_opts o = opts_for(e, "127.0.0.1");
	struct xpv_winrm *s;
	json_t *rows;

	o.on_connect = timed_connect;
	o.on_exchange = timed_exchange;
	o.timing_arg = &t;
	assert_int_equal(xpv_winrm_open(&s, &o), 0);
	push(e, "enumerate-select-star.xml", 200);
	push(e, "pull-middle.xml", 200);
	push(e, "pull-last.xml", 200);
	assert_int_equal(xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service"), 0);
	json_decref(rows);
	xpv_winrm_close(s);
	assert_int_equal(t.connects, 1);
	assert_true(t.connect_first);
	assert_int_equal(t.exchanges, 3);
	assert_true(t.connect_us > 0 && t.exchange_us > 0);
}

static void test_exec_receives_through_timeouts(void **state)
{
	struct env *e = *state;
	struct xpv_shell_output out;
	const char *args[] = { "C:\\Program Files\\Milestone\\XProtect Data Collector Server\\appsettings.json" };
	static const char *const actions[] = { XPV_ACTION_CREATE, XPV_ACTION_COMMAND, XPV_ACTION_RECEIVE,
					       XPV_ACTION_RECEIVE, XPV_ACTION_RECEIVE, XPV_ACTION_RECEIVE,
					       XPV_ACTION_DELETE };

	push(e, "create-response.xml", 200);
	push(e, "command-response.xml", 200);
	push(e, "fault-timed-out.xml", 500);
	push(e, "fault-timed-out.xml", 500);
	push(e, "receive-running.xml", 200);
	push(e, "receive-done.xml", 200);
	push(e, "create-response.xml", 200); /* a DeleteResponse body: any envelope */
	assert_int_equal(xpv_winrm_exec(&out, e->s, "type", args, 1), 0);
	assert_true(out.done);
	assert_int_equal(out.exit_code, 3);
	assert_string_equal(out.out, "hello w\xC3\xB6rld\r\n\r\nWindows IP Configuration\r\n\r\n");
	assert_string_equal(out.err, "warn");
	xpv_shell_output_clear(&out);
	assert_int_equal(ts_count(e->ts), 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(ts_request(e->ts, i)->action, actions[i]);
	assert_string_equal(ts_request(e->ts, 0)->options, "WINRS_NOPROFILE=FALSE;WINRS_CODEPAGE=65001;");
	assert_string_equal(ts_request(e->ts, 0)->resource_uri, XPV_URI_SHELL_CMD);
	for (size_t i = 1; i < 7; i++)
		assert_string_equal(ts_request(e->ts, i)->selectors, "ShellId=uuid:9B1C8A3E-3B0F-4A8B-B0B6-6C1E3C3D2A10;");
	assert_non_null(strstr(ts_request(e->ts, 1)->body, args[0]));
	assert_non_null(strstr(ts_request(e->ts, 2)->body, "CommandId=\"0DA15A6E-0960-43FF-B54A-91A1A9D36131\""));
}

static void test_exec_deletes_the_shell_on_failure(void **state)
{
	struct env *e = *state;
	struct xpv_shell_output out;
	size_t n;

	/* the command is refused: no signal (nothing runs), the shell is deleted */
	push(e, "create-response.xml", 200);
	push(e, "fault-cannot-process-filter.xml", 500);
	push(e, "create-response.xml", 200);
	assert_int_equal(xpv_winrm_exec(&out, e->s, "hostname", NULL, 0), XPV_EFAULT);
	assert_string_equal(out.out, "");
	xpv_shell_output_clear(&out);
	n = ts_count(e->ts);
	assert_int_equal(n, 3);
	assert_string_equal(ts_request(e->ts, 2)->action, XPV_ACTION_DELETE);
	/* the error is the command's, not the clean-up's */
	assert_non_null(strstr(xpv_error_last(), "2150858778 CannotProcessFilter"));

	/* a malformed Receive: the command is terminated, then the shell deleted */
	push(e, "create-response.xml", 200);
	push(e, "command-response.xml", 200);
	ts_push(e->ts, &(struct ts_reply){ .raw = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Bo" });
	push(e, "create-response.xml", 200);
	push(e, "create-response.xml", 200);
	assert_int_equal(xpv_winrm_exec(&out, e->s, "hostname", NULL, 0), XPV_EPROTO);
	xpv_shell_output_clear(&out);
	assert_int_equal(ts_count(e->ts), n + 5);
	assert_string_equal(ts_request(e->ts, n + 3)->action, XPV_ACTION_SIGNAL);
	assert_non_null(strstr(ts_request(e->ts, n + 3)->body, XPV_SIGNAL_TERMINATE));
	assert_string_equal(ts_request(e->ts, n + 4)->action, XPV_ACTION_DELETE);
}

static void test_invoke_move_to_new_node(void **state)
{
	struct env *e = *state;
	const char *cls = XPV_URI_WMI "root/mscluster/MSCluster_ResourceGroup";
	struct xpv_kv sel = { "Name", "ms-role" }, params[] = { { "NodeName", "XPNODE2" }, { "TimeOut", "60" } };
	json_t *o;

	push(e, "invoke-move.xml", 200);
	assert_int_equal(xpv_winrm_invoke(&o, e->s, cls, "MoveToNewNode", &sel, 1, params, 2), 0);
	assert_string_equal(json_string_value(json_object_get(o, "ReturnValue")), "0");
	json_decref(o);
	assert_string_equal(ts_request(e->ts, 0)->action, XPV_URI_WMI "root/mscluster/MSCluster_ResourceGroup/MoveToNewNode");
	assert_string_equal(ts_request(e->ts, 0)->resource_uri, cls);
	assert_string_equal(ts_request(e->ts, 0)->selectors, "Name=ms-role;");
}

static void test_fault_is_an_error_with_code(void **state)
{
	struct env *e = *state;
	json_t *rows;

	push(e, "fault-cannot-process-filter.xml", 500);
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Nope"), XPV_EFAULT);
	assert_non_null(strstr(xpv_error_last(),
			       ": WS-Management fault 2150858778 CannotProcessFilter: The specified class does not "
			       "exist in the given namespace."));
	assert_int_equal(xpv_winrm_last_fault(e->s)->code, 2150858778UL);
}

static void test_http_errors(void **state)
{
	struct env *e = *state;
	struct xpv_winrm *bad;
	struct xpv_winrm_opts o = opts_for(e, "127.0.0.1");
	json_t *rows;

	o.password = "wrong";
	assert_int_equal(xpv_winrm_open(&bad, &o), 0);
	assert_int_equal(xpv_winrm_wql(&rows, bad, "root/cimv2", "select * from Win32_Service"), XPV_EAUTH);
	assert_non_null(strstr(xpv_error_last(), "authentication refused (HTTP 401; the server offers: Negotiate, Basic)"));
	xpv_winrm_close(bad);

	ts_push(e->ts, &(struct ts_reply){ .status = 413, .raw = "" });
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), XPV_ETOOBIG);
	ts_push(e->ts, &(struct ts_reply){ .status = 503, .raw = "busy" });
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), XPV_EHTTP);
	assert_non_null(strstr(xpv_error_last(), "unexpected HTTP status 503"));
	ts_push(e->ts, &(struct ts_reply){ .status = 500, .raw = "<html>oops</html>" });
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), XPV_EHTTP);
	assert_non_null(strstr(xpv_error_last(), "HTTP 500 without a SOAP fault"));
	ts_push(e->ts, &(struct ts_reply){ .raw = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">" });
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), XPV_EPROTO);
	assert_non_null(strstr(xpv_error_last(), "malformed XML"));
}

static void test_relates_to_must_match(void **state)
{
	struct env *e = *state;
	json_t *rows;
	char *body = th_read(XPV_TEST_DATA "/wsman/pull-last.xml");

	ts_push(e->ts, &(struct ts_reply){ .raw = body }); /* RelatesTo of another request */
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), XPV_EPROTO);
	assert_non_null(strstr(xpv_error_last(), "does not match MessageID"));
	free(body);
}

static void test_limits_and_deadlines(void **state)
{
	struct env *e = *state;
	struct xpv_winrm *s;
	struct xpv_winrm_opts o = opts_for(e, "127.0.0.1");
	json_t *rows;

	o.max_response = 4096;
	assert_int_equal(xpv_winrm_open(&s, &o), 0);
	ts_push(e->ts, &(struct ts_reply){ .file = "pull-last.xml", .pad_bytes = 100000 });
	assert_int_equal(xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service"), XPV_ETOOBIG);
	assert_non_null(strstr(xpv_error_last(), "answer larger than 4096 bytes refused"));
	xpv_winrm_close(s);

	o = opts_for(e, "127.0.0.1");
	o.request_timeout_ms = 300;
	assert_int_equal(xpv_winrm_open(&s, &o), 0);
	ts_push(e->ts, &(struct ts_reply){ .file = "pull-last.xml", .delay_ms = 1500 });
	assert_int_equal(xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service"), XPV_ETIMEOUT);
	assert_non_null(strstr(xpv_error_last(), "node1 (127.0.0.1:"));
	xpv_winrm_close(s);
}

/* One WQL query on a new session with `o`: its code (the answer, when
 * there is one, is a canned Win32_Service page). */
static int ask_once(struct env *e, const struct xpv_winrm_opts *o, bool answer)
{
	struct xpv_winrm *s;
	json_t *rows = NULL;
	int rc;

	assert_int_equal(xpv_winrm_open(&s, o), 0);
	if (answer)
		push(e, "pull-last.xml", 200);
	rc = xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service");
	json_decref(rows);
	xpv_winrm_close(s);
	return rc;
}

static void test_tls_and_names(void **state)
{
	struct env *e = *state;
	struct xpv_winrm_opts o = opts_for(e, "127.0.0.1");
	char *junk = th_write("junk-ca.pem", "not a certificate\n");
	char *once = th_write("once-ca.pem", ca.cert);
	struct xpv_winrm *s;
	json_t *rows;

	/* a server signed by a CA we were not told to trust */
	o.ca_file = other_ca_file;
	assert_int_equal(ask_once(e, &o, false), XPV_ETLS);
	assert_non_null(strstr(xpv_error_last(), "TLS failed"));

	/* a CA file with no certificate in it: refused, not trusted wholesale;
	 * insecure does not read it at all, as libcurl would not */
	o.ca_file = junk;
	assert_int_equal(ask_once(e, &o, false), XPV_ETLS);
	assert_non_null(strstr(xpv_error_last(), "TLS failed"));
	o.insecure = true;
	assert_int_equal(ask_once(e, &o, true), 0);

	/* the CA file is read once for the process: a session opened after
	 * the file changed still judges by what was read (libcurl alone would
	 * read it again for every connection) */
	o = opts_for(e, "127.0.0.1");
	o.ca_file = once;
	assert_int_equal(ask_once(e, &o, true), 0);
	free(th_write("once-ca.pem", other_ca.cert));
	assert_int_equal(ask_once(e, &o, true), 0);

	/* the CA file is read when the session is opened, not inside the
	 * first connection's deadline: gone by the time of the handshake, the
	 * session still judges by it */
	o = opts_for(e, "127.0.0.1");
	o.ca_file = th_write("open-ca.pem", ca.cert);
	assert_int_equal(xpv_winrm_open(&s, &o), 0);
	assert_int_equal(unlink(o.ca_file), 0);
	push(e, "pull-last.xml", 200);
	assert_int_equal(xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service"), 0);
	json_decref(rows);
	xpv_winrm_close(s);
	free((char *)o.ca_file);

	/* pinned name in the certificate: fine; pinned name not in it: refused */
	o = opts_for(e, "node1.lab.local");
	assert_int_equal(ask_once(e, &o, true), 0);
	o = opts_for(e, "node2.lab.local");
	assert_int_equal(ask_once(e, &o, false), XPV_ETLS);

	/* insecure skips verification, as the scenario flag says */
	o.insecure = true;
	assert_int_equal(ask_once(e, &o, true), 0);
	free(junk);
	free(once);
}

/* A server whose certificate an intermediate CA signed, sending no chain:
 * a CA file holding that intermediate alone is enough, as for libcurl
 * alone (its partial chain rule, on the shared store); the root alone is
 * not. */
static void test_intermediate_ca_file(void **state)
{
	static const char *const dns[] = { "localhost" };
	static const char *const ips[] = { "127.0.0.1" };
	struct xpv_cert_spec spec = { .common_name = "node1", .dns = dns, .n_dns = 1, .ips = ips, .n_ips = 1 };
	struct xpv_pem inter, leaf;
	struct env e = { 0 };
	struct xpv_winrm_opts o;
	char *inter_file;

	(void)state;
	assert_int_equal(xpv_cert_make_sub_ca(&inter, &ca, "issuing CA"), 0);
	assert_int_equal(xpv_cert_make_server(&leaf, &inter, &spec), 0);
	inter_file = th_write("inter-ca.pem", inter.cert);
	e.ts = ts_start(&leaf, USER, PASS);
	o = opts_for(&e, "127.0.0.1");
	o.ca_file = inter_file;
	assert_int_equal(ask_once(&e, &o, true), 0);
	o.ca_file = ca_file;
	assert_int_equal(ask_once(&e, &o, false), XPV_ETLS);
	ts_stop(e.ts);
	free(e.transcript);
	free(inter_file);
	xpv_pem_clear(&inter);
	xpv_pem_clear(&leaf);
}

static void test_connection_refused_and_dns(void **state)
{
	struct env *e = *state;
	struct ts *gone = ts_start(&server, USER, PASS);
	struct xpv_winrm *s;
	struct xpv_winrm_opts o = opts_for(e, "127.0.0.1");
	json_t *rows;

	o.port = ts_port(gone);
	ts_stop(gone); /* nothing listens there now */
	assert_int_equal(xpv_winrm_open(&s, &o), 0);
	assert_int_equal(xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service"), XPV_ECONNECT);
	assert_non_null(strstr(xpv_error_last(), "connection failed"));
	xpv_winrm_close(s);

	o = opts_for(e, "unresolvable.invalid");
	assert_int_equal(xpv_winrm_open(&s, &o), 0);
	assert_int_equal(xpv_winrm_wql(&rows, s, "root/cimv2", "select * from Win32_Service"), XPV_EDNS);
	xpv_winrm_close(s);
}

static void test_transcript_has_no_credentials(void **state)
{
	struct env *e = *state;
	json_t *rows;
	/* base64 of USER ":" PASS, as Basic sends it */
	const char *b64 = "bGFiXHZlcmlmaWVyOlBhNTU6dzByZCY8eD4=";

	push(e, "pull-last.xml", 200);
	assert_int_equal(xpv_winrm_wql(&rows, e->s, "root/cimv2", "select * from Win32_Service"), 0);
	json_decref(rows);
	assert_non_null(strstr(ts_request(e->ts, 0)->authorization, b64)); /* it was sent */
	assert_non_null(e->transcript);
	assert_null(strstr(e->transcript, b64));
	assert_null(strstr(e->transcript, PASS));
	assert_non_null(strstr(e->transcript, "Authorization: [REDACTED]"));
	assert_non_null(strstr(e->transcript, "select * from Win32_Service"));
	assert_non_null(strstr(e->transcript, "PullResponse"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wql_pages_until_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wql_enumerate_then_pull, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wql_total_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_receives_through_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_deletes_the_shell_on_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invoke_move_to_new_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_is_an_error_with_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relates_to_must_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_deadlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_and_names, setup, teardown),
		cmocka_unit_test(test_intermediate_ca_file),
		cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused_and_dns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_has_no_credentials, setup, teardown),
	};

	return cmocka_run_group_tests_name("winrm", tests, group_setup, group_teardown);
}
