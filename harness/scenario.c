#include "scenario.h"

#include "error.h"
#include "safekit.h"
#include "secrets.h"
#include "util.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sc_load {
	struct xpv_scenario *sc;
	const struct xpv_check *const *checks;
	size_t n_checks;
};

static struct sc_load *ctx_of(const struct xpv_yaml *Y)
{
	return Y->user;
}

static const struct xpv_check *find_check(const struct xpv_yaml *Y, const char *id)
{
	for (size_t i = 0; i < ctx_of(Y)->n_checks; i++)
		if (strcmp(ctx_of(Y)->checks[i]->id, id) == 0)
			return ctx_of(Y)->checks[i];
	return NULL;
}

static void add_warning(struct xpv_scenario *sc, char *text)
{
	sc->warnings = xpv_realloc(sc->warnings, (sc->n_warnings + 1) * sizeof(*sc->warnings));
	sc->warnings[sc->n_warnings++] = text;
}

/* ---- fields ---------------------------------------------------------- */

enum secret_kind { FROM_ENV, FROM_FILE, INLINE };

#define XPV_SECRET_SHORT 6

static void load_secret(struct xpv_yaml *Y, yaml_node_t *n, const char *path, enum secret_kind type,
			struct xpv_secret *dst)
{
	const char *key = "password";
	const char *v = xpv_yaml_scalar(Y, n, path, "a string");
	char *value = NULL, *file;
	int rc = 0;

	if (v == NULL)
		return;
	if (dst->source != XPV_SECRET_NONE) {
		xpv_yaml_diag(Y, n, path, "only one of password_env, password_file, password may be set");
		return;
	}
	switch (type) {
	case FROM_ENV:
		rc = xpv_secret_from_env(&value, v);
		dst->source = XPV_SECRET_ENV;
		dst->origin = xpv_strdup(v);
		break;
	case FROM_FILE:
		file = xpv_path_join(ctx_of(Y)->sc->dir, v);
		rc = xpv_secret_from_file(&value, file);
		dst->source = XPV_SECRET_FILE;
		dst->origin = file;
		break;
	default:
		value = xpv_strdup(v);
		xpv_secret_register(value);
		dst->source = XPV_SECRET_INLINE;
		add_warning(ctx_of(Y)->sc, xpv_asprintf("%s is written inline in the scenario; use %s_env or "
						"%s_file so the secret stays out of the file",
						path, key, key));
		break;
	}
	if (rc < 0) {
		xpv_yaml_diag(Y, n, path, "%s", xpv_error_last());
		return;
	}
	/* redaction replaces the secret's text wherever it appears */
	if (strlen(value) < XPV_SECRET_SHORT)
		add_warning(ctx_of(Y)->sc, xpv_asprintf("the secret of %s is only %zu characters long: it is "
						"redacted wherever that text appears, which garbles messages "
						"and hints at it; use a longer one",
						path, strlen(value)));
	dst->value = value;
}

static void load_password_env(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n,
			      const char *path, void *base)
{
	load_secret(Y, n, path, FROM_ENV, (struct xpv_secret *)((char *)base + f->off));
}

static void load_password_file(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n,
			       const char *path, void *base)
{
	load_secret(Y, n, path, FROM_FILE, (struct xpv_secret *)((char *)base + f->off));
}

static void load_password_inline(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n,
				 const char *path, void *base)
{
	load_secret(Y, n, path, INLINE, (struct xpv_secret *)((char *)base + f->off));
}

/* ---- sections -------------------------------------------------------- */

#define SC(member) offsetof(struct xpv_scenario, member)

