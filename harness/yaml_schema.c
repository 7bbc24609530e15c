#include "yaml_schema.h"

#include "error.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Walking a document with aliases can revisit nodes; bound the work so a
 * hostile file cannot stall the loader. */
#define MAX_VISITS 100000
#define MAX_FILE (1u << 20) /* bytes: a scenario or lab file is a few KB */
#define MAX_DEPTH 64        /* nesting: real files need 6 */

/* ---- diagnostics ------------------------------------------------------- */

static void vdiag(struct xpv_yaml *Y, int line, int col, const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void vdiag(struct xpv_yaml *Y, int line, int col, const char *path, const char *fmt, va_list ap)
{
	struct xpv_diags *d = Y->diags;

	d->items = xpv_realloc(d->items, (d->n + 1) * sizeof(*d->items));
	d->items[d->n].line = line;
	d->items[d->n].column = col;
	d->items[d->n].path = xpv_strdup(path != NULL ? path : "");
	d->items[d->n].what = xpv_vasprintf(fmt, ap);
	d->n++;
}

void xpv_yaml_diag_at(struct xpv_yaml *Y, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(Y, line, col, path, fmt, ap);
	va_end(ap);
}

void xpv_yaml_diag(struct xpv_yaml *Y, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(Y, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, path, fmt, ap);
	va_end(ap);
}

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

/* ---- open and close ------------------------------------------------------- */

/* Whether the text nests deeper than MAX_DEPTH (then with a diagnostic):
 * walked as events and left at the first level too deep, before libyaml
 * builds a document (its cost grows with the square of flow nesting). A
 * syntax error is left for the load to report. */
static bool too_deep(struct xpv_yaml *Y)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0;
	bool deep = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)Y->text, Y->len);
	while (yaml_parser_parse(&p, &ev)) {
		yaml_event_type_t t = ev.type;

		if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_DEPTH) {
				xpv_yaml_diag_at(Y, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1, "",
						 "nested deeper than %d levels", MAX_DEPTH);
				deep = true;
			}
		} else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (deep || t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&p);
	return deep;
}

yaml_node_t *xpv_yaml_open(struct xpv_yaml *Y, struct xpv_diags *diags, const char *path, void *user,
			   const char *empty_hint)
{
	yaml_node_t *root;

	memset(Y, 0, sizeof(*Y));
	Y->file = path;
	Y->dir = xpv_dirname(path);
	Y->diags = diags;
	Y->user = user;
	/* regular files only (never a FIFO that blocks), and bounded */
	if (xpv_read_file(&Y->text, &Y->len, path, MAX_FILE) < 0) {
		const char *why = xpv_error_last(), *colon = strstr(why, ": ");

		xpv_yaml_diag_at(Y, 0, 0, "", "cannot read: %s", colon ? colon + 2 : why);
		return NULL;
	}
	if (too_deep(Y))
		return NULL;
	yaml_parser_initialize(&Y->parser);
	Y->have_parser = true;
	yaml_parser_set_input_string(&Y->parser, (const unsigned char *)Y->text, Y->len);
	if (!yaml_parser_load(&Y->parser, &Y->doc)) {
		xpv_yaml_diag_at(Y, (int)Y->parser.problem_mark.line + 1, (int)Y->parser.problem_mark.column + 1, "",
				 "invalid YAML: %s%s%s", Y->parser.problem ? Y->parser.problem : "syntax error",
				 Y->parser.context ? " " : "", Y->parser.context ? Y->parser.context : "");
		return NULL;
	}
	Y->have_doc = true;
	root = yaml_document_get_root_node(&Y->doc);
	if (root == NULL)
		xpv_yaml_diag_at(Y, 1, 1, "", "the file is empty%s%s", empty_hint ? "; " : "",
				 empty_hint ? empty_hint : "");
	return root;
}

size_t xpv_yaml_close(struct xpv_yaml *Y)
{
	if (Y->have_doc) {
		yaml_document_t extra;
		yaml_node_t *root = yaml_document_get_root_node(&Y->doc);

		if (Y->too_complex && root != NULL)
			xpv_yaml_diag(Y, root, "", "the document is too complex (more than %d nodes visited; aliases?)",
				      MAX_VISITS);
		if (yaml_parser_load(&Y->parser, &extra)) {
			if (yaml_document_get_root_node(&extra) != NULL)
				xpv_yaml_diag_at(Y, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1, "",
						 "more than one YAML document; the file must hold one");
			yaml_document_delete(&extra);
		} else {
			xpv_yaml_diag_at(Y, (int)Y->parser.problem_mark.line + 1,
					 (int)Y->parser.problem_mark.column + 1, "", "invalid YAML: %s",
					 Y->parser.problem ? Y->parser.problem : "syntax error");
		}
		yaml_document_delete(&Y->doc);
	}
	if (Y->have_parser)
		yaml_parser_delete(&Y->parser);
	free(Y->text);
	free(Y->dir);
	Y->dir = NULL;
	Y->text = NULL;
	Y->have_doc = Y->have_parser = false;
	if (Y->diags->n > 1)
		qsort(Y->diags->items, Y->diags->n, sizeof(*Y->diags->items), diag_cmp);
	return Y->diags->n;
}

/* ---- nodes and values ------------------------------------------------------- */

const char *xpv_yaml_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_NO_NODE: break;
	}
	return "nothing";
}

bool xpv_yaml_visit(struct xpv_yaml *Y)
{
	if (++Y->visits > MAX_VISITS) {
		Y->too_complex = true;
		return false;
	}
	return true;
}

