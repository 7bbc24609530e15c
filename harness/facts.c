/* What checks learn from the nodes: WinRM sessions per node, shared by
 * every check of the run (each used by one thread at a time; a second one
 * opened only while the first is busy, for checks running side by side),
 * and a cache of WQL answers and reading commands, so checks that need the
 * same facts ask once, even at the same time. The cache is forgotten when
 * a disruptive check changes the cluster. */
#include "facts.h"

#include "error.h"
#include "evidence.h"
#include "runner.h"
#include "util.h"

#include <stdint.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

/* One connection to a node. */
struct slot {
	struct xpv_winrm *s; /* NULL while being opened, or when that failed */
	bool busy;           /* a thread uses it */
	int64_t since_ms;    /* when the current use began (busy) */
};

/* The sessions with one node: opened when needed, up to `max` at once
 * (each its own connection: WinRM answers one request a connection at a
 * time), each used by one thread at a time. What an exchange takes on an
 * open one, and what opening one costs, are averaged to decide whether a
 * further one pays (xpv_facts_patience). */
struct node_sessions {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct slot *slot; /* [max] */
	size_t n_open;     /* slots 0..n_open-1 are open or being opened */
	int64_t exchange_us; /* average exchange on an open connection, -1 unknown */
	int64_t connect_us;  /* average cost of a connection, -1 unknown */
};

/* One cached answer. `pending` while its first asker waits on the node:
 * a second asker waits for that answer instead of asking again. */
struct cached {
	size_t node;
	char *ns, *query;
	json_t *rows; /* NULL when the query failed */
	int rc;
	char *error;
	bool pending;
	bool orphan; /* forgotten while pending: its asker frees it */
};

struct xpv_facts {
	const struct xpv_scenario *sc;
	struct xpv_evidence *evidence;
	struct node_sessions *nodes;
	size_t max_sessions;
	pthread_mutex_t lock;
	pthread_cond_t answered; /* a pending entry got its answer */
	struct cached **cache;
	size_t n_cache;
	struct xpv_kv *memo;  /* what the run found out once (names, not answers): kept across a failover */
	size_t n_memo;
};

struct xpv_facts *xpv_facts_new(const struct xpv_scenario *sc, struct xpv_evidence *evidence,
				size_t sessions_per_node)
{
	struct xpv_facts *f = xpv_calloc(1, sizeof(*f));
	pthread_condattr_t ca;

	f->sc = sc;
	f->evidence = evidence;
	f->max_sessions = sessions_per_node > 0 ? sessions_per_node : 1;
	f->nodes = xpv_calloc(sc->n_nodes, sizeof(*f->nodes));
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (size_t i = 0; i < sc->n_nodes; i++) {
		pthread_mutex_init(&f->nodes[i].lock, NULL);
		pthread_cond_init(&f->nodes[i].freed, &ca);
		f->nodes[i].slot = xpv_calloc(f->max_sessions, sizeof(*f->nodes[i].slot));
		f->nodes[i].exchange_us = -1;
		f->nodes[i].connect_us = -1;
	}
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->answered, NULL);
	return f;
}

static void cached_free(struct cached *c)
{
	free(c->ns);
	free(c->query);
	json_decref(c->rows);
	free(c->error);
	free(c);
}

void xpv_facts_forget(struct xpv_facts *f)
{
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n_cache; i++) {
		if (f->cache[i]->pending)
			f->cache[i]->orphan = true; /* an abandoned check still asks */
		else
			cached_free(f->cache[i]);
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
		struct node_sessions *n = &f->nodes[i];

		for (size_t k = 0; k < n->n_open; k++)
			xpv_winrm_close(n->slot[k].s);
		free(n->slot);
		pthread_mutex_destroy(&n->lock);
		pthread_cond_destroy(&n->freed);
	}
	free(f->nodes);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->answered);
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

long xpv_facts_patience(long exchange_ms, long connect_ms, long age_ms, long waited_ms)
{
	long patience = waited_ms < XPV_PATIENCE_MS ? XPV_PATIENCE_MS - waited_ms : 0, until;

	/* A new connection answers after connect_ms and an exchange; the
	 * busy one frees after what is left of its use (an exchange or more),
	 * then this request's exchange: the new one is sooner when exchanges
	 * take longer than connecting. Asked for twice that: a connection
	 * also costs the node (and this machine) a handshake, which a busy
	 * machine pays in everyone's time. */
	if (connect_ms < 0)
		return patience;
	if (exchange_ms < 0) {
		/* nothing answered yet: the busy use has taken that long */
		if (age_ms > 2 * connect_ms)
			return 0;
		until = 2 * connect_ms - age_ms + 1;
		return until < patience ? until : patience;
	}
	if (exchange_ms > 2 * connect_ms)
		return 0;
	/* a use is up to a few exchanges (a command: four), slower on a busy
	 * machine: only one taking ten times an exchange and a connection is
	 * stuck enough to go round */
	if (age_ms >= 10 * (exchange_ms + connect_ms))
		return 0;
	return 10 * (exchange_ms + connect_ms) - age_ms;
}

