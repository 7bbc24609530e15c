/* XProtect Management Server Failover: a SafeKit mirror module on two
 * nodes, read and driven with the `safekit` command over WinRM. Only what
 * SafeKit documents is relied on (reference/safekit.md A.1): the exit code
 * of `safekit state -m AM -lq` (STOP 0, WAIT 1, ALONE 2, PRIM 3, SECOND 4)
 * and single resources from `safekit get -m AM -r RES`. The text of
 * `safekit state` is not public and is never parsed. */
#include "topology.h"

#include "cluster.h"
#include "error.h"
#include "safekit.h"
#include "util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool xpv_safekit_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 64 && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

size_t xpv_safekit_confinfo_nodes(const char *text, char **names, size_t max)
{
	size_t rows = 0;
	bool header = false;

	for (const char *p = text ? text : ""; *p != '\0';) {
		size_t len = strcspn(p, "\r\n"), lead = strspn(p, " \t"), word;

		if (lead > len)
			lead = len;
		word = strcspn(p + lead, " \t\r\n");
		if (word > 0 && !header) {
			/* the first line is the table's header */
			header = true;
		} else if (word > 0) {
			if (rows < max)
				names[rows] = xpv_asprintf("%.*s", (int)word, p + lead);
			rows++;
		}
		p += len;
		p += strspn(p, "\r\n");
	}
	return rows;
}

size_t xpv_safekit_modules(const char *text, char **first)
{
	size_t count = 0;

	*first = NULL;
	/* one module name per line (UG 9.5); blank lines aside */
	for (const char *p = text ? text : ""; *p != '\0';) {
		size_t len = strcspn(p, "\r\n"), lead = strspn(p, " \t");
		size_t end = len;

		while (end > lead && (p[end - 1] == ' ' || p[end - 1] == '\t'))
			end--;
		if (lead < end && count++ == 0)
			*first = xpv_asprintf("%.*s", (int)(end - lead), p + lead);
		p += len;
		p += strspn(p, "\r\n");
	}
	return count;
}

char *xpv_safekit_value(const char *text)
{
	const char *end, *start;

	/* the last word of the output ("up", "state.remote = PRIM" alike):
	 * the print form of `get` is not documented beyond "prints one
	 * resource" (docs/safekit.md) */
	end = text ? text + strlen(text) : "";
	start = text ? text : end;
	while (end > start && strchr(" \t\r\n", end[-1]))
		end--;
	for (start = end; start > (text ? text : end) && !strchr(" \t\r\n=:", start[-1]); start--)
		;
	return xpv_asprintf("%.*s", (int)(end - start), start);
}

static const char *const state_names[] = { "STOP", "WAIT", "ALONE", "PRIM", "SECOND" };

const char *xpv_safekit_state_name(int state)
{
	return state >= 0 && state <= XPV_SK_SECOND ? state_names[state] : "UNKNOWN";
}

/* Runs `safekit ARGS` on `node`; 0 with *out filled (any exit code), or a
 * negative xpv_err when the node did not answer. */
static int sk_exec(struct xpv_shell_output *out, struct xpv_ctx *ctx, const struct xpv_node *node,
		   const char *const *args, size_t n)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);

	return xpv_ctx_exec(out, ctx, node, sc->safekit.command, args, n);
}

char *xpv_safekit_module(struct xpv_ctx *ctx, const struct xpv_node *node, char **why)
{
	static const char *const args[] = { "module", "list" };
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_shell_output out;
	char *found = NULL;
	size_t count;

	*why = NULL;
	if (sc->safekit.module != NULL)
		return xpv_strdup(sc->safekit.module);
	found = xpv_ctx_memo(ctx, "safekit.module", NULL);
	if (found != NULL)
		return found; /* asked once a run: a failover does not rename it */
	if (sk_exec(&out, ctx, node, args, 2) < 0) {
		*why = xpv_asprintf("cannot list the SafeKit modules of %s: %s", node->name, xpv_error_last());
		return NULL;
	}
	if (out.exit_code != 0) {
		*why = xpv_asprintf("safekit module list on %s exited %ld: %s", node->name, out.exit_code,
				    xpv_str_trim(out.err));
		xpv_shell_output_clear(&out);
		return NULL;
	}
	count = xpv_safekit_modules(out.out, &found);
	xpv_shell_output_clear(&out);
	/* a name goes into command lines: only one that cmd.exe cannot read as more */
	if (count == 1 && !xpv_safekit_name_ok(found)) {
		char *shown = xpv_text_clean(found);

		*why = xpv_asprintf("%s names a SafeKit module '%.64s' this harness will not pass to a command line: "
				    "set safekit.module", node->name, shown);
		free(shown);
		free(found);
		return NULL;
	}
	if (count == 1) {
		char *noted = xpv_ctx_memo(ctx, "safekit.module", found);

		free(found);
		return noted;
	}
	*why = count == 0 ? xpv_asprintf("%s has no SafeKit module installed", node->name)
			  : xpv_asprintf("%s has %zu SafeKit modules: set safekit.module to the mirror module's name",
					 node->name, count);
	free(found);
	return NULL;
}

