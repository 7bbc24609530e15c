#include "cluster.h"

#include "error.h"
#include "util.h"
#include "wsman.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *xpv_prop(const json_t *row, const char *name)
{
	const char *s = json_string_value(json_object_get(row, name));

	return s != NULL ? s : "";
}

long xpv_prop_long(const json_t *row, const char *name, long fallback)
{
	const char *s = json_string_value(json_object_get(row, name));
	char *end;
	long v;

	if (s == NULL)
		return fallback;
	v = strtol(s, &end, 10);
	return end != s && *end == '\0' ? v : fallback;
}

const char *xpv_resource_state_name(long state)
{
	switch (state) {
	case -1: return "Unknown";
	case 0: return "Inherited";
	case 1: return "Initializing";
	case 2: return "Online";
	case 3: return "Offline";
	case 4: return "Failed";
	case 128: return "Pending";
	case 129: return "Online Pending";
	case 130: return "Offline Pending";
	}
	return "unknown state";
}

const struct xpv_node *xpv_node_by_name(const struct xpv_scenario *sc, const char *name)
{
	for (size_t i = 0; name != NULL && i < sc->n_nodes; i++)
		if (strcasecmp(sc->nodes[i].name, name) == 0)
			return &sc->nodes[i];
	return NULL;
}

void xpv_cluster_view_clear(struct xpv_cluster_view *v)
{
	json_decref(v->nodes);
	json_decref(v->group);
	json_decref(v->resources);
	memset(v, 0, sizeof(*v));
}

/* The role's resources (with the node that owns them: the role's owner),
 * one round trip; the group too when `full` or when the role has no
 * resource (does it exist at all?); the nodes when `full`. */
static int view_from(struct xpv_cluster_view *v, struct xpv_ctx *ctx, const struct xpv_node *node, bool fresh,
		     bool full)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *role = xpv_wql_quote(sc->cluster.role);
	char *qg = xpv_asprintf("select Name,State,OwnerNode,GroupType from MSCluster_ResourceGroup where Name = %s", role);
	char *qr = xpv_asprintf("select Name,State,Type,OwnerGroup,OwnerNode from MSCluster_Resource where OwnerGroup = %s",
				role);
	int (*wql)(json_t **, struct xpv_ctx *, const struct xpv_node *, const char *, const char *) =
		fresh ? xpv_ctx_wql_fresh : xpv_ctx_wql;
	json_t *groups = NULL;
	int rc;

	rc = wql(&v->resources, ctx, node, "root/mscluster", qr);
	if (rc == 0 && (full || json_array_size(v->resources) == 0))
		rc = wql(&groups, ctx, node, "root/mscluster", qg);
	if (rc == 0 && full)
		rc = wql(&v->nodes, ctx, node, "root/mscluster", "select Name,State from MSCluster_Node");
	if (rc == 0) {
		v->source = node;
		if (json_array_size(groups) > 0)
			v->group = json_incref(json_array_get(groups, 0));
	} else {
		xpv_cluster_view_clear(v);
	}
	json_decref(groups);
	free(qg);
	free(qr);
	free(role);
	return rc;
}

int xpv_cluster_view_get(struct xpv_cluster_view *v, struct xpv_ctx *ctx, const struct xpv_node *first, bool fresh,
			 bool full)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	size_t start = first != NULL ? (size_t)(first - sc->nodes) : 0;
	char *errors = xpv_strdup("");
	int rc = XPV_ECONNECT;

	memset(v, 0, sizeof(*v));
	for (size_t k = 0; k < sc->n_nodes; k++) {
		const struct xpv_node *n = &sc->nodes[(start + k) % sc->n_nodes];
		char *next;

		rc = view_from(v, ctx, n, fresh, full);
		if (rc == 0)
			break;
		next = xpv_asprintf("%s%s%s", errors, errors[0] ? "; " : "", xpv_error_last());
		free(errors);
		errors = next;
	}
	if (rc < 0)
		xpv_error_set(rc, "no node answered for the cluster: %s", errors);
	free(errors);
	return rc;
}

const char *xpv_cluster_owner(const struct xpv_cluster_view *v)
{
	/* the group's owner, or that of its resources (the same node in WSFC) */
	const char *o = v->group ? json_string_value(json_object_get(v->group, "OwnerNode"))
				 : json_string_value(json_object_get(json_array_get(v->resources, 0), "OwnerNode"));

	return o != NULL && o[0] != '\0' ? o : NULL;
}

json_t *xpv_cluster_resource(const struct xpv_cluster_view *v, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(v->resources, i, r)
		if (strcasecmp(xpv_prop(r, "Name"), name) == 0)
			return r;
	return NULL;
}

