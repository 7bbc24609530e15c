/* What checks learn from the nodes: one WinRM session per node, shared by
 * every check of the run (used by one thread at a time), and a cache of
 * WQL answers, so checks that need the same facts ask once. The cache is
 * forgotten when a disruptive check changes the cluster. */
#include "facts.h"

#include "error.h"
#include "evidence.h"
#include "runner.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct session {
	pthread_mutex_t lock;
	struct xpv_winrm *s;
};

struct cached {
	size_t node;
	char *ns, *query;
	json_t *rows; /* NULL when the query failed */
	int rc;
	char *error;
};

struct xpv_facts {
	const struct xpv_scenario *sc;
	struct xpv_evidence *evidence;
	struct session *sessions;
	pthread_mutex_t lock;
	struct cached *cache;
	size_t n_cache;
	struct xpv_kv *memo;  /* what the run found out once (names, not answers): kept across a failover */
	size_t n_memo;
};

struct xpv_facts *xpv_facts_new(const struct xpv_scenario *sc, struct xpv_evidence *evidence)
{
	struct xpv_facts *f = xpv_calloc(1, sizeof(*f));

	f->sc = sc;
	f->evidence = evidence;
	f->sessions = xpv_calloc(sc->n_nodes, sizeof(*f->sessions));
	for (size_t i = 0; i < sc->n_nodes; i++)
		pthread_mutex_init(&f->sessions[i].lock, NULL);
	pthread_mutex_init(&f->lock, NULL);
	return f;
}

void xpv_facts_forget(struct xpv_facts *f)
{
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n_cache; i++) {
		free(f->cache[i].ns);
		free(f->cache[i].query);
		json_decref(f->cache[i].rows);
		free(f->cache[i].error);
	}
	free(f->cache);
	f->cache = NULL;
	f->n_cache = 0;
	pthread_mutex_unlock(&f->lock);
}

void xpv_facts_free(struct xpv_facts *f)
{
	if (f == NULL)
		return;
	xpv_facts_forget(f);
	for (size_t i = 0; i < f->n_memo; i++) {
		free((char *)f->memo[i].name);
		free(f->memo[i].value);
	}
	free(f->memo);
	for (size_t i = 0; i < f->sc->n_nodes; i++) {
		xpv_winrm_close(f->sessions[i].s);
		pthread_mutex_destroy(&f->sessions[i].lock);
	}
	free(f->sessions);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

char *xpv_facts_memo(struct xpv_facts *f, const char *key, const char *value)
{
	char *out = NULL;
	size_t i;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->n_memo && strcmp(f->memo[i].name, key) != 0; i++)
		;
	if (i == f->n_memo && value != NULL) {
		f->memo = xpv_realloc(f->memo, (f->n_memo + 1) * sizeof(*f->memo));
		f->memo[f->n_memo++] = (struct xpv_kv){ xpv_strdup(key), xpv_strdup(value) };
	}
	if (i < f->n_memo)
		out = xpv_strdup(f->memo[i].value);
	pthread_mutex_unlock(&f->lock);
	return out;
}

static size_t node_index(const struct xpv_facts *f, const struct xpv_node *node)
{
	return (size_t)(node - f->sc->nodes);
}

/* Every exchange with a node goes to transcripts/NODE.txt, in order. */
static void transcript(void *arg, const struct xpv_winrm_exchange *ex)
{
	struct xpv_facts *f = arg;
	char start[48], end[48], *name, *text;

	xpv_format_time(start, sizeof(start), ex->start_us, XPV_TIME_ISO_US);
	xpv_format_time(end, sizeof(end), ex->end_us, XPV_TIME_ISO_US);
	{
		char *file = xpv_file_name(ex->node);

		name = xpv_asprintf("transcripts/%s.txt", file);
		free(file);
	}
	text = xpv_asprintf("=== %s POST %s%s%s%s\n%s\n%s\n=== %s HTTP %ld%s%s\n%s\n%s\n\n", start, ex->url,
			    ex->security ? " (" : "", ex->security ? ex->security : "", ex->security ? ")" : "",
			    ex->request_headers, ex->request_body, end, ex->status, ex->error ? " error: " : "",
			    ex->error ? ex->error : "", ex->response_headers, ex->response_body);
	xpv_evidence_append(f->evidence, name, text);
	free(name);
	free(text);
}

/* Locks and returns the session with `node`, opening it when needed. */
static struct xpv_winrm *session(struct xpv_facts *f, size_t i)
{
	struct session *s = &f->sessions[i];

	pthread_mutex_lock(&s->lock);
	if (s->s == NULL) {
		struct xpv_winrm_opts o;

		xpv_winrm_opts_from_scenario(&o, f->sc, &f->sc->nodes[i]);
		if (f->evidence != NULL) {
			o.transcript = transcript;
			o.transcript_arg = f;
		}
		if (xpv_winrm_open(&s->s, &o) < 0)
			s->s = NULL;
	}
	return s->s;
}

