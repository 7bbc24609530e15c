#include "scenario.h"

#include "error.h"
#include "secrets.h"
#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* Walking a document with aliases can revisit nodes; bound the work so a
 * hostile file (billion laughs) cannot stall the loader. */
#define MAX_VISITS 100000

struct loader {
	const char *file;
	yaml_document_t doc;
	struct xpv_diags *diags;
	struct xpv_scenario *sc;
	const struct xpv_check *const *checks;
	size_t n_checks;
	long visits;
	bool too_complex;
};

enum ftype {
	F_STRING,       /* char * */
	F_BOOL,         /* bool */
	F_INT,          /* long, within [min, max] */
	F_NUMBER,       /* double, within [min, max] */
	F_ENUM,         /* int index into choices */
	F_PATH,         /* char *, resolved against the scenario's directory, readable */
	F_SECRET_ENV,   /* struct xpv_secret */
	F_SECRET_FILE,  /* struct xpv_secret */
	F_SECRET_INLINE,/* struct xpv_secret */
	F_FUNC,         /* custom loader */
	F_RESERVED      /* a key of a later version */
};

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	bool required;
	double min, max;
	const char *const *choices;
	void (*fn)(struct loader *L, yaml_node_t *n, const char *path, void *base);
};

/* ---- diagnostics ---------------------------------------------------- */

static void diag_at(struct loader *L, int line, int col, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void diag_at(struct loader *L, int line, int col, const char *path, const char *fmt, ...)
{
	struct xpv_diags *d = L->diags;
	va_list ap;

	d->items = xpv_realloc(d->items, (d->n + 1) * sizeof(*d->items));
	d->items[d->n].line = line;
	d->items[d->n].column = col;
	d->items[d->n].path = xpv_strdup(path != NULL ? path : "");
	va_start(ap, fmt);
	d->items[d->n].what = xpv_vasprintf(fmt, ap);
	va_end(ap);
	d->n++;
}

#define diag(L, node, path, ...)                                                    \
	diag_at((L), (int)(node)->start_mark.line + 1, (int)(node)->start_mark.column + 1, \
		(path), __VA_ARGS__)

char *xpv_diag_format(const char *file, const struct xpv_diag *d)
{
	if (d->line == 0)
		return xpv_asprintf("%s: %s", file, d->what);
	if (d->path[0] == '\0')
		return xpv_asprintf("%s:%d:%d: %s", file, d->line, d->column, d->what);
	return xpv_asprintf("%s:%d:%d: %s: %s", file, d->line, d->column, d->path, d->what);
}

void xpv_diags_clear(struct xpv_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		free(diags->items[i].path);
		free(diags->items[i].what);
	}
	free(diags->items);
	diags->items = NULL;
	diags->n = 0;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct xpv_diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

/* ---- node helpers --------------------------------------------------- */

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_NO_NODE: break;
	}
	return "nothing";
}

static bool visit(struct loader *L)
{
	if (++L->visits > MAX_VISITS) {
		L->too_complex = true;
		return false;
	}
	return true;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* The scalar text of `n`, or NULL with a diagnostic when it is no scalar or
 * has no value. */
static const char *want_scalar(struct loader *L, yaml_node_t *n, const char *path, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		diag(L, n, path, "expected %s, got %s", what, kind_name(n));
		return NULL;
	}
	if (is_null(n)) {
		diag(L, n, path, "has no value (expected %s)", what);
		return NULL;
	}
	if (n->data.scalar.value[0] == '\0') {
		diag(L, n, path, "must not be empty");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static bool parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*out);
}