static int64_t average(int64_t avg, int64_t sample)
{
	return avg < 0 ? sample : (3 * avg + sample) / 4;
}

static long ms(int64_t us)
{
	return us < 0 ? -1 : (long)((us + 999) / 1000);
}

/* A WinRM session's on_connect: known as soon as the connection is up,
 * while its first request is still out. */
static void connected(void *arg, int64_t connect_us)
{
	struct node_sessions *n = arg;

	pthread_mutex_lock(&n->lock);
	n->connect_us = average(n->connect_us, connect_us);
	pthread_cond_broadcast(&n->freed); /* a waiting request decides anew */
	pthread_mutex_unlock(&n->lock);
}

/* A WinRM session's on_exchange. */
static void exchanged(void *arg, int64_t exchange_us)
{
	struct node_sessions *n = arg;

	pthread_mutex_lock(&n->lock);
	n->exchange_us = average(n->exchange_us, exchange_us);
	pthread_mutex_unlock(&n->lock);
}

/* A session with node `i` for this thread alone (`*slot` for
 * session_release): an idle one; else, when every open one is busy and
 * fewer than max_sessions are open, a new one once xpv_facts_patience
 * says so; else the first one freed. NULL when it cannot be opened (the
 * error set); release the slot all the same. */
static struct xpv_winrm *session_take(struct xpv_facts *f, size_t i, size_t *slot)
{
	struct node_sessions *n = &f->nodes[i];
	struct xpv_winrm *s = NULL;
	int64_t asked = xpv_mono_ms();
	size_t k;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		size_t idle = SIZE_MAX;
		int64_t now = xpv_mono_ms(), oldest = now;
		struct timespec until;
		long wait;

		/* an idle open session first; else a slot whose opening failed */
		for (k = 0; k < n->n_open; k++) {
			if (n->slot[k].busy) {
				if (n->slot[k].since_ms < oldest)
					oldest = n->slot[k].since_ms;
				continue;
			}
			if (n->slot[k].s != NULL) {
				idle = k;
				break;
			}
			if (idle == SIZE_MAX)
				idle = k;
		}
		if (idle != SIZE_MAX) {
			k = idle;
			break;
		}
		if (n->n_open == 0) {
			k = n->n_open++;
			break;
		}
		if (n->n_open >= f->max_sessions) {
			pthread_cond_wait(&n->freed, &n->lock);
			continue;
		}
		wait = xpv_facts_patience(ms(n->exchange_us), ms(n->connect_us), (long)(now - oldest),
					  (long)(now - asked));
		if (wait == 0) {
			k = n->n_open++;
			break;
		}
		until = xpv_mono_in(wait);
		pthread_cond_timedwait(&n->freed, &n->lock, &until);
	}
	n->slot[k].busy = true;
	n->slot[k].since_ms = xpv_mono_ms();
	s = n->slot[k].s;
	pthread_mutex_unlock(&n->lock);
	*slot = k;
	if (s == NULL) {
		struct xpv_winrm_opts o;

		xpv_winrm_opts_from_scenario(&o, f->sc, &f->sc->nodes[i]);
		if (f->evidence != NULL) {
			o.transcript = transcript;
			o.transcript_arg = f;
		}
		o.on_connect = connected;
		o.on_exchange = exchanged;
		o.timing_arg = n;
		if (xpv_winrm_open(&s, &o) < 0)
			s = NULL;
		pthread_mutex_lock(&n->lock);
		n->slot[k].s = s;
		pthread_mutex_unlock(&n->lock);
	}
	return s;
}

static void session_release(struct xpv_facts *f, size_t i, size_t k)
{
	struct node_sessions *n = &f->nodes[i];

	pthread_mutex_lock(&n->lock);
	n->slot[k].busy = false;
	pthread_cond_signal(&n->freed);
	pthread_mutex_unlock(&n->lock);
}

/* The cached entry for (node, ns, query): found (waiting while another
 * thread asks for it), or new and pending (`*mine` true: the caller asks
 * the node and calls cache_fill). Returns a copy of a found answer in
 * `*hit` (rows referenced, error copied). */
static struct cached *cache_get(struct xpv_facts *f, size_t node, const char *ns, const char *query, bool *mine,
				struct cached *hit)
{
	struct cached *c = NULL;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		c = NULL;
		for (size_t k = 0; k < f->n_cache && c == NULL; k++) {
			struct cached *e = f->cache[k];

			if (e->node == node && strcmp(e->ns, ns) == 0 && strcmp(e->query, query) == 0)
				c = e;
		}
		if (c == NULL || !c->pending)
			break;
		pthread_cond_wait(&f->answered, &f->lock);
	}
	*mine = c == NULL;
	if (c == NULL) {
		c = xpv_calloc(1, sizeof(*c));
		*c = (struct cached){ .node = node, .ns = xpv_strdup(ns), .query = xpv_strdup(query), .pending = true };
		f->cache = xpv_realloc(f->cache, (f->n_cache + 1) * sizeof(*f->cache));
		f->cache[f->n_cache++] = c;
	} else {
		/* a copy: checks running side by side never share a JSON value
		 * (jansson's reference counts are not safe to share: its check
		 * for a constant value reads the count unlocked) */
		*hit = (struct cached){ .rows = json_deep_copy(c->rows), .rc = c->rc, .error = xpv_strdup(c->error) };
		if (c->rc == 0 && hit->rows == NULL) {
			hit->rc = xpv_error_set(XPV_ENOMEM, "out of memory copying an answer");
			hit->error = xpv_strdup(xpv_error_last());
		}
	}
	pthread_mutex_unlock(&f->lock);
	return c;
}