static void load_cluster_address(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;
	const char *v = xpv_yaml_scalar(Y, n, path, "a URL");
	CURLU *u;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL, *port = NULL;

	(void)base;
	if (v == NULL)
		return;
	u = curl_url();
	if (u == NULL) {
		xpv_yaml_diag(Y, n, path, "out of memory");
		return;
	}
	uc = curl_url_set(u, CURLUPART_URL, v, 0);
	if (uc != CURLUE_OK) {
		xpv_yaml_diag(Y, n, path, "malformed URL '%s': %s", v, curl_url_strerror(uc));
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	if (scheme == NULL || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
		xpv_yaml_diag(Y, n, path, "malformed URL '%s': the scheme must be https or http", v);
		goto out;
	}
	if (host == NULL || host[0] == '\0') {
		xpv_yaml_diag(Y, n, path, "malformed URL '%s': no host", v);
		goto out;
	}
	sc->cluster.address = xpv_strdup(v);
	sc->cluster.address_host = xpv_strdup(host);
	sc->cluster.scheme = xpv_strdup(scheme);
	sc->cluster.port = port != NULL ? strtol(port, NULL, 10) : 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

static const struct xpv_yaml_field cluster_fields[] = {
	{ .key = "name", .type = XPV_Y_STRING, .off = SC(cluster.name), .required = true },
	{ .key = "role", .type = XPV_Y_STRING, .off = SC(cluster.role) }, /* required for wsfc: check_topology */
	{ .key = "address", .type = XPV_Y_FUNC, .fn = load_cluster_address, .required = true },
	{ 0 }
};

static void load_cluster(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	xpv_yaml_map(Y, n, path, cluster_fields, base);
}

static const struct xpv_yaml_field node_fields[] = {
	{ .key = "name", .type = XPV_Y_STRING, .off = offsetof(struct xpv_node, name), .required = true },
	{ .key = "host", .type = XPV_Y_STRING, .off = offsetof(struct xpv_node, host), .required = true },
	{ .key = "fqdn", .type = XPV_Y_STRING, .off = offsetof(struct xpv_node, fqdn) },
	{ .key = "ip", .type = XPV_Y_STRING, .off = offsetof(struct xpv_node, ip) },
	{ 0 }
};

static void load_node(struct xpv_yaml *Y, yaml_node_t *n, const char *path, size_t idx)
{
	struct xpv_scenario *sc = ctx_of(Y)->sc;
	struct xpv_node *node = &sc->nodes[idx];
	size_t diags_before = Y->diags->n;

	xpv_yaml_map(Y, n, path, node_fields, node);
	if (Y->diags->n != diags_before || node->name == NULL)
		return;
	if (node->ip != NULL && !xpv_yaml_ip(node->ip))
		xpv_yaml_diag(Y, n, path, "ip '%s' is not an IPv4 or IPv6 address", node->ip);
	/* Windows node names are case-insensitive */
	for (size_t j = 0; j < idx; j++) {
		if (sc->nodes[j].name != NULL && strcasecmp(sc->nodes[j].name, node->name) == 0) {
			xpv_yaml_diag(Y, n, path, "duplicate node '%s' (also nodes[%zu])", node->name, j);
			return;
		}
		if (sc->nodes[j].host != NULL && node->host != NULL &&
		    strcasecmp(sc->nodes[j].host, node->host) == 0) {
			xpv_yaml_diag(Y, n, path, "duplicate host '%s' (also nodes[%zu])", node->host, j);
			return;
		}
	}
}

static void load_nodes(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a list, got %s", xpv_yaml_kind(n));
		return;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count < 2) {
		xpv_yaml_diag(Y, n, path, "a failover cluster has at least 2 nodes, got %zu", count);
		return;
	}
	sc->nodes = xpv_calloc(count, sizeof(*sc->nodes));
	sc->n_nodes = count;
	xpv_yaml_seq(Y, n, path, load_node);
}

#define MAX_RESOLVE 1024

static void load_resolve(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;

	if (n->type != YAML_MAPPING_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a mapping of host names to addresses, got %s", xpv_yaml_kind(n));
		return;
	}
	/* a pin per node and the cluster address; the duplicate check is
	 * quadratic, so the list is bounded */
	if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > MAX_RESOLVE) {
		xpv_yaml_diag(Y, n, path, "at most %d host pins, got %ld", MAX_RESOLVE,
			      (long)(n->data.mapping.pairs.top - n->data.mapping.pairs.start));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);
		yaml_node_t *v = xpv_yaml_node(Y, p->value);
		const char *host = xpv_yaml_scalar(Y, k, path, "a host name");
		char *cpath;
		const char *addr;

		if (host == NULL)
			continue;
		cpath = xpv_yaml_path(path, host);
		addr = xpv_yaml_scalar(Y, v, cpath, "an address");
		if (addr != NULL && !xpv_yaml_ip(addr)) {
			xpv_yaml_diag(Y, v, cpath, "'%s' is not an IPv4 or IPv6 address", addr);
		} else if (addr != NULL) {
			bool dup = false;

			for (size_t i = 0; i < sc->n_resolve; i++)
				dup |= strcasecmp(sc->resolve[i].host, host) == 0;
			if (dup) {
				xpv_yaml_diag(Y, k, cpath, "duplicate key");
			} else {
				sc->resolve = xpv_realloc(sc->resolve, (sc->n_resolve + 1) * sizeof(*sc->resolve));
				sc->resolve[sc->n_resolve].host = xpv_strdup(host);
				sc->resolve[sc->n_resolve].address = xpv_strdup(addr);
				sc->n_resolve++;
			}
		}
		free(cpath);
	}
}

static const char *const auth_choices[] = { "negotiate", "basic", "kerberos", "ntlm", NULL };
static const char *const transport_choices[] = { "http", "https", NULL };

static const struct xpv_yaml_field winrm_fields[] = {
	{ .key = "port", .type = XPV_Y_INT, .off = SC(winrm.port), .min = 1, .max = 65535 },
	{ .key = "transport", .type = XPV_Y_ENUM, .off = SC(winrm.transport), .choices = transport_choices },
	{ .key = "auth", .type = XPV_Y_ENUM, .off = SC(winrm.auth), .choices = auth_choices },
	{ .key = "username", .type = XPV_Y_STRING, .off = SC(winrm.username) },
	{ .key = "realm", .type = XPV_Y_STRING, .off = SC(winrm.realm) },
	{ .key = "kdc", .type = XPV_Y_STRING, .off = SC(winrm.kdc) },
	{ .key = "keytab", .type = XPV_Y_PATH, .off = SC(winrm.keytab) },
	{ .key = "ccache", .type = XPV_Y_STRING, .off = SC(winrm.ccache) },
	{ .key = "spn_service", .type = XPV_Y_STRING, .off = SC(winrm.spn_service) },
	{ .key = "password_env", .type = XPV_Y_FUNC, .fn = load_password_env, .off = SC(winrm.password) },
	{ .key = "password_file", .type = XPV_Y_FUNC, .fn = load_password_file, .off = SC(winrm.password) },
	{ .key = "password", .type = XPV_Y_FUNC, .fn = load_password_inline, .off = SC(winrm.password) },
	{ .key = "ca_file", .type = XPV_Y_PATH, .off = SC(winrm.ca_file) },
	{ .key = "insecure", .type = XPV_Y_BOOL, .off = SC(winrm.insecure) },
	{ .key = "connect_timeout_s", .type = XPV_Y_NUMBER, .off = SC(winrm.connect_timeout_s), .min = 0.1, .max = 600 },
	{ .key = "operation_timeout_s", .type = XPV_Y_NUMBER, .off = SC(winrm.operation_timeout_s), .min = 1, .max = 3600 },
	{ .key = "request_timeout_s", .type = XPV_Y_NUMBER, .off = SC(winrm.request_timeout_s), .min = 1, .max = 3600 },
	{ 0 }
};

/* Username and password go together; `needed` makes them required. */
static void check_credentials(struct xpv_yaml *Y, yaml_node_t *n, const char *path, const char *user,
			      const struct xpv_secret *pw, bool needed, const char *why)
{
	bool has_pw = pw->source != XPV_SECRET_NONE;

	if (needed && user == NULL) {
		char *p = xpv_yaml_path(path, "username");

		xpv_yaml_diag(Y, n, p, "missing required key (%s)", why);
		free(p);
	}
	if (needed && !has_pw) {
		char *p = xpv_yaml_path(path, "password_env");

		xpv_yaml_diag(Y, n, p, "missing required key: set one of password_env, password_file, password (%s)",
		     why);
		free(p);
	}
	if (!needed && (user != NULL) != has_pw)
		xpv_yaml_diag(Y, n, path, "username and password go together: set both or neither");
}