yaml_node_t *xpv_yaml_node(struct xpv_yaml *Y, int index)
{
	return yaml_document_get_node(&Y->doc, index);
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

const char *xpv_yaml_scalar(struct xpv_yaml *Y, yaml_node_t *n, const char *path, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		xpv_yaml_diag(Y, n, path, "expected %s, got %s", what, xpv_yaml_kind(n));
		return NULL;
	}
	if (is_null(n)) {
		xpv_yaml_diag(Y, n, path, "has no value (expected %s)", what);
		return NULL;
	}
	if (n->data.scalar.value[0] == '\0') {
		xpv_yaml_diag(Y, n, path, "must not be empty");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

bool xpv_yaml_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

bool xpv_yaml_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*out);
}

bool xpv_yaml_bool(const char *s, bool *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*out = s[0] == 't';
		return true;
	}
	return false;
}

bool xpv_yaml_date(const char *s)
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

bool xpv_yaml_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

char *xpv_yaml_path(const char *parent, const char *key)
{
	if (parent == NULL || parent[0] == '\0')
		return xpv_strdup(key);
	return xpv_asprintf("%s.%s", parent, key);
}

/* ---- fields, mappings, sequences ------------------------------------------- */

static void load_field(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n, const char *path,
		       void *base)
{
	void *dst = (char *)base + f->off;
	const char *v;

	switch (f->type) {
	case XPV_Y_FUNC:
		f->fn(Y, f, n, path, base);
		return;
	default:
		break;
	}
	v = xpv_yaml_scalar(Y, n, path,
			    f->type == XPV_Y_BOOL     ? "true or false"
			    : f->type == XPV_Y_INT    ? "an integer"
			    : f->type == XPV_Y_NUMBER ? "a number"
						      : "a string");
	if (v == NULL)
		return;
	switch (f->type) {
	case XPV_Y_STRING:
		free(*(char **)dst);
		*(char **)dst = xpv_strdup(v);
		break;
	case XPV_Y_PATH: {
		char *p = xpv_path_join(Y->dir, v);

		if (access(p, R_OK) != 0) {
			xpv_yaml_diag(Y, n, path, "cannot read %s: %s", p, strerror(errno));
			free(p);
			return;
		}
		free(*(char **)dst);
		*(char **)dst = p;
		break;
	}
	case XPV_Y_BOOL:
		if (!xpv_yaml_bool(v, dst))
			xpv_yaml_diag(Y, n, path, "expected true or false, got '%s'", v);
		break;
	case XPV_Y_INT: {
		long x;

		if (!xpv_yaml_long(v, &x))
			xpv_yaml_diag(Y, n, path, "expected an integer, got '%s'", v);
		else if (x < f->min || x > f->max)
			xpv_yaml_diag(Y, n, path, "must be between %.0f and %.0f, got %ld", f->min, f->max, x);
		else
			*(long *)dst = x;
		break;
	}
	case XPV_Y_NUMBER: {
		double x;

		if (!xpv_yaml_double(v, &x))
			xpv_yaml_diag(Y, n, path, "expected a number, got '%s'", v);
		else if (x < f->min || x > f->max)
			xpv_yaml_diag(Y, n, path, "must be between %g and %g, got %g", f->min, f->max, x);
		else
			*(double *)dst = x;
		break;
	}
	case XPV_Y_ENUM: {
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
		xpv_yaml_diag(Y, n, path, "expected one of %s, got '%s'", list, v);
		free(list);
		break;
	}
	default:
		break;
	}
}

void xpv_yaml_map(struct xpv_yaml *Y, yaml_node_t *n, const char *path, const struct xpv_yaml_field *fields,
		  void *base)
{
	size_t nf = 0;
	bool *seen;

	if (!xpv_yaml_visit(Y))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a mapping, got %s", xpv_yaml_kind(n));
		return;
	}
	while (fields[nf].key != NULL)
		nf++;
	seen = xpv_calloc(nf + 1, sizeof(*seen));
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);
		yaml_node_t *v = xpv_yaml_node(Y, p->value);
		char *cpath;
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			xpv_yaml_diag(Y, k, path, "keys must be plain strings, got %s", xpv_yaml_kind(k));
			continue;
		}
		cpath = xpv_yaml_path(path, (const char *)k->data.scalar.value);
		for (i = 0; i < nf; i++)
			if (strcmp(fields[i].key, (const char *)k->data.scalar.value) == 0)
				break;
		if (i == nf) {
			xpv_yaml_diag(Y, k, cpath, "unknown key");
		} else if (seen[i]) {
			xpv_yaml_diag(Y, k, cpath, "duplicate key");
		} else {
			seen[i] = true;
			load_field(Y, &fields[i], v, cpath, base);
		}
		free(cpath);
	}
	for (size_t i = 0; i < nf; i++) {
		if (fields[i].required && !seen[i]) {
			char *cpath = xpv_yaml_path(path, fields[i].key);

			xpv_yaml_diag(Y, n, cpath, "missing required key");
			free(cpath);
		}
	}
	free(seen);
}

long xpv_yaml_seq_len(struct xpv_yaml *Y, yaml_node_t *n, const char *path)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a list, got %s", xpv_yaml_kind(n));
		return -1;
	}
	return (long)(n->data.sequence.items.top - n->data.sequence.items.start);
}

void xpv_yaml_seq(struct xpv_yaml *Y, yaml_node_t *n, const char *path,
		  void (*item)(struct xpv_yaml *Y, yaml_node_t *n, const char *path, size_t idx))
{
	size_t idx = 0;

	if (!xpv_yaml_visit(Y))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		xpv_yaml_diag(Y, n, path, "expected a list, got %s", xpv_yaml_kind(n));
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, idx++) {
		char *ipath = xpv_asprintf("%s[%zu]", path, idx);

		item(Y, xpv_yaml_node(Y, *it), ipath, idx);
		free(ipath);
	}
}
