/* Scenario loading: every class of bad input gets its exact message and
 * position; good files get their defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "scenario.h"
#include "secrets.h"
#include "test_checks.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE                                  \
	"name: lab\n"                         \
	"cluster:\n"                          \
	"  name: xpcluster\n"                 \
	"  role: ms-role\n"                   \
	"  address: https://ms-role.lab.local\n" \
	"nodes:\n"                            \
	"  - name: node1\n"                   \
	"    host: 127.0.10.1\n"              \
	"  - name: node2\n"                   \
	"    host: 127.0.10.2\n"

struct bad_case {
	const char *yaml;
	const char *expected; /* the first diagnostic, after the file name */
};

static int case_no;

/* Loads `yaml`; returns the diagnostics (caller clears) and the path. */
static int load_text(struct xpv_scenario **sc, struct xpv_diags *d, char **path, const char *yaml)
{
	char name[32];

	snprintf(name, sizeof(name), "case%d.yaml", case_no++);
	*path = th_write(name, yaml);
	memset(d, 0, sizeof(*d));
	return xpv_scenario_load(sc, d, *path, xpv_test_checks, xpv_test_checks_count);
}

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct xpv_scenario *sc = (void *)1;
	struct xpv_diags d;
	char *path, *line;
	int rc = load_text(&sc, &d, &path, c->yaml);

	assert_int_equal(rc, -4 /* XPV_ESCENARIO */);
	assert_null(sc);
	assert_true(d.n >= 1);
	line = xpv_diag_format(path, &d.items[0]);
	assert_memory_equal(line, path, strlen(path));
	assert_string_equal(line + strlen(path), c->expected);
	free(line);
	xpv_diags_clear(&d);
	free(path);
}