/* Whether the document names a lab (whose accounts are then used). */
static bool names_lab(struct xpv_yaml *Y)
{
	yaml_node_t *root = yaml_document_get_root_node(&Y->doc);

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return false;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);

		if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, "lab") == 0)
			return true;
	}
	return false;
}

static void load_winrm(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;
	size_t before = Y->diags->n;

	xpv_yaml_map(Y, n, path, winrm_fields, base);
	if (Y->diags->n != before)
		return;
	if ((sc->winrm.auth == XPV_AUTH_BASIC || sc->winrm.auth == XPV_AUTH_NTLM) && !names_lab(Y))
		check_credentials(Y, n, path, sc->winrm.username, &sc->winrm.password, true,
				  sc->winrm.auth == XPV_AUTH_BASIC ? "auth basic needs a username and a password"
								   : "auth ntlm needs a username and a password");
	else if (sc->winrm.password.source != XPV_SECRET_NONE && sc->winrm.username == NULL)
		xpv_yaml_diag(Y, n, path, "a password needs a username: set username too");
	if (sc->winrm.auth == XPV_AUTH_BASIC && sc->winrm.transport == XPV_TRANSPORT_HTTP)
		xpv_yaml_diag(Y, n, path, "auth basic sends the password in clear text: it needs transport https");
	if (sc->winrm.keytab != NULL && sc->winrm.password.source != XPV_SECRET_NONE)
		xpv_yaml_diag(Y, n, path, "keytab and a password exclude each other: set one");
	if (sc->winrm.kdc != NULL && sc->winrm.realm == NULL && (sc->winrm.username == NULL ||
								  strchr(sc->winrm.username, '@') == NULL))
		xpv_yaml_diag(Y, n, path, "kdc needs the realm: set realm, or a username user@REALM");
	if (sc->winrm.insecure)
		add_warning(sc, xpv_strdup("winrm.insecure is true: WinRM server certificates are not "
					   "verified"));
}

static const struct xpv_yaml_field service_fields[] = {
	{ .key = "name", .type = XPV_Y_STRING, .off = offsetof(struct xpv_service, name) },
	{ .key = "resource", .type = XPV_Y_STRING, .off = offsetof(struct xpv_service, resource) },
	{ .key = "optional", .type = XPV_Y_BOOL, .off = offsetof(struct xpv_service, optional) },
	{ 0 }
};

/* Every service a scenario may name: its key, its Windows name, and where
 * it stands in each topology's defaults (0: not a default there). WSFC:
 * the guide's three role services. SafeKit: the SERVICES macro of
 * Eviden's milestone.safe, in its start order (reference/safekit.md A.3). */
static const struct {
	const char *key, *name;
	int wsfc, safekit;
} known_services[XPV_MAX_SERVICES] = {
	{ "iis", "W3SVC", 0, 1 },
	{ "sql_server", "MSSQLServer", 0, 2 },
	{ "management_server", "Milestone XProtect Management Server", 1, 3 },
	{ "log_server", "Milestone XProtect Log Server", 3, 4 },
	{ "event_server", "MilestoneEventServerService", 0, 5 },
	{ "data_collector", "Milestone XProtect Data Collector Server", 2, 6 },
};

static void load_service(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	const char *key = strrchr(path, '.') + 1;
	struct xpv_scenario *sc = base;

	for (size_t i = 0; i < XPV_MAX_SERVICES; i++) {
		if (strcmp(sc->services[i].key, key) == 0) {
			sc->services[i].given = true;
			if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
				return; /* "event_server:" alone: the default name */
			xpv_yaml_map(Y, n, path, service_fields, &sc->services[i]);
			return;
		}
	}
}

static const struct xpv_yaml_field services_fields[] = {
	{ .key = "iis", .type = XPV_Y_FUNC, .fn = load_service },
	{ .key = "sql_server", .type = XPV_Y_FUNC, .fn = load_service },
	{ .key = "management_server", .type = XPV_Y_FUNC, .fn = load_service },
	{ .key = "log_server", .type = XPV_Y_FUNC, .fn = load_service },
	{ .key = "event_server", .type = XPV_Y_FUNC, .fn = load_service },
	{ .key = "data_collector", .type = XPV_Y_FUNC, .fn = load_service },
	{ 0 }
};

static void load_services(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	xpv_yaml_map(Y, n, path, services_fields, base);
}

/* SafeKit's web server serves one of HTTPS 9453 and HTTP 9010 (UG 10.9.2) */
static const char *const console_choices[] = { "https", "http", NULL };

static const struct xpv_yaml_field safekit_fields[] = {
	{ .key = "module", .type = XPV_Y_STRING, .off = SC(safekit.module) },
	{ .key = "command", .type = XPV_Y_STRING, .off = SC(safekit.command) },
	{ .key = "console", .type = XPV_Y_ENUM, .off = SC(safekit.console_http), .choices = console_choices },
	{ .key = "console_port", .type = XPV_Y_INT, .off = SC(safekit.console_port), .min = 1, .max = 65535 },
	{ .key = "external_sql", .type = XPV_Y_BOOL, .off = SC(safekit.external_sql) },
	{ 0 }
};

static void load_safekit(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	xpv_yaml_map(Y, n, path, safekit_fields, base);
}

static const char *const login_choices[] = { "basic", "windows", NULL };

static const struct xpv_yaml_field login_fields[] = {
	{ .key = "method", .type = XPV_Y_ENUM, .off = SC(login.method), .choices = login_choices },
	{ .key = "username", .type = XPV_Y_STRING, .off = SC(login.username) },
	{ .key = "password_env", .type = XPV_Y_FUNC, .fn = load_password_env, .off = SC(login.password) },
	{ .key = "password_file", .type = XPV_Y_FUNC, .fn = load_password_file, .off = SC(login.password) },
	{ .key = "password", .type = XPV_Y_FUNC, .fn = load_password_inline, .off = SC(login.password) },
	{ .key = "client_id", .type = XPV_Y_STRING, .off = SC(login.client_id) },
	{ .key = "token_path", .type = XPV_Y_STRING, .off = SC(login.token_path) },
	{ 0 }
};