int xpv_safekit_state(struct xpv_ctx *ctx, const struct xpv_node *node, const char *module, char **why)
{
	const char *args[] = { "state", "-m", module, "-lq" };
	struct xpv_shell_output out;
	int state;

	*why = NULL;
	if (sk_exec(&out, ctx, node, args, 4) < 0) {
		*why = xpv_asprintf("%s does not answer: %s", node->name, xpv_error_last());
		return XPV_ECONNECT;
	}
	state = (int)out.exit_code;
	{
		/* -lq prints the state and exits with it (UG 9.4): both must say
		 * the same, or the exit code is not SafeKit's (cmd.exe's 1 for a
		 * command it does not know would read WAIT) */
		char *word = xpv_safekit_value(out.out);

		if (out.exit_code < XPV_SK_STOP || out.exit_code > XPV_SK_SECOND ||
		    strcasecmp(word, xpv_safekit_state_name(state)) != 0) {
			char *shown = xpv_text_clean(xpv_str_trim(out.err[0] ? out.err : out.out));

			*why = xpv_asprintf("safekit state -m %s -lq on %s exited %ld and printed '%.80s', not a module state: %s",
					    module, node->name, out.exit_code, word, shown);
			free(shown);
			state = XPV_ECHECK;
		}
		free(word);
	}
	xpv_shell_output_clear(&out);
	return state;
}

char *xpv_safekit_get(struct xpv_ctx *ctx, const struct xpv_node *node, const char *module, const char *resource,
		      char **why)
{
	const char *args[] = { "get", "-m", module, "-r", resource };
	struct xpv_shell_output out;
	char *value = NULL;

	*why = NULL;
	if (sk_exec(&out, ctx, node, args, 5) < 0) {
		*why = xpv_asprintf("%s does not answer: %s", node->name, xpv_error_last());
		return NULL;
	}
	if (out.exit_code != 0) {
		*why = xpv_asprintf("safekit get -m %s -r %s on %s exited %ld: %s", module, resource, node->name,
				    out.exit_code, xpv_str_trim(out.err[0] ? out.err : out.out));
	} else {
		value = xpv_safekit_value(out.out);
		if (value[0] == '\0') {
			*why = xpv_asprintf("safekit get -m %s -r %s on %s printed nothing", module, resource, node->name);
			free(value);
			value = NULL;
		}
	}
	xpv_shell_output_clear(&out);
	return value;
}

#define READY_MAX 4096

struct body {
	char text[READY_MAX + 1];
	size_t len;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n, room = READY_MAX - b->len;

	if (len > room)
		return 0; /* a health answer is a word: stop reading */
	memcpy(b->text + b->len, data, len);
	b->len += len;
	b->text[b->len] = '\0';
	return len;
}