static const struct bad_case cases[] = {
	{ BASE "nmae: x\n", ":11:1: nmae: unknown key" },
	/* topologies: what each needs and refuses */
	{ BASE "topology: vms\n", ":11:11: topology: expected one of wsfc, safekit, got 'vms'" },
	{ BASE "failover: {method: stop-primary}\n",
	  ":11:11: failover.method: stop-primary is SafeKit's (safekit stop on the PRIM node); with topology wsfc use "
	  "restart-owner or move-role" },
	{ BASE "topology: safekit\nfailover: {method: move-role}\n",
	  ":12:11: failover.method: move-role is a WSFC move; with topology safekit use restart-owner or stop-primary" },
	{ BASE "topology: safekit\nsafekit: {module: 'AM & del x'}\n",
	  ":12:10: safekit.module: 'AM & del x' is not a SafeKit module name (1 to 64 letters, digits, '_', '-' or '.')" },
	{ BASE "safekit: {module: AM}\n",
	  ":11:10: safekit: applies to topology safekit only (this scenario's topology is wsfc)" },
	{ BASE "topology: safekit\nsafekit: {console_port: 0}\n",
	  ":12:25: safekit.console_port: must be between 1 and 65535, got 0" },
	{ BASE "  - {name: node3, host: 127.0.10.3}\ntopology: safekit\n",
	  ":7:3: nodes: a SafeKit mirror module runs on exactly two nodes (3 given)" },
	{ BASE "services: {event_server: {name: 7}, nfs: {name: x}}\n", ":11:37: services.nfs: unknown key" },
	{ BASE "winrm:\n  port: abc\n", ":12:9: winrm.port: expected an integer, got 'abc'" },
	{ BASE "winrm:\n  port: 70000\n", ":12:9: winrm.port: must be between 1 and 65535, got 70000" },
	{ "name: lab\ncluster:\n  name: c\n  address: https://r.lab\nnodes:\n  - {name: a, host: h1}\n"
	  "  - {name: b, host: h2}\n",
	  ":3:3: cluster.role: missing required key" },
	{ "name: lab\ncluster: {name: c, role: r, address: https://r.lab}\nnodes:\n  - name: node1\n"
	  "    host: h1\n  - name: NODE1\n    host: h2\n",
	  ":6:5: nodes[1]: duplicate node 'NODE1' (also nodes[0])" },
	{ "name: lab\ncluster: {name: c, role: r, address: https://r.lab}\nnodes:\n  - {name: a, host: h1}\n"
	  "  - {name: b, host: H1}\n",
	  ":5:5: nodes[1]: duplicate host 'H1' (also nodes[0])" },
	{ "name: lab\ncluster: {name: c, role: r, address: 'ftp://r.lab'}\nnodes: [{name: a, host: h1}, {name: b, host: h2}]\n",
	  ":2:38: cluster.address: malformed URL 'ftp://r.lab': the scheme must be https or http" },
	{ "name: lab\ncluster: {name: c, role: r, address: 'https://exa mple'}\nnodes: [{name: a, host: h1}, {name: b, host: h2}]\n",
	  ":2:38: cluster.address: malformed URL 'https://exa mple': Bad hostname" },
	{ BASE "winrm:\n  transport: https\n  auth: basic\n  username: u\n  password_file: /nonexistent/pw\n",
	  ":15:18: winrm.password_file: cannot read /nonexistent/pw: No such file or directory" },
	{ BASE "winrm:\n  transport: https\n  auth: basic\n  username: u\n  password_env: XPV_TEST_UNSET_VARIABLE\n",
	  ":15:17: winrm.password_env: environment variable XPV_TEST_UNSET_VARIABLE is not set" },
	{ BASE "name: again\n", ":11:1: name: duplicate key" },
	{ BASE "winrm:\n  auth: spnego\n", ":12:9: winrm.auth: expected one of negotiate, basic, kerberos, ntlm, got 'spnego'" },
	{ BASE "winrm:\n  transport: ftp\n", ":12:14: winrm.transport: expected one of http, https, got 'ftp'" },
	{ BASE "winrm:\n  auth: ntlm\n", ":12:3: winrm.username: missing required key (auth ntlm needs a username and a password)" },
	{ BASE "winrm:\n  auth: basic\n  username: u\n  password: inline-pw\n",
	  ":12:3: winrm: auth basic sends the password in clear text: it needs transport https" },
	{ BASE "winrm:\n  kdc: dc1.example.internal:88\n",
	  ":12:3: winrm: kdc needs the realm: set realm, or a username user@REALM" },
	{ BASE "winrm:\n  password_env: HOME\n", ":12:3: winrm: a password needs a username: set username too" },
	{ BASE "winrm:\n  auth: kerberos\n",
	  ":7:5: nodes[0]: auth kerberos needs the node's host name for its SPN (HTTP/<name>): set fqdn, or host to a name" },
	{ BASE "winrm:\n  insecure: yes\n", ":12:13: winrm.insecure: expected true or false, got 'yes'" },
	{ BASE "waivers:\n  - check: t-cluster\n    expires: 2030-01-01\n",
	  ":12:5: waivers[0].reason: missing required key" },
	{ BASE "waivers:\n  - check: t-cluster\n    reason: known\n    expires: 2026-02-30\n",
	  ":14:14: waivers[0].expires: expected a date YYYY-MM-DD, got '2026-02-30'" },
	{ BASE "waivers:\n  - check: t-nope\n    reason: known\n    expires: 2030-01-01\n",
	  ":12:12: waivers[0].check: unknown check 't-nope' (xpverify list-checks shows the known ones)" },
	{ BASE "checks:\n  include: [t-cluster, t-nope]\n",
	  ":12:24: checks.include[1]: unknown check 't-nope' (xpverify list-checks shows the known ones)" },
	{ "name: lab\ncluster: {name: c, role: r, address: https://r.lab}\nnodes:\n  - {name: a, host: h1}\n",
	  ":4:3: nodes: a failover cluster has at least 2 nodes, got 1" },
	{ "name: lab\ncluster: {name: c, role: r, address: https://r.lab}\nnodes: {name: a}\n",
	  ":3:8: nodes: expected a list, got a mapping" },
	{ "name: [unclosed\ncluster: x\n",
	  ":2:8: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence" },
	{ "", ":1:1: the file is empty; a scenario is a mapping with name, cluster and nodes" },
	{ "# only a comment\n", ":1:1: the file is empty; a scenario is a mapping with name, cluster and nodes" },
	{ "- just\n- a list\n", ":1:1: expected a mapping, got a list" },
	{ BASE "lab: lab.yaml\n", ":2:1: cluster: comes from the lab file when 'lab' is set; remove it" },
	{ "name: lab\nlab: lab.yaml\nwinrm: {request_timeout_s: 5, port: 5986}\n",
	  ":3:31: winrm.port: comes from the lab file when 'lab' is set; remove it" },
	{ "name: lab\nlab: lab.yaml\nlogin: {username: u, password_env: HOME}\n",
	  ":1:1: login: the lab's accounts are used when 'lab' is set; remove the credentials" },
	{ "name: nothing\ndescription: no cluster\n",
	  ":1:1: cluster: missing required key (or set 'lab' to run against the built-in lab)" },
	{ BASE "winrm:\n  username: u\n  password_env: HOME\n  password: inline\n",
	  ":14:13: winrm.password: only one of password_env, password_file, password may be set" },
	{ BASE "winrm:\n  transport: https\n  auth: basic\n", ":12:3: winrm.username: missing required key (auth basic needs a username and a password)" },
	{ BASE "checks:\n  params:\n    t-cluster:\n      nope: 1\n",
	  ":14:7: checks.params.t-cluster.nope: unknown parameter of check t-cluster" },
	{ BASE "checks:\n  params:\n    t-nodes:\n      sleep_ms: soon\n",
	  ":14:17: checks.params.t-nodes.sleep_ms: expected an integer, got 'soon'" },
	{ BASE "nodes2: []\n", ":11:1: nodes2: unknown key" },
	{ "name: lab\ncluster: {name: c, role: r, address: https://r.lab}\nnodes:\n  - {name: a, host: h1, ip: 999.1.1.1}\n"
	  "  - {name: b, host: h2}\n",
	  ":4:5: nodes[0]: ip '999.1.1.1' is not an IPv4 or IPv6 address" },
	{ BASE "resolve:\n  ms-role.lab.local: not-an-address\n",
	  ":12:22: resolve.ms-role.lab.local: 'not-an-address' is not an IPv4 or IPv6 address" },
	{ BASE "failover:\n  takeover_max_s: 300\n  timeout_s: 60\n",
	  ":12:3: failover: timeout_s (60) must not be shorter than takeover_max_s (300)" },
	{ BASE "description:\n", ":11:13: description: has no value (expected a string)" },
	{ BASE "name2: x\n---\nname: other\n", ":11:1: name2: unknown key" },
	{ BASE "---\nname: other\n", ":11:1: more than one YAML document; the file must hold one" },
	{ BASE "reports:\n  junit: out.xml\n  html: out.xml\n",
	  ":1:1: reports: two reports are written to the same file 'out.xml'" },
	{ BASE "reports:\n  evidence:\n", ":12:12: reports.evidence: has no value (expected a string)" },
	{ BASE "history:\n  odbc: Driver=PostgreSQL Unicode;Server=127.0.0.1; pwd = s3cret\n",
	  ":12:9: history.odbc: holds a password (pwd=): name an environment variable with "
	  "history.password_env instead" },
	{ BASE "history:\n  odbc: Driver=X;Password=s3cret\n",
	  ":12:9: history.odbc: holds a password (Password=): name an environment variable with "
	  "history.password_env instead" },
	{ BASE "history:\n  timeout_s: 0\n", ":12:14: history.timeout_s: must be between 1 and 600, got 0" },
	{ BASE "history: [a]\n", ":11:10: history: expected a mapping, got a list" },
};