static void load_login(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;
	size_t before = Y->diags->n;

	xpv_yaml_map(Y, n, path, login_fields, base);
	if (Y->diags->n != before)
		return;
	sc->login.present = true;
	check_credentials(Y, n, path, sc->login.username, &sc->login.password,
			  sc->login.method == XPV_LOGIN_BASIC,
			  "method basic logs in with a username and a password");
	if (sc->login.token_path != NULL && sc->login.token_path[0] != '/')
		xpv_yaml_diag(Y, n, path, "token_path must start with '/', got '%s'", sc->login.token_path);
}

static const struct xpv_yaml_field tls_fields[] = {
	{ .key = "ca_file", .type = XPV_Y_PATH, .off = SC(tls.ca_file) },
	{ .key = "require_ip_san", .type = XPV_Y_BOOL, .off = SC(tls.require_ip_san) },
	{ .key = "expiry_warn_days", .type = XPV_Y_INT, .off = SC(tls.expiry_warn_days), .min = 0, .max = 3650 },
	{ 0 }
};

static void load_tls(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	xpv_yaml_map(Y, n, path, tls_fields, base);
}

static const char *const failover_choices[] = { "restart-owner", "move-role", "stop-primary", NULL };
static const char *const topology_choices[] = { "wsfc", "safekit", NULL };

static const struct xpv_yaml_field failover_fields[] = {
	{ .key = "allow_disruptive", .type = XPV_Y_BOOL, .off = SC(failover.allow_disruptive) },
	{ .key = "method", .type = XPV_Y_ENUM, .off = SC(failover.method), .choices = failover_choices },
	{ .key = "takeover_max_s", .type = XPV_Y_NUMBER, .off = SC(failover.takeover_max_s), .min = 0.001, .max = 86400 },
	{ .key = "poll_ms", .type = XPV_Y_INT, .off = SC(failover.poll_ms), .min = 10, .max = 60000 },
	{ .key = "timeout_s", .type = XPV_Y_NUMBER, .off = SC(failover.timeout_s), .min = 1, .max = 86400 },
	{ .key = "failback", .type = XPV_Y_BOOL, .off = SC(failover.failback) },
	{ 0 }
};

static void load_failover(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;
	size_t before = Y->diags->n;

	xpv_yaml_map(Y, n, path, failover_fields, base);
	if (Y->diags->n == before && sc->failover.timeout_s < sc->failover.takeover_max_s)
		xpv_yaml_diag(Y, n, path, "timeout_s (%g) must not be shorter than takeover_max_s (%g)",
		     sc->failover.timeout_s, sc->failover.takeover_max_s);
}

/* A known check id, or NULL with a diagnostic. */
static const struct xpv_check *want_check(struct xpv_yaml *Y, yaml_node_t *n, const char *path)
{
	const char *id = xpv_yaml_scalar(Y, n, path, "a check id");
	const struct xpv_check *c;

	if (id == NULL)
		return NULL;
	c = find_check(Y, id);
	if (c == NULL)
		xpv_yaml_diag(Y, n, path, "unknown check '%s' (xpverify list-checks shows the known ones)", id);
	return c;
}

static void load_id_list(struct xpv_yaml *Y, yaml_node_t *n, const char *path, char ***list, size_t *count)
{
	if (!xpv_yaml_visit(Y))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a list of check ids, got %s", xpv_yaml_kind(n));
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		char *ipath = xpv_asprintf("%s[%zu]", path, (size_t)(it - n->data.sequence.items.start));
		const struct xpv_check *c = want_check(Y, xpv_yaml_node(Y, *it), ipath);

		if (c != NULL) {
			*list = xpv_realloc(*list, (*count + 1) * sizeof(**list));
			(*list)[(*count)++] = xpv_strdup(c->id);
		}
		free(ipath);
	}
}

static void load_include(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;

	load_id_list(Y, n, path, &sc->include, &sc->n_include);
}

static void load_exclude(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;

	load_id_list(Y, n, path, &sc->exclude, &sc->n_exclude);
}

static void load_check_params(struct xpv_yaml *Y, const struct xpv_check *c, yaml_node_t *n,
			      const char *path)
{
	struct xpv_scenario *sc = ctx_of(Y)->sc;

	if (n->type != YAML_MAPPING_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a mapping of parameters, got %s", xpv_yaml_kind(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);
		yaml_node_t *v = xpv_yaml_node(Y, p->value);
		const char *name = xpv_yaml_scalar(Y, k, path, "a parameter name");
		const struct xpv_param_def *def = NULL;
		const char *val;
		char *cpath;

		if (name == NULL)
			continue;
		cpath = xpv_yaml_path(path, name);
		for (const struct xpv_param_def *d = c->params; d != NULL && d->name != NULL; d++)
			if (strcmp(d->name, name) == 0)
				def = d;
		if (def == NULL) {
			xpv_yaml_diag(Y, k, cpath, "unknown parameter of check %s", c->id);
			goto next;
		}
		if (xpv_scenario_param(sc, c->id, name) != NULL) {
			xpv_yaml_diag(Y, k, cpath, "duplicate key");
			goto next;
		}
		val = xpv_yaml_scalar(Y, v, cpath, "a scalar");
		if (val == NULL)
			goto next;
		{
			long lx;
			double dx;
			bool bx;
			bool ok = def->type == XPV_PARAM_STRING ||
				  (def->type == XPV_PARAM_INT && xpv_yaml_long(val, &lx)) ||
				  (def->type == XPV_PARAM_NUMBER && xpv_yaml_double(val, &dx)) ||
				  (def->type == XPV_PARAM_BOOL && xpv_yaml_bool(val, &bx));

			if (!ok) {
				xpv_yaml_diag(Y, v, cpath, "expected %s, got '%s'",
				     def->type == XPV_PARAM_INT      ? "an integer"
				     : def->type == XPV_PARAM_NUMBER ? "a number"
								     : "true or false",
				     val);
				goto next;
			}
		}
		sc->params = xpv_realloc(sc->params, (sc->n_params + 1) * sizeof(*sc->params));
		sc->params[sc->n_params].check = xpv_strdup(c->id);
		sc->params[sc->n_params].name = xpv_strdup(name);
		sc->params[sc->n_params].value = xpv_strdup(val);
		sc->n_params++;
next:
		free(cpath);
	}
}