/* Gives pending entry `c` its answer (a new reference to `rows`, or the
 * failure `rc` with the current error) and wakes whoever waits for it. */
static void cache_fill(struct xpv_facts *f, struct cached *c, json_t *rows, int rc)
{
	if (rc == 0 && rows == NULL)
		rc = xpv_error_set(XPV_ENOMEM, "out of memory keeping an answer");
	pthread_mutex_lock(&f->lock);
	c->rows = rc == 0 ? json_deep_copy(rows) : NULL;
	if (rc == 0 && c->rows == NULL)
		rc = xpv_error_set(XPV_ENOMEM, "out of memory keeping an answer");
	c->rc = rc;
	c->error = rc < 0 ? xpv_strdup(xpv_error_last()) : NULL;
	c->pending = false;
	if (c->orphan)
		cached_free(c);
	pthread_cond_broadcast(&f->answered);
	pthread_mutex_unlock(&f->lock);
}

static int ask_wql(json_t **rows, struct xpv_facts *f, size_t i, const char *ns, const char *query)
{
	size_t slot;
	struct xpv_winrm *s = session_take(f, i, &slot);
	int rc = s != NULL ? xpv_winrm_wql(rows, s, ns, query) : XPV_ENOMEM;

	session_release(f, i, slot);
	return rc;
}

int xpv_facts_wql(json_t **rows, struct xpv_facts *f, const struct xpv_node *node, const char *ns,
		  const char *query, bool fresh)
{
	size_t i = node_index(f, node);
	struct cached hit = { 0 }, *c;
	bool mine;
	int rc;

	*rows = NULL;
	if (fresh)
		return ask_wql(rows, f, i, ns, query);
	c = cache_get(f, i, ns, query, &mine, &hit);
	if (!mine) {
		if (hit.rc < 0)
			xpv_error_set(hit.rc, "%s", hit.error);
		*rows = hit.rows;
		free(hit.error);
		return hit.rc;
	}
	rc = ask_wql(rows, f, i, ns, query);
	cache_fill(f, c, *rows, rc);
	return rc;
}

int xpv_facts_exec(struct xpv_shell_output *out, struct xpv_facts *f, const struct xpv_node *node,
		   const char *command, const char *const *args, size_t n_args)
{
	size_t i = node_index(f, node), slot;
	struct xpv_winrm *s = session_take(f, i, &slot);
	int rc;

	if (s == NULL) {
		memset(out, 0, sizeof(*out));
		rc = XPV_ENOMEM;
	} else {
		rc = xpv_winrm_exec(out, s, command, args, n_args);
	}
	session_release(f, i, slot);
	return rc;
}

int xpv_facts_exec_cached(struct xpv_shell_output *out, struct xpv_facts *f, const struct xpv_node *node,
			  const char *command, const char *const *args, size_t n_args)
{
	/* kept in the WQL cache under a namespace no query has, the command
	 * line its key (the words joined by the unit separator) */
	size_t i = node_index(f, node);
	char *key = xpv_strdup(command);
	struct cached hit = { 0 }, *c;
	bool mine;
	json_t *row = NULL;
	int rc;

	for (size_t k = 0; k < n_args; k++) {
		char *next = xpv_asprintf("%s\x1f%s", key, args[k]);

		free(key);
		key = next;
	}
	memset(out, 0, sizeof(*out));
	c = cache_get(f, i, "exec", key, &mine, &hit);
	free(key);
	if (!mine) {
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
		return rc;
	}
	rc = xpv_facts_exec(out, f, node, command, args, n_args);
	/* as it came, failures too (an unreachable node is not asked twice) */
	if (rc == 0)
		row = json_pack("{s:s%,s:s%,s:I}", "out", out->out ? out->out : "", out->out_len, "err",
				out->err ? out->err : "", out->err_len, "exit", (json_int_t)out->exit_code);
	cache_fill(f, c, row, rc);
	json_decref(row);
	return rc;
}

int xpv_facts_invoke(json_t **out, struct xpv_facts *f, const struct xpv_node *node, const char *class_uri,
		     const char *method, const struct xpv_kv *selectors, size_t n_selectors,
		     const struct xpv_kv *params, size_t n_params)
{
	size_t i = node_index(f, node), slot;
	struct xpv_winrm *s = session_take(f, i, &slot);
	int rc = s != NULL ? xpv_winrm_invoke(out, s, class_uri, method, selectors, n_selectors, params, n_params)
			   : XPV_ENOMEM;

	session_release(f, i, slot);
	return rc;
}
