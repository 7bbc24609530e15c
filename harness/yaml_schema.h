/* Strict, table-driven loading of YAML files (libyaml's document API), for
 * scenarios and lab files alike. Every problem is collected with its
 * position and key path: FILE:LINE:COL: key.path: what is wrong. */
#ifndef XPV_YAML_SCHEMA_H
#define XPV_YAML_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

/* One problem found while loading, positioned in the file. */
struct xpv_diag {
	int line;   /* 1-based; 0 when the file could not be read at all */
	int column; /* 1-based */
	char *path; /* key path such as winrm.port or nodes[1].name */
	char *what;
};

struct xpv_diags {
	struct xpv_diag *items;
	size_t n;
};

/* Formats diagnostic `d` of `file` as `FILE:LINE:COL: key.path: what`. */
char *xpv_diag_format(const char *file, const struct xpv_diag *d);

void xpv_diags_clear(struct xpv_diags *diags);

/* A file being loaded. */
struct xpv_yaml {
	const char *file;
	char *dir;              /* relative paths in the file resolve against it */
	struct xpv_diags *diags;
	void *user;             /* the caller's state */
	/* internal */
	yaml_parser_t parser;
	yaml_document_t doc;
	char *text;             /* the whole file, read once (bounded) */
	size_t len;
	bool have_parser, have_doc;
	long visits;
	bool too_complex;
};

enum xpv_yaml_type {
	XPV_Y_STRING,   /* char * */
	XPV_Y_BOOL,     /* bool: true or false */
	XPV_Y_INT,      /* long within [min, max] */
	XPV_Y_NUMBER,   /* double within [min, max] */
	XPV_Y_ENUM,     /* int: index into choices */
	XPV_Y_PATH,     /* char *: resolved against the file's directory, must be readable */
	XPV_Y_FUNC      /* fn loads it */
};

struct xpv_yaml_field;

typedef void (*xpv_yaml_fn)(struct xpv_yaml *Y, const struct xpv_yaml_field *f, yaml_node_t *n,
			    const char *path, void *base);

struct xpv_yaml_field {
	const char *key;
	enum xpv_yaml_type type;
	size_t off;                 /* destination, from `base` */
	bool required;
	double min, max;
	const char *const *choices; /* XPV_Y_ENUM, NULL-terminated */
	xpv_yaml_fn fn;             /* XPV_Y_FUNC */
};

/* Opens and parses `path`. Returns the root node, or NULL when there is
 * nothing to load (then a diagnostic was recorded; an empty file is
 * explained by `empty_hint`). Always call xpv_yaml_close. */
yaml_node_t *xpv_yaml_open(struct xpv_yaml *Y, struct xpv_diags *diags, const char *path, void *user,
			   const char *empty_hint);

/* Refuses a second document, frees everything, sorts the diagnostics in
 * file order. Returns the number of diagnostics. */
size_t xpv_yaml_close(struct xpv_yaml *Y);

/* Records a problem at node `n` (or at a position). */
void xpv_yaml_diag(struct xpv_yaml *Y, const yaml_node_t *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void xpv_yaml_diag_at(struct xpv_yaml *Y, int line, int col, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Loads mapping `n` against `fields` into `base`: unknown, duplicate and
 * missing required keys are diagnosed. */
void xpv_yaml_map(struct xpv_yaml *Y, yaml_node_t *n, const char *path, const struct xpv_yaml_field *fields,
		  void *base);

/* Calls `item` for every element of sequence `n` (path "path[i]"). */
void xpv_yaml_seq(struct xpv_yaml *Y, yaml_node_t *n, const char *path,
		  void (*item)(struct xpv_yaml *Y, yaml_node_t *n, const char *path, size_t idx));

/* Number of elements when `n` is a sequence, else a diagnostic and -1. */
long xpv_yaml_seq_len(struct xpv_yaml *Y, yaml_node_t *n, const char *path);

/* The text of scalar `n`, or NULL with a diagnostic when it is no scalar,
 * null or empty. `what` names the expected value ("a string"). */
const char *xpv_yaml_scalar(struct xpv_yaml *Y, yaml_node_t *n, const char *path, const char *what);

/* Node by index (for mapping pairs and sequence items). */
yaml_node_t *xpv_yaml_node(struct xpv_yaml *Y, int index);

/* Counts one visit; false once the document is too complex to walk. */
bool xpv_yaml_visit(struct xpv_yaml *Y);

/* "a scalar", "a list", "a mapping". */
const char *xpv_yaml_kind(const yaml_node_t *n);

/* "parent.key" (or "key"). */
char *xpv_yaml_path(const char *parent, const char *key);

bool xpv_yaml_long(const char *s, long *out);
bool xpv_yaml_double(const char *s, double *out);
bool xpv_yaml_bool(const char *s, bool *out);
bool xpv_yaml_date(const char *s);  /* a valid YYYY-MM-DD */
bool xpv_yaml_ip(const char *s);    /* an IPv4 or IPv6 address */

#endif