static void load_params(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	(void)base;
	if (n->type != YAML_MAPPING_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a mapping of check ids, got %s", xpv_yaml_kind(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);
		const struct xpv_check *c = want_check(Y, k, path);
		char *cpath;

		if (c == NULL)
			continue;
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *qk = xpv_yaml_node(Y, q->key);

			if (qk->type == YAML_SCALAR_NODE && strcmp((char *)qk->data.scalar.value, c->id) == 0) {
				c = NULL;
				break;
			}
		}
		cpath = xpv_yaml_path(path, (const char *)k->data.scalar.value);
		if (c == NULL)
			xpv_yaml_diag(Y, k, cpath, "duplicate key");
		else
			load_check_params(Y, c, xpv_yaml_node(Y, p->value), cpath);
		free(cpath);
	}
}

static const struct xpv_yaml_field checks_fields[] = {
	{ .key = "include", .type = XPV_Y_FUNC, .fn = load_include },
	{ .key = "exclude", .type = XPV_Y_FUNC, .fn = load_exclude },
	{ .key = "params", .type = XPV_Y_FUNC, .fn = load_params },
	{ 0 }
};

static void load_checks(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	xpv_yaml_map(Y, n, path, checks_fields, base);
}

static void load_waiver_check(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_waiver *w = base;
	const struct xpv_check *c = want_check(Y, n, path);

	if (c != NULL)
		w->check = xpv_strdup(c->id);
}

static void load_waiver_expires(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_waiver *w = base;
	const char *v = xpv_yaml_scalar(Y, n, path, "a date (YYYY-MM-DD)");

	if (v == NULL)
		return;
	if (!xpv_yaml_date(v)) {
		xpv_yaml_diag(Y, n, path, "expected a date YYYY-MM-DD, got '%s'", v);
		return;
	}
	w->expires = xpv_strdup(v);
}

static const struct xpv_yaml_field waiver_fields[] = {
	{ .key = "check", .type = XPV_Y_FUNC, .fn = load_waiver_check, .required = true },
	{ .key = "target", .type = XPV_Y_STRING, .off = offsetof(struct xpv_waiver, target) },
	{ .key = "reason", .type = XPV_Y_STRING, .off = offsetof(struct xpv_waiver, reason), .required = true },
	{ .key = "expires", .type = XPV_Y_FUNC, .fn = load_waiver_expires, .required = true },
	{ 0 }
};

static void load_waiver(struct xpv_yaml *Y, yaml_node_t *n, const char *path, size_t idx)
{
	struct xpv_waiver *w = &ctx_of(Y)->sc->waivers[idx];

	w->line = (int)n->start_mark.line + 1;
	xpv_yaml_map(Y, n, path, waiver_fields, w);
	if (w->target == NULL)
		w->target = xpv_strdup("*");
}

static void load_waivers(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;

	if (n->type != YAML_SEQUENCE_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a list, got %s", xpv_yaml_kind(n));
		return;
	}
	sc->n_waivers = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	sc->waivers = xpv_calloc(sc->n_waivers, sizeof(*sc->waivers));
	xpv_yaml_seq(Y, n, path, load_waiver);
}

static const struct xpv_yaml_field reports_fields[] = {
	{ .key = "dir", .type = XPV_Y_STRING, .off = SC(reports.dir) },
	{ .key = "junit", .type = XPV_Y_STRING, .off = SC(reports.junit) },
	{ .key = "html", .type = XPV_Y_STRING, .off = SC(reports.html) },
	{ .key = "json", .type = XPV_Y_STRING, .off = SC(reports.json) },
	{ .key = "evidence", .type = XPV_Y_STRING, .off = SC(reports.evidence) },
	{ .key = "signing_key", .type = XPV_Y_PATH, .off = SC(reports.signing_key) },
	{ .key = "signing_cert", .type = XPV_Y_PATH, .off = SC(reports.signing_cert) },
	{ .key = "signing_passphrase_env", .type = XPV_Y_FUNC, .fn = load_password_env, .off = SC(reports.signing_passphrase) },
	{ 0 }
};

static void load_reports(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	struct xpv_scenario *sc = base;
	size_t before = Y->diags->n;

	(void)f;
	xpv_yaml_map(Y, n, path, reports_fields, base);
	if (Y->diags->n == before && (sc->reports.signing_key != NULL) != (sc->reports.signing_cert != NULL))
		xpv_yaml_diag(Y, n, path, "signing_key and signing_cert go together: set both or neither");
	if (Y->diags->n == before && sc->reports.signing_key != NULL && sc->reports.evidence == NULL)
		xpv_yaml_diag(Y, n, path, "signing_key signs the evidence archive: set evidence too");
}

/* An ODBC connection string. Its password goes in an environment variable
 * (password_env), never in the file: a PWD or Password key is refused. */
static void load_history_odbc(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	(void)f;
	struct xpv_scenario *sc = base;
	const char *v = xpv_yaml_scalar(Y, n, path, "an ODBC connection string");

	if (v == NULL)
		return;
	for (const char *p = v; *p != '\0'; p += strcspn(p, ";"), p += *p == ';') {
		static const char *const keys[] = { "pwd", "password" };

		p += strspn(p, " \t");
		for (size_t i = 0; i < 2; i++) {
			size_t len = strlen(keys[i]);

			if (strncasecmp(p, keys[i], len) == 0 && p[len + strspn(p + len, " \t")] == '=') {
				xpv_yaml_diag(Y, n, path, "holds a password (%.*s=): name an environment variable "
					      "with history.password_env instead", (int)len, p);
				return;
			}
		}
	}
	sc->history.odbc = xpv_strdup(v);
}