static void test_missing_file(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d = { 0 };
	char *line;

	(void)state;
	assert_int_equal(xpv_scenario_load(&sc, &d, "/nonexistent/s.yaml", NULL, 0), -4);
	assert_int_equal(d.n, 1);
	line = xpv_diag_format("/nonexistent/s.yaml", &d.items[0]);
	assert_string_equal(line, "/nonexistent/s.yaml: cannot read: No such file or directory");
	free(line);
	xpv_diags_clear(&d);
}

static void test_every_problem_in_file_order(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path;

	(void)state;
	assert_int_equal(load_text(&sc, &d, &path,
				   BASE "tls:\n  expiry_warn_days: -1\nwinrm:\n  port: 0\nbogus: 1\n"),
			 -4);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.items[0].path, "tls.expiry_warn_days");
	assert_int_equal(d.items[0].line, 12);
	assert_string_equal(d.items[1].path, "winrm.port");
	assert_int_equal(d.items[1].line, 14);
	assert_string_equal(d.items[2].path, "bogus");
	assert_int_equal(d.items[2].line, 15);
	xpv_diags_clear(&d);
	free(path);
}

/* A SafeKit pair: milestone.safe's six services in its start order, no
 * role needed, the module found at run time unless given. */
static void test_safekit_defaults(void **state)
{
	static const char *const names[] = { "W3SVC",
					     "MSSQLServer",
					     "Milestone XProtect Management Server",
					     "Milestone XProtect Log Server",
					     "MilestoneEventServerService",
					     "Milestone XProtect Data Collector Server" };
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path;

	(void)state;
	assert_int_equal(load_text(&sc, &d, &path,
				   "name: sk\ntopology: safekit\ncluster: {name: xpvip, address: https://xpvip.lab}\n"
				   "nodes: [{name: a, host: a.lab}, {name: b, host: b.lab}]\nfailover: {method: stop-primary}\n"),
			 0);
	assert_int_equal(sc->topology, XPV_TOPOLOGY_SAFEKIT);
	assert_null(sc->cluster.role);
	assert_null(sc->safekit.module);
	assert_string_equal(sc->safekit.command, "safekit");
	assert_int_equal(sc->safekit.console_port, 9453);
	assert_int_equal(sc->n_services, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(sc->services[i].name, names[i]);
	xpv_scenario_free(sc);
	free(path);
	/* an external SQL Server is not the module's; a service added to WSFC's three is kept */
	assert_int_equal(load_text(&sc, &d, &path,
				   "name: sk\ntopology: safekit\nsafekit: {external_sql: true, module: MSF, console: http}\n"
				   "cluster: {name: xpvip, address: https://xpvip.lab}\n"
				   "nodes: [{name: a, host: a.lab}, {name: b, host: b.lab}]\n"),
			 0);
	assert_int_equal(sc->n_services, 5);
	assert_int_equal(sc->safekit.console_port, 9010); /* SafeKit's default web server: HTTP */
	assert_null(xpv_scenario_service(sc, "sql_server"));
	assert_string_equal(sc->safekit.module, "MSF");
	xpv_scenario_free(sc);
	free(path);
	assert_int_equal(load_text(&sc, &d, &path, BASE "services: {event_server: , log_server: {optional: true}}\n"), 0);
	assert_int_equal(sc->n_services, 4);
	assert_string_equal(sc->services[0].key, "management_server");
	assert_string_equal(sc->services[2].key, "log_server");
	assert_true(sc->services[2].optional);
	assert_string_equal(sc->services[3].name, "MilestoneEventServerService");
	xpv_scenario_free(sc);
	free(path);
}

static void test_defaults(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path;

	(void)state;
	assert_int_equal(load_text(&sc, &d, &path, BASE), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(sc->name, "lab");
	assert_string_equal(sc->cluster.address_host, "ms-role.lab.local");
	assert_int_equal(sc->cluster.port, 443);
	assert_int_equal(sc->n_nodes, 2);
	assert_string_equal(sc->nodes[1].host, "127.0.10.2");
	/* a stock Windows Server: HTTP 5985, Negotiate, SPN HTTP/<host> */
	assert_int_equal(sc->winrm.port, 5985);
	assert_int_equal(sc->winrm.transport, XPV_TRANSPORT_HTTP);
	assert_int_equal(sc->winrm.auth, XPV_AUTH_NEGOTIATE);
	assert_string_equal(sc->winrm.spn_service, "HTTP");
	assert_null(sc->winrm.realm);
	assert_false(sc->winrm.insecure);
	assert_string_equal(xpv_scenario_service(sc, "management_server")->name,
			    "Milestone XProtect Management Server");
	assert_string_equal(xpv_scenario_service(sc, "data_collector")->resource,
			    "Milestone XProtect Data Collector Server");
	assert_false(xpv_scenario_service(sc, "log_server")->optional);
	assert_string_equal(sc->login.client_id, "GrantValidatorClient");
	assert_string_equal(sc->login.token_path, "/IDP/connect/token");
	assert_int_equal(sc->failover.method, XPV_FAILOVER_RESTART_OWNER);
	assert_false(sc->failover.allow_disruptive);
	assert_int_equal(sc->failover.poll_ms, 250);
	assert_int_equal(sc->tls.expiry_warn_days, 30);
	assert_string_equal(sc->reports.dir, "xpverify-reports");
	assert_string_equal(sc->reports.junit, "junit.xml");
	assert_false(sc->history.present);
	assert_null(sc->history.odbc);
	/* nodes given by address have no SPN: Negotiate will use NTLM for them */
	assert_int_equal(sc->n_warnings, 2);
	assert_non_null(strstr(sc->warnings[0], "node node1 is given by address only: it has no Kerberos SPN"));
	xpv_scenario_free(sc);
	free(path);

	/* "history:" alone: SQLite next to the scenario */
	assert_int_equal(load_text(&sc, &d, &path, BASE "history:\n"), 0);
	assert_true(sc->history.present);
	{
		char *dir = xpv_dirname(path), *want = xpv_asprintf("Driver=SQLite3;Database=%s/xpverify-history.db", dir);

		assert_string_equal(sc->history.odbc, want);
		free(dir);
		free(want);
	}
	assert_true(sc->history.timeout_s == 30);
	xpv_scenario_free(sc);
	free(path);
}

static void test_full(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path, *pw = th_write("winrm.pw", "s3cret-file\n");
	char *yaml = xpv_asprintf(
		BASE "description: \"full\"\n"
		     "resolve:\n  ms-role.lab.local: 127.0.10.100\n"
		     "winrm:\n  port: 15986\n  transport: https\n  auth: basic\n  username: lab\\admin\n  password_file: winrm.pw\n"
		     "  ca_file: %s\n  connect_timeout_s: 2.5\n"
		     "services:\n  log_server: {name: Custom Log, optional: true}\n"
		     "login:\n  method: basic\n  username: admin\n  password_env: XPV_TEST_LOGIN_PW\n"
		     "tls:\n  require_ip_san: true\n  expiry_warn_days: 14\n"
		     "failover:\n  allow_disruptive: true\n  method: move-role\n  takeover_max_s: 90\n"
		     "  poll_ms: 100\n  timeout_s: 300\n  failback: true\n"
		     "checks:\n  include: [t-cluster, t-nodes]\n  exclude: [t-nodes]\n"
		     "  params:\n    t-nodes: {verdict: fail, sleep_ms: 5}\n"
		     "waivers:\n  - {check: t-nodes, reason: ticket 42, expires: 2031-12-31}\n"
		     "reports: {dir: out, junit: j.xml}\n"
		     "history:\n  odbc: Driver=PostgreSQL Unicode;Server=127.0.0.1;Database=xpv\n"
		     "  password_env: XPV_TEST_DB_PW\n  timeout_s: 5\n"
		     "deadline_s: 120\n",
		pw);

	(void)state;
	setenv("XPV_TEST_LOGIN_PW", "s3cret-env", 1);
	setenv("XPV_TEST_DB_PW", "s3cret-db", 1);
	assert_int_equal(load_text(&sc, &d, &path, yaml), 0);
	assert_string_equal(sc->history.odbc, "Driver=PostgreSQL Unicode;Server=127.0.0.1;Database=xpv");
	assert_string_equal(sc->history.password.value, "s3cret-db");
	assert_true(sc->history.timeout_s == 5);
	assert_string_equal(sc->resolve[0].address, "127.0.10.100");
	assert_int_equal(sc->winrm.port, 15986);
	assert_string_equal(sc->winrm.username, "lab\\admin");
	/* relative secret files resolve against the scenario's directory */
	assert_int_equal(sc->winrm.password.source, XPV_SECRET_FILE);
	assert_string_equal(sc->winrm.password.value, "s3cret-file");
	assert_string_equal(sc->login.password.value, "s3cret-env");
	assert_true(sc->winrm.connect_timeout_s == 2.5);
	assert_string_equal(xpv_scenario_service(sc, "log_server")->name, "Custom Log");
	assert_string_equal(xpv_scenario_service(sc, "log_server")->resource, "Custom Log");
	assert_true(xpv_scenario_service(sc, "log_server")->optional);
	assert_int_equal(sc->failover.method, XPV_FAILOVER_MOVE_ROLE);
	assert_true(sc->failover.failback);
	assert_int_equal(sc->n_include, 2);
	assert_string_equal(sc->exclude[0], "t-nodes");
	assert_string_equal(xpv_scenario_param(sc, "t-nodes", "verdict"), "fail");
	assert_null(xpv_scenario_param(sc, "t-cluster", "verdict"));
	assert_string_equal(sc->waivers[0].target, "*");
	assert_string_equal(sc->reports.junit, "j.xml");
	assert_string_equal(sc->reports.html, "report.html");
	/* secrets are registered for redaction as soon as they are read */
	{
		char *red = xpv_redact("a s3cret-file and s3cret-env");

		assert_string_equal(red, "a [REDACTED] and [REDACTED]");
		free(red);
	}
	xpv_scenario_free(sc);
	free(path);
	free(yaml);
	free(pw);
}

static void test_inline_password_warns(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path;

	(void)state;
	assert_int_equal(load_text(&sc, &d, &path,
				   BASE "winrm:\n  transport: https\n  auth: basic\n  username: u\n  password: hunter2\n"
					"  insecure: true\n"),
			 0);
	assert_int_equal(sc->n_warnings, 2);
	assert_string_equal(sc->warnings[0], "winrm.password is written inline in the scenario; use "
					     "password_env or password_file so the secret stays out of the file");
	assert_string_equal(sc->warnings[1],
			    "winrm.insecure is true: WinRM server certificates are not verified");
	xpv_scenario_free(sc);
	free(path);
}

static void test_short_secret_warns(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path;

	(void)state;
	setenv("XPV_TEST_SHORT_PW", "pw1", 1);
	assert_int_equal(load_text(&sc, &d, &path, BASE "winrm:\n  transport: https\n  auth: basic\n  username: u\n  password_env: XPV_TEST_SHORT_PW\n"), 0);
	assert_int_equal(sc->n_warnings, 1);
	assert_string_equal(sc->warnings[0], "the secret of winrm.password_env is only 3 characters long: it is "
					     "redacted wherever that text appears, which garbles messages and hints "
					     "at it; use a longer one");
	xpv_scenario_free(sc);
	free(path);
}

static void test_alias_flood_is_bounded(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path, *line;
	/* aliases make a small file walk a large tree; the loader stops early */
	size_t n = 100001, len = strlen(BASE) + 128 + n * 4;
	char *yaml = xpv_calloc(len, 1);

	(void)state;
	strcpy(yaml, BASE "waivers: [&w {check: t-cluster, reason: r, expires: 2030-01-01}");
	for (size_t i = 1, o = strlen(yaml); i < n; i++, o += 3)
		memcpy(yaml + o, ",*w", 4);
	strcat(yaml, "]\n");
	assert_int_equal(load_text(&sc, &d, &path, yaml), -4);
	line = xpv_diag_format(path, &d.items[d.n - 1]);
	assert_string_equal(line + strlen(path),
			    ":1:1: the document is too complex (more than 100000 nodes visited; aliases?)");
	free(line);
	xpv_diags_clear(&d);
	free(path);
	free(yaml);
}

/* Deep nesting, a large file, a FIFO for a password: each refused at
 * once with the file, line and key, never waited on. */
static void test_inputs_are_bounded(void **state)
{
	struct xpv_scenario *sc;
	struct xpv_diags d;
	char *path, *line, *fifo, *yaml;
	size_t big = (1u << 20) + 16;

	(void)state;
	/* 100 levels of flow nesting, on line 12 (after BASE) */
	yaml = xpv_calloc(strlen(BASE) + 256, 1);
	strcpy(yaml, BASE "x: ");
	for (int i = 0; i < 100; i++)
		strcat(yaml, "[");
	assert_int_equal(load_text(&sc, &d, &path, yaml), XPV_ESCENARIO);
	line = xpv_diag_format(path, &d.items[0]);
	assert_string_equal(line + strlen(path), ":11:67: nested deeper than 64 levels");
	free(line);
	xpv_diags_clear(&d);
	free(path);
	free(yaml);

	/* more pins than a cluster can use */
	yaml = xpv_calloc(strlen(BASE) + 32 + 1100 * 32, 1);
	strcpy(yaml, BASE "resolve:\n");
	for (int i = 0; i < 1100; i++)
		snprintf(yaml + strlen(yaml), 32, "  h%d.lab: 127.0.10.1\n", i);
	assert_int_equal(load_text(&sc, &d, &path, yaml), XPV_ESCENARIO);
	line = xpv_diag_format(path, &d.items[0]);
	assert_string_equal(line + strlen(path), ":12:3: resolve: at most 1024 host pins, got 1100");
	free(line);
	xpv_diags_clear(&d);
	free(path);
	free(yaml);

	/* over 1 MiB: refused before it is read */
	yaml = xpv_calloc(big + 1, 1);
	memset(yaml, '#', big);
	assert_int_equal(load_text(&sc, &d, &path, yaml), XPV_ESCENARIO);
	line = xpv_diag_format(path, &d.items[0]);
	assert_string_equal(line + strlen(path), ": cannot read: larger than 1048576 bytes");
	free(line);
	xpv_diags_clear(&d);
	free(path);
	free(yaml);

	/* a password file that is a FIFO nobody writes to */
	fifo = xpv_asprintf("%s/pw.fifo", th_tmpdir());
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	yaml = xpv_asprintf(BASE "winrm:\n  username: u@R\n  password_file: %s\n", fifo);
	assert_int_equal(load_text(&sc, &d, &path, yaml), XPV_ESCENARIO);
	line = xpv_diag_format(path, &d.items[0]);
	assert_non_null(strstr(line, ":13:18: winrm.password_file: cannot read "));
	assert_non_null(strstr(line, "pw.fifo: not a regular file"));
	free(line);
	xpv_diags_clear(&d);
	free(path);
	free(yaml);
	unlink(fifo);
	free(fifo);
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *tests = calloc(n + 9, sizeof(*tests));
	int rc;

	for (size_t i = 0; i < n; i++) {
		char *name = xpv_asprintf("bad scenario %zu: %.60s", i, cases[i].expected);

		tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(test_bad, (void *)&cases[i]);
		tests[i].name = name;
	}
	tests[n] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(test_every_problem_in_file_order);
	tests[n + 2] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[n + 3] = (struct CMUnitTest)cmocka_unit_test(test_full);
	tests[n + 4] = (struct CMUnitTest)cmocka_unit_test(test_inline_password_warns);
	tests[n + 5] = (struct CMUnitTest)cmocka_unit_test(test_alias_flood_is_bounded);
	tests[n + 6] = (struct CMUnitTest)cmocka_unit_test(test_short_secret_warns);
	tests[n + 7] = (struct CMUnitTest)cmocka_unit_test(test_inputs_are_bounded);
	tests[n + 8] = (struct CMUnitTest)cmocka_unit_test(test_safekit_defaults);
	unsetenv("XPV_TEST_UNSET_VARIABLE");
	free(th_write("lab.yaml", "# stands for a lab file\n"));
	rc = _cmocka_run_group_tests("scenario", tests, n + 9, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	xpv_secrets_clear();
	return rc;
}