int xpv_facts_wql(json_t **rows, struct xpv_facts *f, const struct xpv_node *node, const char *ns,
		  const char *query, bool fresh)
{
	size_t i = node_index(f, node);
	struct xpv_winrm *s;
	int rc;

	*rows = NULL;
	if (!fresh) {
		pthread_mutex_lock(&f->lock);
		for (size_t k = 0; k < f->n_cache; k++) {
			struct cached *c = &f->cache[k];

			if (c->node == i && strcmp(c->ns, ns) == 0 && strcmp(c->query, query) == 0) {
				rc = c->rc;
				if (rc == 0)
					*rows = json_incref(c->rows);
				else
					xpv_error_set(rc, "%s", c->error);
				pthread_mutex_unlock(&f->lock);
				return rc;
			}
		}
		pthread_mutex_unlock(&f->lock);
	}
	s = session(f, i);
	rc = s != NULL ? xpv_winrm_wql(rows, s, ns, query) : XPV_ENOMEM;
	pthread_mutex_unlock(&f->sessions[i].lock);
	if (!fresh) {
		pthread_mutex_lock(&f->lock);
		f->cache = xpv_realloc(f->cache, (f->n_cache + 1) * sizeof(*f->cache));
		f->cache[f->n_cache++] = (struct cached){ .node = i, .ns = xpv_strdup(ns), .query = xpv_strdup(query),
							  .rows = rc == 0 ? json_incref(*rows) : NULL, .rc = rc,
							  .error = rc < 0 ? xpv_strdup(xpv_error_last()) : NULL };
		pthread_mutex_unlock(&f->lock);
	}
	return rc;
}

int xpv_facts_exec(struct xpv_shell_output *out, struct xpv_facts *f, const struct xpv_node *node,
		   const char *command, const char *const *args, size_t n_args)
{
	size_t i = node_index(f, node);
	struct xpv_winrm *s = session(f, i);
	int rc;

	if (s == NULL) {
		memset(out, 0, sizeof(*out));
		rc = XPV_ENOMEM;
	} else {
		rc = xpv_winrm_exec(out, s, command, args, n_args);
	}
	pthread_mutex_unlock(&f->sessions[i].lock);
	return rc;
}

int xpv_facts_exec_cached(struct xpv_shell_output *out, struct xpv_facts *f, const struct xpv_node *node,
			  const char *command, const char *const *args, size_t n_args)
{
	/* kept in the WQL cache under a namespace no query has, the command
	 * line its key (the words joined by the unit separator) */
	size_t i = node_index(f, node);
	char *key = xpv_strdup(command);
	struct cached hit = { 0 };
	bool found = false;
	int rc;

	for (size_t k = 0; k < n_args; k++) {
		char *next = xpv_asprintf("%s\x1f%s", key, args[k]);

		free(key);
		key = next;
	}
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->lock);
	for (size_t k = 0; k < f->n_cache && !found; k++) {
		const struct cached *c = &f->cache[k];

		if (c->node == i && strcmp(c->ns, "exec") == 0 && strcmp(c->query, key) == 0) {
			found = true;
			hit = (struct cached){ .rows = json_incref(c->rows), .rc = c->rc, .error = xpv_strdup(c->error) };
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (found) {
		const json_t *o = json_object_get(hit.rows, "out"), *e = json_object_get(hit.rows, "err");

		rc = hit.rc;
		if (rc < 0)
			xpv_error_set(rc, "%s", hit.error);
		out->out = xpv_strdup(rc == 0 ? json_string_value(o) : "");
		out->out_len = rc == 0 ? json_string_length(o) : 0;
		out->err = xpv_strdup(rc == 0 ? json_string_value(e) : "");
		out->err_len = rc == 0 ? json_string_length(e) : 0;
		out->exit_code = rc == 0 ? (long)json_integer_value(json_object_get(hit.rows, "exit")) : -1;
		out->done = rc == 0;
		json_decref(hit.rows);
		free(hit.error);
		free(key);
		return rc;
	}
	rc = xpv_facts_exec(out, f, node, command, args, n_args);
	{
		/* as it came, failures too (an unreachable node is not asked twice) */
		json_t *row = rc == 0 ? json_pack("{s:s%,s:s%,s:I}", "out", out->out ? out->out : "", out->out_len, "err",
						  out->err ? out->err : "", out->err_len, "exit", (json_int_t)out->exit_code)
				      : NULL;

		if (rc < 0 || row != NULL) {
			pthread_mutex_lock(&f->lock);
			f->cache = xpv_realloc(f->cache, (f->n_cache + 1) * sizeof(*f->cache));
			f->cache[f->n_cache++] = (struct cached){ .node = i, .ns = xpv_strdup("exec"), .query = key, .rows = row,
								  .rc = rc, .error = rc < 0 ? xpv_strdup(xpv_error_last()) : NULL };
			pthread_mutex_unlock(&f->lock);
			key = NULL;
		}
	}
	free(key);
	return rc;
}

int xpv_facts_invoke(json_t **out, struct xpv_facts *f, const struct xpv_node *node, const char *class_uri,
		     const char *method, const struct xpv_kv *selectors, size_t n_selectors,
		     const struct xpv_kv *params, size_t n_params)
{
	size_t i = node_index(f, node);
	struct xpv_winrm *s = session(f, i);
	int rc = s != NULL ? xpv_winrm_invoke(out, s, class_uri, method, selectors, n_selectors, params, n_params)
			   : XPV_ENOMEM;

	pthread_mutex_unlock(&f->sessions[i].lock);
	return rc;
}