static const struct xpv_yaml_field history_fields[] = {
	{ .key = "odbc", .type = XPV_Y_FUNC, .fn = load_history_odbc },
	{ .key = "password_env", .type = XPV_Y_FUNC, .fn = load_password_env, .off = SC(history.password) },
	{ .key = "timeout_s", .type = XPV_Y_NUMBER, .off = SC(history.timeout_s), .min = 1, .max = 600 },
	{ 0 }
};

static void load_history(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
	void *base)
{
	struct xpv_scenario *sc = base;

	(void)f;
	sc->history.present = true;
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
		return; /* "history:" alone: the default store */
	xpv_yaml_map(Y, n, path, history_fields, base);
}

static const struct xpv_yaml_field top_fields[] = {
	{ .key = "name", .type = XPV_Y_STRING, .off = SC(name), .required = true },
	{ .key = "description", .type = XPV_Y_STRING, .off = SC(description) },
	{ .key = "cluster", .type = XPV_Y_FUNC, .fn = load_cluster },
	{ .key = "nodes", .type = XPV_Y_FUNC, .fn = load_nodes },
	{ .key = "resolve", .type = XPV_Y_FUNC, .fn = load_resolve },
	{ .key = "winrm", .type = XPV_Y_FUNC, .fn = load_winrm },
	{ .key = "topology", .type = XPV_Y_ENUM, .off = SC(topology), .choices = topology_choices },
	{ .key = "safekit", .type = XPV_Y_FUNC, .fn = load_safekit },
	{ .key = "services", .type = XPV_Y_FUNC, .fn = load_services },
	{ .key = "login", .type = XPV_Y_FUNC, .fn = load_login },
	{ .key = "tls", .type = XPV_Y_FUNC, .fn = load_tls },
	{ .key = "failover", .type = XPV_Y_FUNC, .fn = load_failover },
	{ .key = "checks", .type = XPV_Y_FUNC, .fn = load_checks },
	{ .key = "waivers", .type = XPV_Y_FUNC, .fn = load_waivers },
	{ .key = "reports", .type = XPV_Y_FUNC, .fn = load_reports },
	{ .key = "deadline_s", .type = XPV_Y_NUMBER, .off = SC(deadline_s), .min = 1, .max = 7 * 86400 },
	{ .key = "lab", .type = XPV_Y_PATH, .off = SC(lab) },
	{ .key = "history", .type = XPV_Y_FUNC, .fn = load_history },
	{ 0 }
};

/* ---- defaults and the public API -------------------------------------- */

static void set_defaults(struct xpv_scenario *sc)
{
	sc->winrm.transport = XPV_TRANSPORT_HTTP; /* Windows' default listener */
	sc->winrm.auth = XPV_AUTH_NEGOTIATE;
	sc->winrm.connect_timeout_s = 10;
	sc->winrm.operation_timeout_s = 20;
	sc->winrm.request_timeout_s = 60;
	for (size_t i = 0; i < XPV_MAX_SERVICES; i++)
		sc->services[i].key = xpv_strdup(known_services[i].key);
	sc->n_services = XPV_MAX_SERVICES; /* all, until the topology is known */
	sc->login.method = XPV_LOGIN_BASIC;
	sc->tls.expiry_warn_days = 30;
	sc->failover.method = XPV_FAILOVER_RESTART_OWNER;
	sc->failover.takeover_max_s = 120;
	sc->failover.poll_ms = 250;
	sc->failover.timeout_s = 600;
	sc->history.timeout_s = 30;
	sc->deadline_s = 3600;
}

/* Where service i of known_services stands in the scenario's checks: its
 * place among the topology's defaults; after them, in table order, when
 * only the scenario names it; 0 when it is not checked. */
static int service_rank(const struct xpv_scenario *sc, size_t i)
{
	bool safekit = sc->topology == XPV_TOPOLOGY_SAFEKIT;
	int r = safekit ? known_services[i].safekit : known_services[i].wsfc;

	if (safekit && sc->safekit.external_sql && strcmp(known_services[i].key, "sql_server") == 0)
		r = 0; /* the SQL Server is outside the pair: not the module's */
	if (r == 0 && sc->services[i].given)
		r = XPV_MAX_SERVICES + 1 + (int)i;
	return r;
}

/* Defaults that depend on what was loaded. */
static void finish_defaults(struct xpv_scenario *sc)
{
	struct xpv_service kept[XPV_MAX_SERVICES];
	size_t n = 0;

	/* services[] holds every known service, in known_services' order */
	for (size_t i = 0; i < XPV_MAX_SERVICES; i++) {
		struct xpv_service *svc = &sc->services[i];

		if (service_rank(sc, i) == 0) {
			free(svc->key);
			free(svc->name);
			free(svc->resource);
			continue;
		}
		if (svc->name == NULL)
			svc->name = xpv_strdup(known_services[i].name);
		if (svc->resource == NULL)
			svc->resource = xpv_strdup(svc->name);
	}
	for (int rank = 1; rank <= 2 * XPV_MAX_SERVICES; rank++)
		for (size_t i = 0; i < XPV_MAX_SERVICES; i++)
			if (service_rank(sc, i) == rank)
				kept[n++] = sc->services[i];
	memset(sc->services, 0, sizeof(sc->services));
	memcpy(sc->services, kept, n * sizeof(kept[0]));
	sc->n_services = n;
	if (sc->safekit.command == NULL)
		sc->safekit.command = xpv_strdup("safekit");
	if (sc->safekit.console_port == 0)
		sc->safekit.console_port = sc->safekit.console_http ? 9010 : 9453;
	if (sc->winrm.port == 0)
		sc->winrm.port = sc->winrm.transport == XPV_TRANSPORT_HTTPS ? 5986 : 5985;
	if (sc->winrm.spn_service == NULL)
		sc->winrm.spn_service = xpv_strdup("HTTP");
	if (sc->winrm.realm == NULL && sc->winrm.username != NULL && strchr(sc->winrm.username, '@') != NULL)
		sc->winrm.realm = xpv_strdup(strchr(sc->winrm.username, '@') + 1);
	if (sc->login.client_id == NULL)
		sc->login.client_id = xpv_strdup("GrantValidatorClient");
	if (sc->login.token_path == NULL)
		sc->login.token_path = xpv_strdup("/IDP/connect/token");
	if (sc->reports.dir == NULL)
		sc->reports.dir = xpv_strdup("xpverify-reports");
	if (sc->reports.junit == NULL)
		sc->reports.junit = xpv_strdup("junit.xml");
	if (sc->reports.html == NULL)
		sc->reports.html = xpv_strdup("report.html");
	if (sc->reports.json == NULL)
		sc->reports.json = xpv_strdup("results.json");
	if (sc->history.present && sc->history.odbc == NULL) {
		/* the embedded default: SQLite next to the scenario */
		char *db = xpv_path_join(sc->dir, "xpverify-history.db");

		sc->history.odbc = xpv_asprintf("Driver=SQLite3;Database=%s", db);
		free(db);
	}
}