long xpv_safekit_ready(const struct xpv_scenario *sc, const struct xpv_node *node, const char *module, char **body,
		       char **err)
{
	CURL *c = curl_easy_init();
	char *url = xpv_asprintf("%s://%s:%ld/var/modules/%s/ready.txt", sc->safekit.console_http ? "http" : "https",
				 node->host, sc->safekit.console_port, module);
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = -1, timeout = (long)(sc->winrm.connect_timeout_s * 1000);
	struct curl_slist *pins = NULL;
	CURLcode cc;

	struct body *b = xpv_calloc(1, sizeof(*b));

	*err = NULL;
	*body = NULL;
	if (c == NULL) {
		free(b);
		*err = xpv_strdup("cannot start an HTTP client");
		free(url);
		return -1;
	}
	for (size_t i = 0; i < sc->n_resolve; i++) {
		/* the scenario's resolve: as for every other connection */
		char *e = xpv_asprintf("%s:%ld:%s", sc->resolve[i].host, sc->safekit.console_port, sc->resolve[i].address);

		pins = curl_slist_append(pins, e);
		free(e);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, sc->safekit.console_http ? "http" : "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	/* SafeKit's own CA: the certificate is judged apart, nothing secret is sent */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		*err = xpv_asprintf("%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	curl_easy_cleanup(c);
	curl_slist_free_all(pins);
	free(url);
	*body = xpv_strdup(b->text);
	free(b);
	return status;
}

/* ---- the view ---------------------------------------------------------------- */

static char *role(const struct xpv_scenario *sc)
{
	return sc->safekit.module ? xpv_asprintf("module %s", sc->safekit.module) : xpv_strdup("the SafeKit module");
}

void xpv_safekit_pair_clear(struct xpv_safekit_pair *p)
{
	for (size_t i = 0; i < 2; i++)
		free(p->why[i]);
	free(p->module);
	memset(p, 0, sizeof(*p));
}

static void own_free(void *own)
{
	xpv_safekit_pair_clear(own);
	free(own);
}

int xpv_safekit_pair(struct xpv_safekit_pair *p, struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *errors = xpv_strdup("");

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < 2 && i < sc->n_nodes && p->module == NULL; i++) {
		char *why, *next;

		p->module = xpv_safekit_module(ctx, &sc->nodes[i], &why);
		if (why != NULL) {
			next = xpv_asprintf("%s%s%s", errors, errors[0] ? "; " : "", why);
			free(errors);
			errors = next;
			free(why);
		}
	}
	if (p->module == NULL) {
		int rc = xpv_error_set(XPV_ECONNECT, "no node named the SafeKit module: %s", errors);

		free(errors);
		return rc;
	}
	free(errors);
	for (size_t i = 0; i < 2 && i < sc->n_nodes; i++)
		p->state[i] = xpv_safekit_state(ctx, &sc->nodes[i], p->module, &p->why[i]);
	return 0;
}

static int view(struct xpv_ha_view *v, struct xpv_ctx *ctx, const struct xpv_node *first, bool fresh)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct xpv_safekit_pair *p = xpv_calloc(1, sizeof(*p));
	int rc = xpv_safekit_pair(p, ctx), actives = 0;

	(void)first;
	(void)fresh; /* `safekit` commands are never cached */
	memset(v, 0, sizeof(*v));
	if (rc < 0) {
		free(p);
		return rc;
	}
	v->own = p;
	v->own_free = own_free;
	if (p->state[0] < 0 && p->state[1] < 0) {
		rc = xpv_error_set(XPV_ECONNECT, "no node told its module state: %s; %s", p->why[0], p->why[1]);
		xpv_ha_view_clear(v);
		return rc;
	}
	v->source = p->state[0] >= 0 ? &sc->nodes[0] : &sc->nodes[1];
	v->exists = true;
	for (size_t i = 0; i < 2; i++) {
		if (p->state[i] == XPV_SK_PRIM || p->state[i] == XPV_SK_ALONE) {
			if (actives++ == 0) {
				v->active = &sc->nodes[i];
				v->active_name = xpv_strdup(sc->nodes[i].name);
			}
		}
	}
	v->state = xpv_asprintf("%s %s, %s %s", sc->nodes[0].name, xpv_safekit_state_name(p->state[0]),
				sc->nodes[1].name, xpv_safekit_state_name(p->state[1]));
	/* online: one active node, the other SECOND or out of the pair */
	v->online = actives == 1;
	return 0;
}

static const char *service_state(const struct xpv_ha_view *v, const struct xpv_service *svc, bool *controlled,
				 bool *online)
{
	const struct xpv_safekit_pair *p = v->own;

	(void)svc;
	/* the module's start_prim starts every service of its SERVICES list */
	*controlled = true;
	*online = v->active != NULL;
	if (v->active == NULL)
		return "no PRIM or ALONE node";
	for (size_t i = 0; i < 2; i++)
		if (p->state[i] == XPV_SK_PRIM || p->state[i] == XPV_SK_ALONE)
			return xpv_safekit_state_name(p->state[i]);
	return "UNKNOWN";
}