int xpv_node_services(json_t **rows, struct xpv_ctx *ctx, const struct xpv_node *node, bool fresh)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	char *q = xpv_strdup("select Name,StartMode,State,ProcessId from Win32_Service where ");
	int rc;

	for (size_t i = 0; i < sc->n_services; i++) {
		char *lit = xpv_wql_quote(sc->services[i].name);
		char *next = xpv_asprintf("%s%sName = %s", q, i ? " or " : "", lit);

		free(q);
		free(lit);
		q = next;
	}
	rc = fresh ? xpv_ctx_wql_fresh(rows, ctx, node, "root/cimv2", q) : xpv_ctx_wql(rows, ctx, node, "root/cimv2", q);
	free(q);
	return rc;
}

json_t *xpv_service_row(const json_t *rows, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach((json_t *)rows, i, r)
		if (strcasecmp(xpv_prop(r, "Name"), name) == 0)
			return r;
	return NULL;
}

char *xpv_node_run(struct xpv_ctx *ctx, const struct xpv_node *node, const char *command, const char *const *args,
		   size_t n_args, char **why)
{
	struct xpv_shell_output out;
	char *text = NULL;

	*why = NULL;
	if (xpv_ctx_exec_cached(&out, ctx, node, command, args, n_args) < 0) {
		*why = xpv_strdup(xpv_error_last());
		xpv_shell_output_clear(&out);
		return NULL;
	}
	if (out.exit_code != 0) {
		char *err = xpv_strdup(out.err ? out.err : "");

		xpv_rtrim(err);
		*why = xpv_asprintf("exit code %ld: %s", out.exit_code, err[0] ? err : "no message");
		free(err);
	} else {
		text = xpv_strdup(out.out ? out.out : "");
	}
	xpv_shell_output_clear(&out);
	return text;
}

int xpv_node_restart(struct xpv_ctx *ctx, const struct xpv_node *node, char **why)
{
	static const char *const args[] = { "/r", "/t", "0", "/f" };
	struct xpv_shell_output out;
	int rc = xpv_ctx_exec(&out, ctx, node, "shutdown", args, 4);

	*why = NULL;
	if (rc == 0 && out.exit_code != 0)
		*why = xpv_asprintf("shutdown /r on %s exited %ld: %s", node->name, out.exit_code, out.err);
	else if (rc < 0)
		*why = xpv_asprintf("cannot restart %s: %s", node->name, xpv_error_last());
	xpv_shell_output_clear(&out);
	return *why != NULL ? -1 : 0;
}

char *xpv_node_powershell(struct xpv_ctx *ctx, const struct xpv_node *node, const char *script, char **why)
{
	char *b64 = xpv_powershell_encode(script), *out;
	const char *args[4] = { "-NoProfile", "-NonInteractive", "-EncodedCommand", b64 };

	if (b64 == NULL) {
		*why = xpv_strdup("the PowerShell script is not valid UTF-8");
		return NULL;
	}
	out = xpv_node_run(ctx, node, "powershell", args, 4, why);
	free(b64);
	return out;
}

char *xpv_node_file(struct xpv_ctx *ctx, const struct xpv_node *node, const char *path, char **why)
{
	char *quoted = xpv_asprintf("\"%s\"", path);
	const char *args[] = { quoted };
	char *text = xpv_node_run(ctx, node, "type", args, 1, why);

	free(quoted);
	return text;
}

char *xpv_xml_path_text(const char *xml, const char *xpath, char **why)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "file.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr xc = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr r = xc ? xmlXPathEvalExpression(BAD_CAST xpath, xc) : NULL;
	char *text = NULL;

	*why = NULL;
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();

		*why = xpv_asprintf("not well-formed XML (line %d: %s)", e ? e->line : 0, e && e->message ? e->message : "");
		xpv_rtrim(*why);
	} else if (r == NULL || r->nodesetval == NULL || r->nodesetval->nodeNr == 0) {
		*why = xpv_asprintf("no %s element", xpath);
	} else {
		xmlChar *c = xmlNodeGetContent(r->nodesetval->nodeTab[0]);
		char *p = (char *)c;

		while (p && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		text = xpv_strdup(p ? p : "");
		xpv_rtrim(text);
		xmlFree(c);
	}
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(xc);
	xmlFreeDoc(doc);
	return text;
}

size_t xpv_majority(const char *const *values, size_t n, bool nocase)
{
	size_t best = n, best_n = 0;

	for (size_t i = 0; i < n; i++) {
		size_t count = 0;

		if (values[i] == NULL)
			continue;
		for (size_t k = 0; k < n; k++)
			count += values[k] != NULL &&
				 (nocase ? strcasecmp(values[k], values[i]) : strcmp(values[k], values[i])) == 0;
		if (count > best_n) {
			best = i;
			best_n = count;
		}
	}
	return best;
}