/* With a lab, the lab decides how WinRM is reached; the timeouts, the
 * authentication, the transport and a keytab (instead of the lab's
 * password) stay the scenario's. */
static bool lab_may_set_winrm(const char *key)
{
	static const char *const keys[] = { "connect_timeout_s", "operation_timeout_s", "request_timeout_s",
					    "auth", "transport", "keytab" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* A scenario names its cluster, or a lab file that describes it; with a
 * lab, what the lab decides may not be written again. */
static void check_lab(struct xpv_yaml *Y, yaml_node_t *root)
{
	static const char *const from_lab[] = { "cluster", "nodes", "resolve" };
	const struct xpv_scenario *sc = ctx_of(Y)->sc;

	if (root->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key), *v = xpv_yaml_node(Y, p->value);

		if (sc->lab == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		for (size_t i = 0; i < 3; i++)
			if (strcmp((char *)k->data.scalar.value, from_lab[i]) == 0)
				xpv_yaml_diag(Y, k, from_lab[i], "comes from the lab file when 'lab' is set; remove it");
		if (strcmp((char *)k->data.scalar.value, "winrm") == 0 && v->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
				yaml_node_t *wk = xpv_yaml_node(Y, q->key);
				const char *key = (const char *)wk->data.scalar.value;

				if (!lab_may_set_winrm(key)) {
					char *path = xpv_yaml_path("winrm", key);

					xpv_yaml_diag(Y, wk, path, "comes from the lab file when 'lab' is set; remove it");
					free(path);
				}
			}
		}
	}
	if (sc->lab != NULL) {
		if (sc->login.username != NULL || sc->login.password.source != XPV_SECRET_NONE)
			xpv_yaml_diag(Y, root, "login", "the lab's accounts are used when 'lab' is set; remove the credentials");
		if (sc->tls.ca_file != NULL)
			xpv_yaml_diag(Y, root, "tls.ca_file", "the lab's CA is used when 'lab' is set; remove it");
		return;
	}
	if (sc->cluster.name == NULL && sc->cluster.address == NULL && sc->cluster.role == NULL)
		xpv_yaml_diag(Y, root, "cluster", "missing required key (or set 'lab' to run against the built-in lab)");
	if (sc->n_nodes == 0)
		xpv_yaml_diag(Y, root, "nodes", "missing required key (or set 'lab' to run against the built-in lab)");
}

/* The YAML node of nodes[i] (the root when it cannot be found). */
static yaml_node_t *nth_node(struct xpv_yaml *Y, yaml_node_t *root, size_t i)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key), *v = xpv_yaml_node(Y, p->value);

		if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, "nodes") == 0 &&
		    v->type == YAML_SEQUENCE_NODE && (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) > i)
			return xpv_yaml_node(Y, v->data.sequence.items.start[i]);
	}
	return root;
}

/* Kerberos needs a host name for each node's SPN (HTTP/<name>): a node
 * given by address alone has none. */
static void check_spn_names(struct xpv_yaml *Y, yaml_node_t *root)
{
	struct xpv_scenario *sc = ctx_of(Y)->sc;

	if (sc->lab != NULL || sc->winrm.auth == XPV_AUTH_BASIC || sc->winrm.auth == XPV_AUTH_NTLM)
		return;
	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct xpv_node *n = &sc->nodes[i];
		char *path;

		if (n->fqdn != NULL || n->host == NULL || !xpv_yaml_ip(n->host))
			continue;
		path = xpv_asprintf("nodes[%zu]", i);
		if (sc->winrm.auth == XPV_AUTH_KERBEROS)
			xpv_yaml_diag(Y, nth_node(Y, root, i), path, "auth kerberos needs the node's host name for its SPN (HTTP/<name>): "
						     "set fqdn, or host to a name");
		else
			add_warning(sc, xpv_asprintf("node %s is given by address only: it has no Kerberos SPN, so "
						     "Negotiate uses NTLM for it (set fqdn for Kerberos)",
						     n->name));
		free(path);
	}
}

/* The value node of top-level key `key` (the root when absent). */
static yaml_node_t *top_value(struct xpv_yaml *Y, yaml_node_t *root, const char *key)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);

		if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
			return xpv_yaml_node(Y, p->value);
	}
	return root;
}

/* What each topology needs and refuses: WSFC a role, SafeKit a pair and
 * one of its own failover methods. */