static int ready(struct xpv_ctx *ctx, const struct xpv_ha_view *v, char **why)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const struct xpv_safekit_pair *p = v->own;
	const struct xpv_node *second = NULL;

	*why = NULL;
	for (size_t i = 0; i < 2; i++)
		if (p->state[i] < 0) {
			*why = xpv_strdup(p->why[i]);
			return -1;
		}
	for (size_t i = 0; i < 2; i++)
		if (p->state[i] == XPV_SK_SECOND)
			second = &sc->nodes[i];
	if (!(p->state[0] == XPV_SK_PRIM && p->state[1] == XPV_SK_SECOND) &&
	    !(p->state[0] == XPV_SK_SECOND && p->state[1] == XPV_SK_PRIM)) {
		*why = xpv_asprintf("module %s is not PRIM on one node and SECOND on the other (%s)", p->module, v->state);
		return -1;
	}
	if (!sc->safekit.external_sql) {
		char *e = NULL, *up = xpv_safekit_get(ctx, second, p->module, "rfs.uptodate", &e);

		if (up == NULL || strcasecmp(up, "up") != 0)
			*why = up == NULL ? e
				: xpv_asprintf("the SECOND node %s is not up to date (rfs.uptodate %s): a failover now "
					       "would lose data", second->name, up);
		else
			free(e);
		free(up);
	}
	return *why != NULL ? -1 : 0;
}

static int run_on(struct xpv_ctx *ctx, const struct xpv_node *node, const char *const *args, size_t n, char **why)
{
	struct xpv_shell_output out;
	char *line = xpv_strdup("safekit");

	*why = NULL;
	for (size_t i = 0; i < n; i++) {
		char *next = xpv_asprintf("%s %s", line, args[i]);

		free(line);
		line = next;
	}
	if (sk_exec(&out, ctx, node, args, n) < 0)
		*why = xpv_asprintf("cannot run %s on %s: %s", line, node->name, xpv_error_last());
	else if (out.exit_code != 0)
		*why = xpv_asprintf("%s on %s exited %ld: %s", line, node->name, out.exit_code,
				    xpv_str_trim(out.err[0] ? out.err : out.out));
	xpv_shell_output_clear(&out);
	free(line);
	return *why != NULL ? -1 : 0;
}

/* `safekit VERB -m MODULE` on `node`: 0, or -1 with *why set. */
static int module_verb(struct xpv_ctx *ctx, const struct xpv_node *node, const char *verb, char **why)
{
	char *module = xpv_safekit_module(ctx, node, why);
	int rc;

	if (module == NULL)
		return -1;
	{
		const char *args[] = { verb, "-m", module };

		rc = run_on(ctx, node, args, 3, why);
	}
	free(module);
	return rc;
}

static int trigger(struct xpv_ctx *ctx, enum xpv_failover_method method, const struct xpv_node *active,
		   const struct xpv_node *target, char **why, bool *refused)
{
	*refused = false;
	(void)target;
	*why = NULL;
	return method == XPV_FAILOVER_RESTART_OWNER ? xpv_node_restart(ctx, active, why)
						    : module_verb(ctx, active, "stop", why);
}

static int hand_back(struct xpv_ctx *ctx, const struct xpv_node *active, const struct xpv_node *home, char **why,
		     bool *refused)
{
	/* swap fails unless the other node is SECOND: SafeKit said no */
	int rc = module_verb(ctx, active, "swap", why);

	(void)home;
	*refused = rc < 0 && *why != NULL && strstr(*why, "exited") != NULL;
	return rc;
}

static int look(struct xpv_ctx *ctx, const struct xpv_node *ask, const struct xpv_node **active, bool *online)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *why = NULL, *module = xpv_safekit_module(ctx, ask, &why);
	int state;

	*active = NULL;
	*online = false;
	if (module == NULL) {
		int rc = xpv_error_set(XPV_ECONNECT, "%s", why);

		free(why);
		return rc;
	}
	state = xpv_safekit_state(ctx, ask, module, &why);
	if (state < 0) {
		xpv_error_set(state, "%s", why);
		free(why);
		free(module);
		return state;
	}
	if (state == XPV_SK_PRIM || state == XPV_SK_ALONE) {
		/* PRIM or ALONE; Ready (its services started) only when its
		 * health URL says OK: the state's exit code cannot tell */
		char *body = NULL, *err = NULL;
		long status = xpv_safekit_ready(sc, ask, module, &body, &err);

		*active = ask;
		*online = status == 200 && strcmp(xpv_str_trim(body), "OK") == 0;
		free(body);
		free(err);
	} else if (state == XPV_SK_SECOND) {
		/* standing by: the other node is active as far as it knows, but
		 * only that node can say it is ready */
		*active = &sc->nodes[ask == &sc->nodes[0] ? 1 : 0];
	}
	free(module);
	return 0;
}