static bool parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(s, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* Valid YYYY-MM-DD calendar date. */
static bool valid_date(const char *s)
{
	int y, m, d, n = 0;
	struct tm tm = { 0 };
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return tm.tm_year == y - 1900 && tm.tm_mon == m - 1 && tm.tm_mday == d;
}

static const struct xpv_check *find_check(const struct loader *L, const char *id)
{
	for (size_t i = 0; i < L->n_checks; i++)
		if (strcmp(L->checks[i]->id, id) == 0)
			return L->checks[i];
	return NULL;
}

static void add_warning(struct xpv_scenario *sc, char *text)
{
	sc->warnings = xpv_realloc(sc->warnings, (sc->n_warnings + 1) * sizeof(*sc->warnings));
	sc->warnings[sc->n_warnings++] = text;
}

static char *child_path(const char *parent, const char *key)
{
	if (parent == NULL || parent[0] == '\0')
		return xpv_strdup(key);
	return xpv_asprintf("%s.%s", parent, key);
}

/* ---- fields ---------------------------------------------------------- */

static void load_secret(struct loader *L, yaml_node_t *n, const char *path, const char *key,
			enum ftype type, struct xpv_secret *dst)
{
	const char *v = want_scalar(L, n, path, "a string");
	char *value = NULL, *file;
	int rc = 0;

	if (v == NULL)
		return;
	if (dst->source != XPV_SECRET_NONE) {
		diag(L, n, path, "only one of password_env, password_file, password may be set");
		return;
	}
	switch (type) {
	case F_SECRET_ENV:
		rc = xpv_secret_from_env(&value, v);
		dst->source = XPV_SECRET_ENV;
		dst->origin = xpv_strdup(v);
		break;
	case F_SECRET_FILE:
		file = xpv_path_join(L->sc->dir, v);
		rc = xpv_secret_from_file(&value, file);
		dst->source = XPV_SECRET_FILE;
		dst->origin = file;
		break;
	default:
		value = xpv_strdup(v);
		xpv_secret_register(value);
		dst->source = XPV_SECRET_INLINE;
		add_warning(L->sc, xpv_asprintf("%s is written inline in the scenario; use %s_env or "
						"%s_file so the secret stays out of the file",
						path, key, key));
		break;
	}
	if (rc < 0) {
		diag(L, n, path, "%s", xpv_error_last());
		return;
	}
	dst->value = value;
}

static void load_field(struct loader *L, const struct field *f, yaml_node_t *n, const char *path,
		       void *base)
{
	void *dst = (char *)base + f->off;
	const char *v;

	switch (f->type) {
	case F_FUNC:
		f->fn(L, n, path, base);
		return;
	case F_RESERVED:
		diag(L, n, path, "is not supported by this version of xpverify (see docs/scenario.md)");
		return;
	case F_SECRET_ENV:
	case F_SECRET_FILE:
	case F_SECRET_INLINE:
		load_secret(L, n, path, "password", f->type, dst);
		return;
	default:
		break;
	}
	v = want_scalar(L, n, path,
			f->type == F_BOOL     ? "true or false"
			: f->type == F_INT    ? "an integer"
			: f->type == F_NUMBER ? "a number"
					      : "a string");
	if (v == NULL)
		return;
	switch (f->type) {
	case F_STRING:
		free(*(char **)dst);
		*(char **)dst = xpv_strdup(v);
		break;
	case F_PATH: {
		char *p = xpv_path_join(L->sc->dir, v);

		if (access(p, R_OK) != 0) {
			diag(L, n, path, "cannot read %s: %s", p, strerror(errno));
			free(p);
			return;
		}
		free(*(char **)dst);
		*(char **)dst = p;
		break;
	}
	case F_BOOL:
		if (!parse_bool(v, dst))
			diag(L, n, path, "expected true or false, got '%s'", v);
		break;
	case F_INT: {
		long x;

		if (!parse_long(v, &x)) {
			diag(L, n, path, "expected an integer, got '%s'", v);
			return;
		}
		if (x < f->min || x > f->max) {
			diag(L, n, path, "must be between %.0f and %.0f, got %ld", f->min, f->max, x);
			return;
		}
		*(long *)dst = x;
		break;
	}
	case F_NUMBER: {
		double x;

		if (!parse_double(v, &x)) {
			diag(L, n, path, "expected a number, got '%s'", v);
			return;
		}
		if (x < f->min || x > f->max) {
			diag(L, n, path, "must be between %g and %g, got %g", f->min, f->max, x);
			return;
		}
		*(double *)dst = x;
		break;
	}
	case F_ENUM: {
		char *list = xpv_strdup("");

		for (int i = 0; f->choices[i] != NULL; i++) {
			char *next;

			if (strcmp(v, f->choices[i]) == 0) {
				*(int *)dst = i;
				free(list);
				return;
			}
			next = xpv_asprintf("%s%s%s", list, i ? ", " : "", f->choices[i]);
			free(list);
			list = next;
		}
		diag(L, n, path, "expected one of %s, got '%s'", list, v);
		free(list);
		break;
	}
	default:
		break;
	}
}

/* Loads mapping `n` against `fields`, writing into `base`. Reports unknown
 * and duplicate keys, and missing required keys. */
static void load_map(struct loader *L, yaml_node_t *n, const char *path, const struct field *fields,
		     void *base)
{
	size_t nf = 0;
	bool *seen;

	if (!visit(L))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		diag(L, n, path, "expected a mapping, got %s", kind_name(n));
		return;
	}
	while (fields[nf].key != NULL)
		nf++;
	seen = xpv_calloc(nf + 1, sizeof(*seen));
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		const char *key;
		char *cpath;
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			diag(L, k, path, "keys must be plain strings, got %s", kind_name(k));
			continue;
		}
		key = (const char *)k->data.scalar.value;
		cpath = child_path(path, key);
		for (i = 0; i < nf; i++)
			if (strcmp(fields[i].key, key) == 0)
				break;
		if (i == nf) {
			diag(L, k, cpath, "unknown key");
		} else if (seen[i]) {
			diag(L, k, cpath, "duplicate key");
		} else {
			seen[i] = true;
			load_field(L, &fields[i], v, cpath, base);
		}
		free(cpath);
	}
	for (size_t i = 0; i < nf; i++) {
		if (fields[i].required && !seen[i]) {
			char *cpath = child_path(path, fields[i].key);

			diag(L, n, cpath, "missing required key");
			free(cpath);
		}
	}
	free(seen);
}