static void check_topology(struct xpv_yaml *Y, yaml_node_t *root)
{
	const struct xpv_scenario *sc = ctx_of(Y)->sc;
	bool safekit = sc->topology == XPV_TOPOLOGY_SAFEKIT;

	if (root->type != YAML_MAPPING_NODE)
		return;
	if (!safekit && top_value(Y, root, "safekit") != root)
		xpv_yaml_diag(Y, top_value(Y, root, "safekit"), "safekit", "applies to topology safekit only (this scenario's topology is wsfc)");
	if (sc->safekit.module != NULL && !xpv_safekit_name_ok(sc->safekit.module))
		xpv_yaml_diag(Y, top_value(Y, root, "safekit"), "safekit.module",
			      "'%s' is not a SafeKit module name (1 to 64 letters, digits, '_', '-' or '.')",
			      sc->safekit.module);
	if (!safekit && sc->failover.method == XPV_FAILOVER_STOP_PRIMARY)
		xpv_yaml_diag(Y, top_value(Y, root, "failover"), "failover.method",
			      "stop-primary is SafeKit's (safekit stop on the PRIM node); with topology wsfc use "
			      "restart-owner or move-role");
	if (safekit && sc->failover.method == XPV_FAILOVER_MOVE_ROLE)
		xpv_yaml_diag(Y, top_value(Y, root, "failover"), "failover.method",
			      "move-role is a WSFC move; with topology safekit use restart-owner or stop-primary");
	if (sc->lab != NULL)
		return;
	if (!safekit && sc->cluster.name != NULL && sc->cluster.role == NULL)
		xpv_yaml_diag(Y, top_value(Y, root, "cluster"), "cluster.role", "missing required key");
	if (safekit && sc->n_nodes != 2)
		xpv_yaml_diag(Y, top_value(Y, root, "nodes"), "nodes",
			      "a SafeKit mirror module runs on exactly two nodes (%zu given)", sc->n_nodes);
}

static void check_reports_distinct(struct xpv_yaml *Y, yaml_node_t *root)
{
	const struct xpv_scenario *sc = ctx_of(Y)->sc;
	const char *f[3] = { sc->reports.junit, sc->reports.html, sc->reports.json };

	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (f[i] != NULL && f[j] != NULL && strcmp(f[i], f[j]) == 0)
				xpv_yaml_diag(Y, root, "reports", "two reports are written to the same file '%s'", f[i]);
}

int xpv_scenario_load(struct xpv_scenario **out, struct xpv_diags *diags, const char *path,
		      const struct xpv_check *const *checks, size_t n_checks)
{
	struct sc_load ctx = { .checks = checks, .n_checks = n_checks };
	struct xpv_yaml Y;
	yaml_node_t *root;

	*out = NULL;
	ctx.sc = xpv_calloc(1, sizeof(*ctx.sc));
	ctx.sc->file = xpv_strdup(path);
	ctx.sc->dir = xpv_dirname(path);
	set_defaults(ctx.sc);
	root = xpv_yaml_open(&Y, diags, path, &ctx, "a scenario is a mapping with name, cluster and nodes");
	if (root != NULL) {
		size_t before = diags->n;

		xpv_yaml_map(&Y, root, "", top_fields, ctx.sc);
		if (diags->n == before)
			check_lab(&Y, root);
		if (diags->n == before)
			check_spn_names(&Y, root);
		if (diags->n == before)
			check_topology(&Y, root);
		check_reports_distinct(&Y, root);
	}
	if (xpv_yaml_close(&Y) > 0) {
		xpv_scenario_free(ctx.sc);
		return xpv_error_set(XPV_ESCENARIO, "%s: %zu problem%s", path, diags->n, diags->n == 1 ? "" : "s");
	}
	finish_defaults(ctx.sc);
	*out = ctx.sc;
	return 0;
}

static void secret_clear(struct xpv_secret *s)
{
	free(s->origin);
	xpv_secret_free(s->value);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void xpv_scenario_free(struct xpv_scenario *sc)
{
	if (sc == NULL)
		return;
	free(sc->file);
	free(sc->dir);
	free(sc->name);
	free(sc->description);
	free(sc->cluster.name);
	free(sc->cluster.role);
	free(sc->cluster.address);
	free(sc->cluster.address_host);
	free(sc->cluster.scheme);
	for (size_t i = 0; i < sc->n_nodes; i++) {
		free(sc->nodes[i].name);
		free(sc->nodes[i].host);
		free(sc->nodes[i].fqdn);
		free(sc->nodes[i].ip);
	}
	free(sc->nodes);
	for (size_t i = 0; i < sc->n_resolve; i++) {
		free(sc->resolve[i].host);
		free(sc->resolve[i].address);
	}
	free(sc->resolve);
	free(sc->winrm.username);
	secret_clear(&sc->winrm.password);
	free(sc->winrm.realm);
	free(sc->winrm.kdc);
	free(sc->winrm.keytab);
	free(sc->winrm.ccache);
	free(sc->winrm.spn_service);
	free(sc->winrm.ca_file);
	free(sc->safekit.module);
	free(sc->safekit.command);
	for (size_t i = 0; i < sc->n_services; i++) {
		free(sc->services[i].key);
		free(sc->services[i].name);
		free(sc->services[i].resource);
	}
	free(sc->login.username);
	secret_clear(&sc->login.password);
	free(sc->login.client_id);
	free(sc->login.token_path);
	free(sc->tls.ca_file);
	free_strv(sc->include, sc->n_include);
	free_strv(sc->exclude, sc->n_exclude);
	for (size_t i = 0; i < sc->n_params; i++) {
		free(sc->params[i].check);
		free(sc->params[i].name);
		free(sc->params[i].value);
	}
	free(sc->params);
	for (size_t i = 0; i < sc->n_waivers; i++) {
		free(sc->waivers[i].check);
		free(sc->waivers[i].target);
		free(sc->waivers[i].reason);
		free(sc->waivers[i].expires);
	}
	free(sc->waivers);
	free(sc->reports.dir);
	free(sc->reports.junit);
	free(sc->reports.html);
	free(sc->reports.json);
	free(sc->reports.evidence);
	free(sc->reports.signing_key);
	free(sc->reports.signing_cert);
	secret_clear(&sc->reports.signing_passphrase);
	free(sc->history.odbc);
	secret_clear(&sc->history.password);
	free(sc->lab);
	free_strv(sc->warnings, sc->n_warnings);
	free(sc);
}

const struct xpv_service *xpv_scenario_service(const struct xpv_scenario *sc, const char *key)
{
	for (size_t i = 0; i < sc->n_services; i++)
		if (strcmp(sc->services[i].key, key) == 0)
			return &sc->services[i];
	return NULL;
}

const char *xpv_scenario_param(const struct xpv_scenario *sc, const char *check_id, const char *name)
{
	for (size_t i = 0; i < sc->n_params; i++)
		if (strcmp(sc->params[i].check, check_id) == 0 && strcmp(sc->params[i].name, name) == 0)
			return sc->params[i].value;
	return NULL;
}