static int standing_by(struct xpv_ctx *ctx, const struct xpv_node *node, const struct xpv_node *prefer,
		       char **state)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *why = NULL, *module = xpv_safekit_module(ctx, node, &why), *up = NULL;
	int s, rc;

	(void)prefer; /* a node tells its own module state */
	*state = NULL;
	if (module == NULL) {
		rc = xpv_error_set(XPV_ECONNECT, "%s", why);
		free(why);
		return rc;
	}
	s = xpv_safekit_state(ctx, node, module, &why);
	if (s < 0) {
		xpv_error_set(s, "%s", why);
		free(why);
		free(module);
		return s;
	}
	if (s == XPV_SK_SECOND && !sc->safekit.external_sql)
		up = xpv_safekit_get(ctx, node, module, "rfs.uptodate", &why);
	free(why);
	rc = s == XPV_SK_SECOND && (sc->safekit.external_sql || (up != NULL && strcasecmp(up, "up") == 0));
	*state = up != NULL ? xpv_asprintf("%s, rfs.uptodate %s", xpv_safekit_state_name(s), up)
			    : xpv_strdup(xpv_safekit_state_name(s));
	free(up);
	free(module);
	return rc;
}

static int rejoin(struct xpv_ctx *ctx, const struct xpv_node *node, char **why)
{
	return module_verb(ctx, node, "start", why);
}

/* SafeKit 8 writes its module log to the Application event log, source
 * Evidian.SafeKit, "<module> | <component> | <text>" (UG 10.13): the
 * lines since `since_us` go to safekit/LABEL-NODE-application-log.txt. */
struct keep {
	int64_t since_us;
	const char *label;
};

static void keep_node_log(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct keep *k = arg;
	char when[96], *query, *file, *name, *text = NULL;
	size_t len = 0, i;
	json_t *rows = NULL, *row;
	time_t t = (time_t)(k->since_us / 1000000);
	struct tm tm;
	FILE *out = open_memstream(&text, &len); /* the answer may be long: no copy per line */

	if (out == NULL)
		return;
	gmtime_r(&t, &tm);
	/* a WQL datetime literal (DMTF, UTC) */
	snprintf(when, sizeof(when), "%04d%02d%02d%02d%02d%02d.000000+000", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	query = xpv_asprintf("select TimeGenerated,Message from Win32_NTLogEvent where Logfile = 'Application' and "
			     "SourceName = 'Evidian.SafeKit' and TimeGenerated >= '%s'", when);
	if (xpv_ctx_wql_fresh(&rows, ctx, node, "root/cimv2", query) < 0)
		fprintf(out, "could not read the Application event log of %s: %s\n", node->name, xpv_error_last());
	json_array_foreach(rows, i, row)
		fprintf(out, "%s %s\n", xpv_prop(row, "TimeGenerated"), xpv_prop(row, "Message"));
	if (fclose(out) == 0) {
		name = xpv_file_name(node->name);
		file = xpv_asprintf("safekit/%s-%s-application-log.txt", k->label, name);
		xpv_ctx_evidence(ctx, file, text);
		free(name);
		free(file);
	}
	free(text);
	free(query);
	json_decref(rows);
}

static void keep_log(struct xpv_ctx *ctx, int64_t since_us, const char *label)
{
	struct keep k = { since_us, label };

	if (xpv_ctx_cancelled(ctx))
		return; /* past the run's deadline: nothing more is asked */
	xpv_ctx_each_node(ctx, keep_node_log, &k);
}

const struct xpv_topology xpv_topology_safekit = {
	.name = "safekit",
	.manager = "SafeKit",
	.ready_words = "one node PRIM, the other SECOND and up to date",
	.standby_words = "the pair as SECOND, up to date",
	.settle_verb = "resynchronised",
	.role = role,
	.view = view,
	.service_state = service_state,
	.ready = ready,
	.trigger = trigger,
	.hand_back = hand_back,
	.look = look,
	.standing_by = standing_by,
	.keep_log = keep_log,
	.rejoin = rejoin,
};