/* Calls `item` for every element of sequence `n`. */
static void load_seq(struct loader *L, yaml_node_t *n, const char *path,
		     void (*item)(struct loader *L, yaml_node_t *n, const char *path, size_t idx))
{
	size_t idx = 0;

	if (!visit(L))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		diag(L, n, path, "expected a list, got %s", kind_name(n));
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, idx++) {
		char *ipath = xpv_asprintf("%s[%zu]", path, idx);

		item(L, yaml_document_get_node(&L->doc, *it), ipath, idx);
		free(ipath);
	}
}

/* ---- sections -------------------------------------------------------- */

#define SC(member) offsetof(struct xpv_scenario, member)

static void load_cluster_address(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;
	const char *v = want_scalar(L, n, path, "a URL");
	CURLU *u;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL, *port = NULL;

	(void)base;
	if (v == NULL)
		return;
	u = curl_url();
	if (u == NULL) {
		diag(L, n, path, "out of memory");
		return;
	}
	uc = curl_url_set(u, CURLUPART_URL, v, 0);
	if (uc != CURLUE_OK) {
		diag(L, n, path, "malformed URL '%s': %s", v, curl_url_strerror(uc));
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	if (scheme == NULL || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
		diag(L, n, path, "malformed URL '%s': the scheme must be https or http", v);
		goto out;
	}
	if (host == NULL || host[0] == '\0') {
		diag(L, n, path, "malformed URL '%s': no host", v);
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

static const struct field cluster_fields[] = {
	{ .key = "name", .type = F_STRING, .off = SC(cluster.name), .required = true },
	{ .key = "role", .type = F_STRING, .off = SC(cluster.role), .required = true },
	{ .key = "address", .type = F_FUNC, .fn = load_cluster_address, .required = true },
	{ 0 }
};

static void load_cluster(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	load_map(L, n, path, cluster_fields, base);
}

static const struct field node_fields[] = {
	{ .key = "name", .type = F_STRING, .off = offsetof(struct xpv_node, name), .required = true },
	{ .key = "host", .type = F_STRING, .off = offsetof(struct xpv_node, host), .required = true },
	{ .key = "fqdn", .type = F_STRING, .off = offsetof(struct xpv_node, fqdn) },
	{ .key = "ip", .type = F_STRING, .off = offsetof(struct xpv_node, ip) },
	{ 0 }
};

static bool is_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void load_node(struct loader *L, yaml_node_t *n, const char *path, size_t idx)
{
	struct xpv_scenario *sc = L->sc;
	struct xpv_node *node = &sc->nodes[idx];
	size_t diags_before = L->diags->n;

	load_map(L, n, path, node_fields, node);
	if (L->diags->n != diags_before || node->name == NULL)
		return;
	if (node->ip != NULL && !is_ip(node->ip))
		diag(L, n, path, "ip '%s' is not an IPv4 or IPv6 address", node->ip);
	/* Windows node names are case-insensitive */
	for (size_t j = 0; j < idx; j++) {
		if (sc->nodes[j].name != NULL && strcasecmp(sc->nodes[j].name, node->name) == 0) {
			diag(L, n, path, "duplicate node '%s' (also nodes[%zu])", node->name, j);
			return;
		}
		if (sc->nodes[j].host != NULL && node->host != NULL &&
		    strcasecmp(sc->nodes[j].host, node->host) == 0) {
			diag(L, n, path, "duplicate host '%s' (also nodes[%zu])", node->host, j);
			return;
		}
	}
}

static void load_nodes(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE) {
		diag(L, n, path, "expected a list, got %s", kind_name(n));
		return;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count < 2) {
		diag(L, n, path, "a failover cluster has at least 2 nodes, got %zu", count);
		return;
	}
	sc->nodes = xpv_calloc(count, sizeof(*sc->nodes));
	sc->n_nodes = count;
	load_seq(L, n, path, load_node);
}

static void load_resolve(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;

	if (n->type != YAML_MAPPING_NODE) {
		diag(L, n, path, "expected a mapping of host names to addresses, got %s", kind_name(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		const char *host = want_scalar(L, k, path, "a host name");
		char *cpath;
		const char *addr;

		if (host == NULL)
			continue;
		cpath = child_path(path, host);
		addr = want_scalar(L, v, cpath, "an address");
		if (addr != NULL && !is_ip(addr)) {
			diag(L, v, cpath, "'%s' is not an IPv4 or IPv6 address", addr);
		} else if (addr != NULL) {
			bool dup = false;

			for (size_t i = 0; i < sc->n_resolve; i++)
				dup |= strcasecmp(sc->resolve[i].host, host) == 0;
			if (dup) {
				diag(L, k, cpath, "duplicate key");
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

static const char *const auth_choices[] = { "negotiate", "basic", NULL };

static const struct field winrm_fields[] = {
	{ .key = "port", .type = F_INT, .off = SC(winrm.port), .min = 1, .max = 65535 },
	{ .key = "auth", .type = F_ENUM, .off = SC(winrm.auth), .choices = auth_choices },
	{ .key = "username", .type = F_STRING, .off = SC(winrm.username) },
	{ .key = "password_env", .type = F_SECRET_ENV, .off = SC(winrm.password) },
	{ .key = "password_file", .type = F_SECRET_FILE, .off = SC(winrm.password) },
	{ .key = "password", .type = F_SECRET_INLINE, .off = SC(winrm.password) },
	{ .key = "ca_file", .type = F_PATH, .off = SC(winrm.ca_file) },
	{ .key = "insecure", .type = F_BOOL, .off = SC(winrm.insecure) },
	{ .key = "connect_timeout_s", .type = F_NUMBER, .off = SC(winrm.connect_timeout_s), .min = 0.1, .max = 600 },
	{ .key = "operation_timeout_s", .type = F_NUMBER, .off = SC(winrm.operation_timeout_s), .min = 1, .max = 3600 },
	{ .key = "request_timeout_s", .type = F_NUMBER, .off = SC(winrm.request_timeout_s), .min = 1, .max = 3600 },
	{ 0 }
};

/* Username and password go together; `needed` makes them required. */
static void check_credentials(struct loader *L, yaml_node_t *n, const char *path, const char *user,
			      const struct xpv_secret *pw, bool needed, const char *why)
{
	bool has_pw = pw->source != XPV_SECRET_NONE;

	if (needed && user == NULL) {
		char *p = child_path(path, "username");

		diag(L, n, p, "missing required key (%s)", why);
		free(p);
	}
	if (needed && !has_pw) {
		char *p = child_path(path, "password_env");

		diag(L, n, p, "missing required key: set one of password_env, password_file, password (%s)",
		     why);
		free(p);
	}
	if (!needed && (user != NULL) != has_pw)
		diag(L, n, path, "username and password go together: set both or neither");
}

static void load_winrm(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;
	size_t before = L->diags->n;

	load_map(L, n, path, winrm_fields, base);
	if (L->diags->n != before)
		return;
	check_credentials(L, n, path, sc->winrm.username, &sc->winrm.password,
			  sc->winrm.auth == XPV_AUTH_BASIC, "auth basic needs a username and a password");
	if (sc->winrm.insecure)
		add_warning(sc, xpv_strdup("winrm.insecure is true: WinRM server certificates are not "
					   "verified"));
}

static const struct field service_fields[] = {
	{ .key = "name", .type = F_STRING, .off = offsetof(struct xpv_service, name) },
	{ .key = "resource", .type = F_STRING, .off = offsetof(struct xpv_service, resource) },
	{ .key = "optional", .type = F_BOOL, .off = offsetof(struct xpv_service, optional) },
	{ 0 }
};

static void load_service(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	const char *key = strrchr(path, '.') + 1;
	struct xpv_scenario *sc = base;

	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++) {
		if (strcmp(sc->services[i].key, key) == 0) {
			load_map(L, n, path, service_fields, &sc->services[i]);
			return;
		}
	}
}

static const struct field services_fields[] = {
	{ .key = "management_server", .type = F_FUNC, .fn = load_service },
	{ .key = "data_collector", .type = F_FUNC, .fn = load_service },
	{ .key = "log_server", .type = F_FUNC, .fn = load_service },
	{ 0 }
};

static void load_services(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	load_map(L, n, path, services_fields, base);
}

static const char *const login_choices[] = { "basic", "windows", NULL };

static const struct field login_fields[] = {
	{ .key = "method", .type = F_ENUM, .off = SC(login.method), .choices = login_choices },
	{ .key = "username", .type = F_STRING, .off = SC(login.username) },
	{ .key = "password_env", .type = F_SECRET_ENV, .off = SC(login.password) },
	{ .key = "password_file", .type = F_SECRET_FILE, .off = SC(login.password) },
	{ .key = "password", .type = F_SECRET_INLINE, .off = SC(login.password) },
	{ .key = "client_id", .type = F_STRING, .off = SC(login.client_id) },
	{ .key = "token_path", .type = F_STRING, .off = SC(login.token_path) },
	{ 0 }
};

static void load_login(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;
	size_t before = L->diags->n;

	load_map(L, n, path, login_fields, base);
	if (L->diags->n != before)
		return;
	sc->login.present = true;
	check_credentials(L, n, path, sc->login.username, &sc->login.password,
			  sc->login.method == XPV_LOGIN_BASIC,
			  "method basic logs in with a username and a password");
	if (sc->login.token_path != NULL && sc->login.token_path[0] != '/')
		diag(L, n, path, "token_path must start with '/', got '%s'", sc->login.token_path);
}

static const struct field tls_fields[] = {
	{ .key = "ca_file", .type = F_PATH, .off = SC(tls.ca_file) },
	{ .key = "require_ip_san", .type = F_BOOL, .off = SC(tls.require_ip_san) },
	{ .key = "expiry_warn_days", .type = F_INT, .off = SC(tls.expiry_warn_days), .min = 0, .max = 3650 },
	{ 0 }
};

static void load_tls(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	load_map(L, n, path, tls_fields, base);
}

static const char *const failover_choices[] = { "restart-owner", "move-role", NULL };

static const struct field failover_fields[] = {
	{ .key = "allow_disruptive", .type = F_BOOL, .off = SC(failover.allow_disruptive) },
	{ .key = "method", .type = F_ENUM, .off = SC(failover.method), .choices = failover_choices },
	{ .key = "takeover_max_s", .type = F_NUMBER, .off = SC(failover.takeover_max_s), .min = 0.001, .max = 86400 },
	{ .key = "poll_ms", .type = F_INT, .off = SC(failover.poll_ms), .min = 10, .max = 60000 },
	{ .key = "timeout_s", .type = F_NUMBER, .off = SC(failover.timeout_s), .min = 1, .max = 86400 },
	{ .key = "failback", .type = F_BOOL, .off = SC(failover.failback) },
	{ 0 }
};

static void load_failover(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;
	size_t before = L->diags->n;

	load_map(L, n, path, failover_fields, base);
	if (L->diags->n == before && sc->failover.timeout_s < sc->failover.takeover_max_s)
		diag(L, n, path, "timeout_s (%g) must not be shorter than takeover_max_s (%g)",
		     sc->failover.timeout_s, sc->failover.takeover_max_s);
}

/* A known check id, or NULL with a diagnostic. */
static const struct xpv_check *want_check(struct loader *L, yaml_node_t *n, const char *path)
{
	const char *id = want_scalar(L, n, path, "a check id");
	const struct xpv_check *c;

	if (id == NULL)
		return NULL;
	c = find_check(L, id);
	if (c == NULL)
		diag(L, n, path, "unknown check '%s' (xpverify list-checks shows the known ones)", id);
	return c;
}

static void load_id_list(struct loader *L, yaml_node_t *n, const char *path, char ***list, size_t *count)
{
	if (!visit(L))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		diag(L, n, path, "expected a list of check ids, got %s", kind_name(n));
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		char *ipath = xpv_asprintf("%s[%zu]", path, (size_t)(it - n->data.sequence.items.start));
		const struct xpv_check *c = want_check(L, yaml_document_get_node(&L->doc, *it), ipath);

		if (c != NULL) {
			*list = xpv_realloc(*list, (*count + 1) * sizeof(**list));
			(*list)[(*count)++] = xpv_strdup(c->id);
		}
		free(ipath);
	}
}

static void load_include(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;

	load_id_list(L, n, path, &sc->include, &sc->n_include);
}

static void load_exclude(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;

	load_id_list(L, n, path, &sc->exclude, &sc->n_exclude);
}

static void load_check_params(struct loader *L, const struct xpv_check *c, yaml_node_t *n,
			      const char *path)
{
	struct xpv_scenario *sc = L->sc;

	if (n->type != YAML_MAPPING_NODE) {
		diag(L, n, path, "expected a mapping of parameters, got %s", kind_name(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		const char *name = want_scalar(L, k, path, "a parameter name");
		const struct xpv_param_def *def = NULL;
		const char *val;
		char *cpath;

		if (name == NULL)
			continue;
		cpath = child_path(path, name);
		for (const struct xpv_param_def *d = c->params; d != NULL && d->name != NULL; d++)
			if (strcmp(d->name, name) == 0)
				def = d;
		if (def == NULL) {
			diag(L, k, cpath, "unknown parameter of check %s", c->id);
			goto next;
		}
		if (xpv_scenario_param(sc, c->id, name) != NULL) {
			diag(L, k, cpath, "duplicate key");
			goto next;
		}
		val = want_scalar(L, v, cpath, "a scalar");
		if (val == NULL)
			goto next;
		{
			long lx;
			double dx;
			bool bx;
			bool ok = def->type == XPV_PARAM_STRING ||
				  (def->type == XPV_PARAM_INT && parse_long(val, &lx)) ||
				  (def->type == XPV_PARAM_NUMBER && parse_double(val, &dx)) ||
				  (def->type == XPV_PARAM_BOOL && parse_bool(val, &bx));

			if (!ok) {
				diag(L, v, cpath, "expected %s, got '%s'",
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

static void load_params(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	(void)base;
	if (n->type != YAML_MAPPING_NODE) {
		diag(L, n, path, "expected a mapping of check ids, got %s", kind_name(n));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
		const struct xpv_check *c = want_check(L, k, path);
		char *cpath;

		if (c == NULL)
			continue;
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *qk = yaml_document_get_node(&L->doc, q->key);

			if (qk->type == YAML_SCALAR_NODE && strcmp((char *)qk->data.scalar.value, c->id) == 0) {
				c = NULL;
				break;
			}
		}
		cpath = child_path(path, (const char *)k->data.scalar.value);
		if (c == NULL)
			diag(L, k, cpath, "duplicate key");
		else
			load_check_params(L, c, yaml_document_get_node(&L->doc, p->value), cpath);
		free(cpath);
	}
}

static const struct field checks_fields[] = {
	{ .key = "include", .type = F_FUNC, .fn = load_include },
	{ .key = "exclude", .type = F_FUNC, .fn = load_exclude },
	{ .key = "params", .type = F_FUNC, .fn = load_params },
	{ 0 }
};

static void load_checks(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	load_map(L, n, path, checks_fields, base);
}

static void load_waiver_check(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_waiver *w = base;
	const struct xpv_check *c = want_check(L, n, path);

	if (c != NULL)
		w->check = xpv_strdup(c->id);
}

static void load_waiver_expires(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_waiver *w = base;
	const char *v = want_scalar(L, n, path, "a date (YYYY-MM-DD)");

	if (v == NULL)
		return;
	if (!valid_date(v)) {
		diag(L, n, path, "expected a date YYYY-MM-DD, got '%s'", v);
		return;
	}
	w->expires = xpv_strdup(v);
}

static const struct field waiver_fields[] = {
	{ .key = "check", .type = F_FUNC, .fn = load_waiver_check, .required = true },
	{ .key = "target", .type = F_STRING, .off = offsetof(struct xpv_waiver, target) },
	{ .key = "reason", .type = F_STRING, .off = offsetof(struct xpv_waiver, reason), .required = true },
	{ .key = "expires", .type = F_FUNC, .fn = load_waiver_expires, .required = true },
	{ 0 }
};

static void load_waiver(struct loader *L, yaml_node_t *n, const char *path, size_t idx)
{
	struct xpv_waiver *w = &L->sc->waivers[idx];

	w->line = (int)n->start_mark.line + 1;
	load_map(L, n, path, waiver_fields, w);
	if (w->target == NULL)
		w->target = xpv_strdup("*");
}

static void load_waivers(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	struct xpv_scenario *sc = base;

	if (n->type != YAML_SEQUENCE_NODE) {
		diag(L, n, path, "expected a list, got %s", kind_name(n));
		return;
	}
	sc->n_waivers = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	sc->waivers = xpv_calloc(sc->n_waivers, sizeof(*sc->waivers));
	load_seq(L, n, path, load_waiver);
}

static const struct field reports_fields[] = {
	{ .key = "dir", .type = F_STRING, .off = SC(reports.dir) },
	{ .key = "junit", .type = F_STRING, .off = SC(reports.junit) },
	{ .key = "html", .type = F_STRING, .off = SC(reports.html) },
	{ .key = "json", .type = F_STRING, .off = SC(reports.json) },
	{ .key = "evidence", .type = F_RESERVED },
	{ 0 }
};

static void load_reports(struct loader *L, yaml_node_t *n, const char *path, void *base)
{
	load_map(L, n, path, reports_fields, base);
}

static const struct field top_fields[] = {
	{ .key = "name", .type = F_STRING, .off = SC(name), .required = true },
	{ .key = "description", .type = F_STRING, .off = SC(description) },
	{ .key = "cluster", .type = F_FUNC, .fn = load_cluster, .required = true },
	{ .key = "nodes", .type = F_FUNC, .fn = load_nodes, .required = true },
	{ .key = "resolve", .type = F_FUNC, .fn = load_resolve },
	{ .key = "winrm", .type = F_FUNC, .fn = load_winrm },
	{ .key = "services", .type = F_FUNC, .fn = load_services },
	{ .key = "login", .type = F_FUNC, .fn = load_login },
	{ .key = "tls", .type = F_FUNC, .fn = load_tls },
	{ .key = "failover", .type = F_FUNC, .fn = load_failover },
	{ .key = "checks", .type = F_FUNC, .fn = load_checks },
	{ .key = "waivers", .type = F_FUNC, .fn = load_waivers },
	{ .key = "reports", .type = F_FUNC, .fn = load_reports },
	{ .key = "deadline_s", .type = F_NUMBER, .off = SC(deadline_s), .min = 1, .max = 7 * 86400 },
	{ .key = "lab", .type = F_RESERVED },
	{ .key = "history", .type = F_RESERVED },
	{ 0 }
};

/* ---- defaults and the public API -------------------------------------- */

static void set_defaults(struct xpv_scenario *sc)
{
	static const char *const keys[XPV_SERVICE_COUNT] = { "management_server", "data_collector",
							     "log_server" };
	sc->winrm.port = 5986;
	sc->winrm.auth = XPV_AUTH_NEGOTIATE;
	sc->winrm.connect_timeout_s = 10;
	sc->winrm.operation_timeout_s = 20;
	sc->winrm.request_timeout_s = 60;
	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++)
		sc->services[i].key = xpv_strdup(keys[i]);
	sc->login.method = XPV_LOGIN_BASIC;
	sc->tls.expiry_warn_days = 30;
	sc->failover.method = XPV_FAILOVER_RESTART_OWNER;
	sc->failover.takeover_max_s = 120;
	sc->failover.poll_ms = 250;
	sc->failover.timeout_s = 600;
	sc->deadline_s = 3600;
}

/* Defaults that depend on what was loaded. */
static void finish_defaults(struct xpv_scenario *sc)
{
	static const char *const names[XPV_SERVICE_COUNT] = {
		"Milestone XProtect Management Server", "Milestone XProtect Data Collector Server",
		"Milestone XProtect Log Server"
	};

	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++) {
		if (sc->services[i].name == NULL)
			sc->services[i].name = xpv_strdup(names[i]);
		if (sc->services[i].resource == NULL)
			sc->services[i].resource = xpv_strdup(sc->services[i].name);
	}
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
}

static void check_reports_distinct(struct loader *L, yaml_node_t *root)
{
	const struct xpv_scenario *sc = L->sc;
	const char *f[3] = { sc->reports.junit, sc->reports.html, sc->reports.json };

	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (f[i] != NULL && f[j] != NULL && strcmp(f[i], f[j]) == 0)
				diag(L, root, "reports", "two reports are written to the same file '%s'", f[i]);
}

int xpv_scenario_load(struct xpv_scenario **out, struct xpv_diags *diags, const char *path,
		      const struct xpv_check *const *checks, size_t n_checks)
{
	struct loader L = { .file = path, .diags = diags, .checks = checks, .n_checks = n_checks };
	yaml_parser_t parser;
	yaml_document_t extra;
	FILE *f;
	yaml_node_t *root;
	bool have_doc = false;
	int rc = XPV_ESCENARIO;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		diag_at(&L, 0, 0, "", "cannot read: %s", strerror(errno));
		return xpv_error_set(XPV_ESCENARIO, "cannot read %s", path);
	}
	L.sc = xpv_calloc(1, sizeof(*L.sc));
	L.sc->file = xpv_strdup(path);
	L.sc->dir = xpv_dirname(path);
	set_defaults(L.sc);

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &L.doc)) {
		diag_at(&L, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1, "",
			"invalid YAML: %s%s%s", parser.problem ? parser.problem : "syntax error",
			parser.context ? " " : "", parser.context ? parser.context : "");
		goto out;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&L.doc);
	if (root == NULL) {
		diag_at(&L, 1, 1, "", "the file is empty; a scenario is a mapping with name, cluster and nodes");
		goto out;
	}
	load_map(&L, root, "", top_fields, L.sc);
	if (L.too_complex)
		diag(&L, root, "", "the document is too complex (more than %d nodes visited; aliases?)",
		     MAX_VISITS);
	check_reports_distinct(&L, root);
	if (yaml_parser_load(&parser, &extra)) {
		if (yaml_document_get_root_node(&extra) != NULL)
			diag_at(&L, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1, "",
				"more than one YAML document; a scenario is one document");
		yaml_document_delete(&extra);
	} else {
		diag_at(&L, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1, "",
			"invalid YAML: %s", parser.problem ? parser.problem : "syntax error");
	}
	if (diags->n == 0) {
		finish_defaults(L.sc);
		*out = L.sc;
		L.sc = NULL;
		rc = 0;
	}
out:
	if (have_doc)
		yaml_document_delete(&L.doc);
	yaml_parser_delete(&parser);
	fclose(f);
	xpv_scenario_free(L.sc);
	if (rc < 0) {
		qsort(diags->items, diags->n, sizeof(*diags->items), diag_cmp);
		xpv_error_set(XPV_ESCENARIO, "%s: %zu problem%s", path, diags->n, diags->n == 1 ? "" : "s");
	}
	return rc;
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
	free(sc->winrm.ca_file);
	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++) {
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
	free_strv(sc->warnings, sc->n_warnings);
	free(sc);
}

const struct xpv_service *xpv_scenario_service(const struct xpv_scenario *sc, const char *key)
{
	for (size_t i = 0; i < XPV_SERVICE_COUNT; i++)
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
