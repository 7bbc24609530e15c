/* xpverify discover: ask one node of a live cluster what a scenario needs
 * (the cluster, its nodes, the role that runs the Milestone services, its
 * client access point, the management server's port) and write a complete,
 * commented scenario. What cannot be determined is left as a TODO and said
 * on stderr; nothing is guessed silently. */
#include "cli.h"
#include "cli_target.h"

#include "cluster.h"
#include "error.h"
#include "log.h"
#include "scenario.h"
#include "safekit.h"
#include "secrets.h"
#include "util.h"
#include "winrm.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define EXIT_DISCOVER_ERROR 3

/* Every resource of the cluster with the private properties discover
 * needs, as an array even when there is one. */
static const char *const RESOURCES_PS =
	"$res = @(Get-ClusterResource | ForEach-Object {\n"
	"  $p = @{}\n"
	"  $_ | Get-ClusterParameter -ErrorAction SilentlyContinue | ForEach-Object { $p[$_.Name] = [string]$_.Value }\n"
	"  [pscustomobject]@{ Name = $_.Name; Group = $_.OwnerGroup.Name; Type = $_.ResourceType.Name;\n"
	"    ServiceName = $p['ServiceName']; DnsName = $p['DnsName'] }\n"
	"})\n"
	"ConvertTo-Json -Compress -Depth 3 -InputObject $res\n";

/* WSFC's role services (what the scenario's defaults are) */
#define N_SERVICES 3
static const char *const service_keys[N_SERVICES] = { "management_server", "data_collector", "log_server" };
static const char *const service_names[N_SERVICES] = { "Milestone XProtect Management Server",
							      "Milestone XProtect Data Collector Server",
							      "Milestone XProtect Log Server" };

static void usage_discover(FILE *out)
{
	fprintf(out,
		"usage: xpverify discover --host HOST[:PORT] [-o FILE] [--auth A] [--transport T]\n"
		"                         [--resolve HOST:ADDRESS] [--ca FILE] [--insecure]\n"
		"\n"
		"Asks one node of a live cluster what a scenario needs: the cluster's name and\n"
		"domain, its nodes, the role whose Generic Service resources run the Milestone\n"
		"services, the role's client access point, the management server's port. A node\n"
		"of a SafeKit pair (Management Server Failover) gives its mirror module, the two\n"
		"nodes (safekit cluster confinfo), the domain and the virtual address. Writes\n"
		"a complete, commented scenario to FILE (never over an existing file) or stdout:\n"
		"secrets as password_env, never inline; disruptive checks off. What it could not\n"
		"determine is a TODO in the file and a line on stderr. Credentials, --auth,\n"
		"--transport, --resolve, --ca and --insecure as for `xpverify probe`.\n"
		"\n"
		"Exit codes: 0 written, 2 bad invocation or FILE exists, 3 the node could not be\n"
		"asked (or is neither a cluster node nor a SafeKit node).\n");
}

/* `s` as a YAML scalar: a JSON string, which YAML reads as a double-quoted
 * scalar (jansson does the escaping). */
static char *yq(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *out = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return out ? out : xpv_strdup("\"\"");
}

struct found {
	char *cluster, *domain;   /* MSCluster_Cluster Name, the domain of its Fqdn */
	json_t *nodes;            /* MSCluster_Node rows */
	json_t *nics;             /* MSCluster_NetworkInterface rows: Node, Address */
	char *role;               /* the group of the Management Server's resource */
	char *resource[N_SERVICES]; /* resource name per service, NULL when none */
	char *access_point;       /* the role's Network Name DnsName */
	char *port;               /* WebApiConfig/Port of ServerConfig.xml */
	/* a SafeKit pair (XProtect Management Server Failover) instead */
	bool safekit;
	char *module;             /* `safekit module list` */
	char *sk_nodes[2];        /* `safekit cluster confinfo` */
	char *vip;                /* /server/Failover/VirtualAddress of ServerConfig.xml */
	char *todo;               /* what could not be determined, one per line */
};

static void todo(struct found *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void todo(struct found *f, const char *fmt, ...)
{
	va_list ap;
	char *raw, *redacted, *line, *next;

	va_start(ap, fmt);
	raw = xpv_vasprintf(fmt, ap);
	va_end(ap);
	/* what a node said goes into a YAML comment and onto a terminal:
	 * redacted, cleaned, and on one line so it cannot leave the comment */
	redacted = xpv_redact(raw);
	line = xpv_text_clean(redacted);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	xpv_rtrim(line);
	next = xpv_asprintf("%s%s\n", f->todo ? f->todo : "", line);
	free(raw);
	free(redacted);
	free(f->todo);
	f->todo = next;
	free(line);
}

/* The cluster and its nodes (WMI). */
static int ask_cluster(struct xpv_winrm *s, struct found *f)
{
	json_t *rows = NULL, *row;
	const char *fqdn, *dot;

	if (xpv_winrm_wql(&rows, s, "root/mscluster", "select Name,Fqdn from MSCluster_Cluster") < 0)
		return xpv_error_set(XPV_ECHECK, "cannot ask the cluster (is this a cluster node?): %s", xpv_error_last());
	row = json_array_get(rows, 0);
	f->cluster = xpv_strdup(row ? json_string_value(json_object_get(row, "Name")) : NULL);
	fqdn = row ? json_string_value(json_object_get(row, "Fqdn")) : NULL;
	dot = fqdn ? strchr(fqdn, '.') : NULL;
	f->domain = dot ? xpv_str_lower(dot + 1) : NULL;
	json_decref(rows);
	if (f->cluster == NULL)
		return xpv_error_set(XPV_ECHECK, "MSCluster_Cluster has no instance: this node is no cluster member");
	if (f->domain == NULL)
		todo(f, "the cluster's domain (MSCluster_Cluster.Fqdn has none): node FQDNs and the cluster address");
	if (xpv_winrm_wql(&f->nodes, s, "root/mscluster", "select Name,State from MSCluster_Node") < 0)
		return xpv_error_set(XPV_ECHECK, "cannot list the cluster's nodes: %s", xpv_error_last());
	/* the nodes' addresses on the cluster networks: for ip and resolve */
	if (xpv_winrm_wql(&f->nics, s, "root/mscluster", "select Node,Address,Network from MSCluster_NetworkInterface") < 0)
		todo(f, "the nodes' addresses (MSCluster_NetworkInterface did not answer: %s)", xpv_error_last());
	return 0;
}

/* Runs `safekit ARGS` on the node: its stdout, or NULL with *why. */
static char *safekit_out(struct xpv_winrm *s, const char *const *args, size_t n, char **why)
{
	struct xpv_shell_output o = { 0 };
	char *out = NULL;

	*why = NULL;
	if (xpv_winrm_exec(&o, s, "safekit", args, n) < 0)
		*why = xpv_strdup(xpv_error_last());
	else if (o.exit_code != 0)
		*why = xpv_asprintf("exit %ld: %s", o.exit_code, xpv_str_trim(o.err[0] ? o.err : o.out));
	else
		out = xpv_strdup(o.out);
	xpv_shell_output_clear(&o);
	return out;
}

/* No Windows cluster: is it a node of a SafeKit pair? Its module, the
 * two nodes, the domain. 0, or a negative xpv_err when it is not. */
static int ask_safekit(struct xpv_winrm *s, struct found *f)
{
	static const char *const list[] = { "module", "list" }, *const confinfo[] = { "cluster", "confinfo" };
	char *why = NULL, *text = safekit_out(s, list, 2, &why), *first = NULL;
	size_t n;
	json_t *rows = NULL;

	if (text == NULL) {
		int rc = xpv_error_set(XPV_ECHECK, "no SafeKit either (safekit module list: %s)", why);

		free(why);
		return rc;
	}
	n = xpv_safekit_modules(text, &first);
	free(text);
	if (n == 0) {
		free(first);
		return xpv_error_set(XPV_ECHECK, "no SafeKit module is installed on it");
	}
	f->safekit = true;
	if (n == 1 && xpv_safekit_name_ok(first))
		f->module = first;
	else {
		todo(f, "safekit.module: %zu modules on the node (safekit module list): name the mirror module", n);
		free(first);
	}
	text = safekit_out(s, confinfo, 2, &why);
	n = text ? xpv_safekit_confinfo_nodes(text, f->sk_nodes, 2) : 0;
	if (text == NULL)
		todo(f, "the pair's nodes: safekit cluster confinfo failed (%s)", why);
	else if (n != 2)
		todo(f, "the pair's nodes: safekit cluster confinfo lists %zu nodes, a mirror module has 2", n);
	free(text);
	free(why);
	if (xpv_winrm_wql(&rows, s, "root/cimv2", "select Domain,PartOfDomain from Win32_ComputerSystem") == 0 &&
	    strcmp(xpv_prop(json_array_get(rows, 0), "PartOfDomain"), "true") == 0)
		f->domain = xpv_str_lower(xpv_prop(json_array_get(rows, 0), "Domain"));
	else
		todo(f, "the nodes' domain (not in a domain, or Win32_ComputerSystem did not answer): node host names");
	json_decref(rows);
	return 0;
}

/* The text at `xpath` in the node's ServerConfig.xml, or NULL with *why. */
static char *server_config(struct xpv_winrm *s, const char *xpath, char **why)
{
	const char *args[] = { "\"" XPV_SERVER_CONFIG "\"" };
	struct xpv_shell_output o = { 0 };
	char *v = NULL;

	*why = NULL;
	if (xpv_winrm_exec(&o, s, "type", args, 1) == 0 && o.exit_code == 0)
		v = xpv_xml_path_text(o.out ? o.out : "", xpath, why);
	else
		*why = xpv_strdup(o.exit_code != 0 && o.err ? o.err : xpv_error_last());
	if (v == NULL)
		xpv_rtrim(*why);
	xpv_shell_output_clear(&o);
	return v;
}

/* The value at `xpath` of the node's ServerConfig.xml into `*field`; when
 * there is none, a to-do naming `what`, the element and why. */
static void ask_config(struct xpv_winrm *s, struct found *f, const char *xpath, char **field, const char *what)
{
	char *why = NULL;

	*field = server_config(s, xpath, &why);
	if (*field == NULL)
		todo(f, "%s (" XPV_SERVER_CONFIG " %s: %s)", what, xpath, why);
	free(why);
}

/* The first IPv4 address the cluster lists for node `name`, or NULL. */
static const char *node_address(const struct found *f, const char *name)
{
	size_t i;
	json_t *row;
	unsigned char buf[4];

	json_array_foreach(f->nics, i, row)
		if (strcasecmp(xpv_prop(row, "Node"), name) == 0 && inet_pton(AF_INET, xpv_prop(row, "Address"), buf) == 1)
			return xpv_prop(row, "Address");
	return NULL;
}

/* The role that runs the Management Server, its resources, its access point. */
static void ask_role(struct xpv_winrm *s, struct found *f)
{
	char *b64 = xpv_powershell_encode(RESOURCES_PS);
	const char *args[] = { "-NoProfile", "-NonInteractive", "-EncodedCommand", b64 };
	struct xpv_shell_output o = { 0 };
	json_t *res = NULL, *r;
	size_t i;

	if (xpv_winrm_exec(&o, s, "powershell", args, 4) == 0 && o.exit_code == 0)
		res = json_loads(o.out ? o.out : "", 0, NULL); /* not inside json_is_array: a macro */
	if (!json_is_array(res)) {
		todo(f, "the role and its resources: Get-ClusterResource did not answer (%s)",
		     o.exit_code != 0 && o.err && o.err[0] ? o.err : xpv_error_last());
		goto out;
	}
	json_array_foreach(res, i, r)
		if (strcmp(xpv_prop(r, "Type"), "Generic Service") == 0 &&
		    strcasecmp(xpv_prop(r, "ServiceName"), service_names[0]) == 0 && f->role == NULL)
			f->role = xpv_strdup(xpv_prop(r, "Group"));
	if (f->role == NULL) {
		todo(f, "the role: no Generic Service resource of the cluster runs %s", service_names[0]);
		goto out;
	}
	json_array_foreach(res, i, r) {
		if (strcmp(xpv_prop(r, "Group"), f->role) != 0)
			continue;
		if (strcmp(xpv_prop(r, "Type"), "Network Name") == 0 && f->access_point == NULL)
			f->access_point = xpv_strdup(xpv_prop(r, "DnsName")[0] ? xpv_prop(r, "DnsName")
										   : xpv_prop(r, "Name"));
		for (size_t k = 0; k < N_SERVICES; k++)
			if (strcmp(xpv_prop(r, "Type"), "Generic Service") == 0 &&
			    strcasecmp(xpv_prop(r, "ServiceName"), service_names[k]) == 0 && f->resource[k] == NULL)
				f->resource[k] = xpv_strdup(xpv_prop(r, "Name"));
	}
	if (f->access_point == NULL)
		todo(f, "the cluster address: role %s has no Network Name resource", f->role);
out:
	xpv_shell_output_clear(&o);
	json_decref(res);
	free(b64);
}

/* Writes the scenario to `out` (unredacted: see render). */
static int write_scenario(FILE *out, void *arg)
{
	const struct xpv_probe_target *t = ((void **)arg)[0];
	const struct found *f = ((void **)arg)[1];
	char *v, *addr = NULL;
	size_t i;
	json_t *row;

	fprintf(out, "# Written by xpverify discover from %s. Every key: docs/scenario.md.\n", t->o.host);
	if (f->todo != NULL) {
		char *copy = xpv_strdup(f->todo), *line, *save = NULL;

		fprintf(out, "# TODO, not determined:\n");
		for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			fprintf(out, "#   - %s\n", line);
		free(copy);
	}
	if (f->safekit) {
		char *m = yq(f->module ? f->module : "TODO");

		v = yq(f->vip ? f->vip : "TODO");
		fprintf(out, "name: %s\n\ntopology: safekit                   # XProtect Management Server Failover\n"
			     "safekit:\n  module: %s%s\n\ncluster:\n"
			     "  name: %s                  # the virtual address; its DNS name if clients use one\n",
			v, m, f->module ? "" : "                     # the mirror module", v);
		free(m);
		free(v);
		if (f->vip != NULL)
			addr = f->port && strcmp(f->port, "443") != 0 ? xpv_asprintf("https://%s:%s", f->vip, f->port)
								      : xpv_asprintf("https://%s", f->vip);
		v = yq(addr ? addr : "https://TODO");
		fprintf(out, "  address: %s%s\n\nnodes:\n", v, addr ? "" : "                # the virtual address");
		free(v);
		for (size_t k = 0; k < 2; k++) {
			const char *name = f->sk_nodes[k] ? f->sk_nodes[k] : "TODO";
			char *fq = f->domain && f->sk_nodes[k] ? xpv_asprintf("%s.%s", name, f->domain) : NULL;
			char *l = fq ? xpv_str_lower(fq) : NULL, *nq = yq(name), *h = yq(l ? l : name);

			fprintf(out, "  - name: %s\n    host: %s\n", nq, h);
			if (l != NULL)
				fprintf(out, "    fqdn: %s\n", h);
			free(nq);
			free(h);
			free(fq);
			free(l);
		}
		goto winrm;
	}
	v = yq(f->cluster);
	fprintf(out, "name: %s\n\ncluster:\n  name: %s\n", v, v);
	free(v);
	if (f->role != NULL) {
		v = yq(f->role);
		fprintf(out, "  role: %s\n", v);
		free(v);
	} else {
		fprintf(out, "  role: \"TODO\"                           # the role that runs the Milestone services\n");
	}
	if (f->access_point != NULL && f->domain != NULL) {
		char *host = xpv_str_lower(f->access_point);

		addr = f->port && strcmp(f->port, "443") != 0 ? xpv_asprintf("https://%s.%s:%s", host, f->domain, f->port)
								  : xpv_asprintf("https://%s.%s", host, f->domain);
		free(host);
	}
	v = yq(addr ? addr : "https://TODO");
	fprintf(out, "  address: %s%s\n\nnodes:\n", v, addr ? "" : "                # the role's access point");
	free(v);
	json_array_foreach(f->nodes, i, row) {
		const char *name = xpv_prop(row, "Name");
		char *fq = f->domain ? xpv_asprintf("%s.%s", name, f->domain) : NULL, *l = fq ? xpv_str_lower(fq) : NULL;
		char *n = yq(name), *h = yq(l ? l : name);

		fprintf(out, "  - name: %s\n    host: %s\n", n, h);
		if (l != NULL)
			fprintf(out, "    fqdn: %s\n", h);
		if (node_address(f, name) != NULL)
			fprintf(out, "    ip: %s                     # on a cluster network (certificate IP SAN)\n",
				node_address(f, name));
		if (xpv_prop_long(row, "State", -1) != 0)
			fprintf(out, "    # the cluster reports it State %ld, not Up\n", xpv_prop_long(row, "State", -1));
		free(n);
		free(h);
		free(fq);
		free(l);
	}
	if (json_array_size(f->nics) > 0) {
		/* where DNS does not know the nodes: the addresses the cluster uses */
		fprintf(out, "\n# resolve:                            # only where DNS does not resolve the names\n");
		json_array_foreach(f->nodes, i, row) {
			const char *name = xpv_prop(row, "Name"), *ip = node_address(f, name);
			char *fq = f->domain ? xpv_asprintf("%s.%s", name, f->domain) : xpv_strdup(name), *l = xpv_str_lower(fq);

			char *q = yq(l); /* a name from the node: quoted, on its line */

			if (ip != NULL)
				fprintf(out, "#   %s: %s\n", q, ip);
			free(q);
			free(fq);
			free(l);
		}
	}
winrm:
	fprintf(out, "\nwinrm:\n  transport: %s\n", t->o.transport == XPV_TRANSPORT_HTTPS ? "https" : "http");
	if (t->o.port != 0)
		fprintf(out, "  port: %ld\n", t->o.port);
	fprintf(out, "  auth: %s\n", t->o.auth == XPV_AUTH_BASIC ? "basic" : t->o.auth == XPV_AUTH_KERBEROS ? "kerberos"
					  : t->o.auth == XPV_AUTH_NTLM     ? "ntlm"
									   : "negotiate");
	if (t->o.username != NULL) {
		v = yq(t->o.username);
		fprintf(out, "  username: %s\n  password_env: XPV_WINRM_PASSWORD    # never the password itself\n", v);
		free(v);
	} else {
		fprintf(out, "  # no username: a Kerberos ticket from kinit\n");
	}
	if (t->o.realm != NULL && (t->o.username == NULL || strchr(t->o.username, '@') == NULL)) {
		v = yq(t->o.realm);
		fprintf(out, "  realm: %s\n", v);
		free(v);
	}
	if (getenv("XPV_WINRM_KDC") != NULL) {
		v = yq(getenv("XPV_WINRM_KDC"));
		fprintf(out, "  kdc: %s\n", v);
		free(v);
	}
	if (t->o.ca_file != NULL) {
		v = yq(t->o.ca_file);
		fprintf(out, "  ca_file: %s\n", v);
		free(v);
	}
	/* only what differs from the defaults: an empty mapping is none */
	{
		bool any = false;

		for (size_t k = 0; k < N_SERVICES && !f->safekit; k++)
			any |= (f->role != NULL && f->resource[k] == NULL) ||
			       (f->resource[k] != NULL && strcmp(f->resource[k], service_names[k]) != 0);
		fprintf(out, any ? "\nservices:\n"
			     : f->safekit ? "\n# services:                          # the defaults: milestone.safe's six\n"
					  : "\n# services:                          # the defaults: each is a resource of the role\n");
		for (size_t k = 0; k < N_SERVICES && !f->safekit; k++) {
			if (f->role != NULL && f->resource[k] == NULL) {
				fprintf(out, "  %s:\n    optional: true                   # no resource of the role runs it\n",
					service_keys[k]);
			} else if (f->resource[k] != NULL && strcmp(f->resource[k], service_names[k]) != 0) {
				v = yq(f->resource[k]);
				fprintf(out, "  %s:\n    resource: %s\n", service_keys[k], v);
				free(v);
			} else {
				fprintf(out, "#   %s: {name: %s}\n", service_keys[k], service_names[k]);
			}
		}
	}
	/* the domain account logs in through the cluster address as a user would */
	fprintf(out, "\nlogin:\n");
	if (t->o.username != NULL && t->o.auth != XPV_AUTH_BASIC) {
		v = yq(t->o.username);
		fprintf(out, "  method: windows                     # Negotiate, as the Management Client logs in\n"
			     "  username: %s\n  password_env: XPV_WINRM_PASSWORD\n", v);
		free(v);
	} else {
		fprintf(out, "  method: basic\n  username: \"TODO\"                   # an XProtect basic user\n"
			     "  password_env: XPV_LOGIN_PASSWORD\n");
	}
	fprintf(out, "\ntls:\n");
	if (t->o.ca_file != NULL) {
		v = yq(t->o.ca_file);
		fprintf(out, "  ca_file: %s\n", v);
		free(v);
	} else {
		fprintf(out, "  # ca_file: ca.pem                     # default: the system trust store\n");
	}
	fprintf(out, "  require_ip_san: false\n"
		     "\nfailover:\n"
		     "  allow_disruptive: false             # the failover check restarts a node: opt in here and\n"
		     "                                      # with --allow-disruptive\n"
		     "  method: restart-owner\n"
		     "  takeover_max_s: 120%s\n"
		     "\nreports:\n  dir: xpverify-reports\n",
		f->safekit ? "                   # SafeKit waits 30 s for the heartbeats, then starts the services" : "");
	free(addr);
	return ferror(out) ? xpv_error_set(XPV_EIO, "write error") : 0;
}

/* The scenario as text, every registered secret redacted: names and
 * values came from the cluster, which may echo one back. */
static char *render(struct xpv_probe_target *t, struct found *f)
{
	void *arg[2] = { t, f };
	char *buf = NULL, *safe;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc;

	if (mem == NULL) {
		xpv_error_set(XPV_ENOMEM, "out of memory");
		return NULL;
	}
	rc = write_scenario(mem, arg);
	if (fclose(mem) != 0 || rc < 0) {
		free(buf);
		xpv_error_set(XPV_EIO, "cannot build the scenario");
		return NULL;
	}
	safe = xpv_redact(buf);
	free(buf);
	return safe;
}

static int put_text(FILE *out, void *arg)
{
	return fputs(arg, out) == EOF ? xpv_error_set(XPV_EIO, "write error") : 0;
}

static void found_clear(struct found *f)
{
	free(f->cluster);
	free(f->domain);
	json_decref(f->nodes);
	json_decref(f->nics);
	free(f->role);
	for (size_t k = 0; k < N_SERVICES; k++)
		free(f->resource[k]);
	free(f->access_point);
	free(f->port);
	free(f->todo);
	free(f->module);
	free(f->sk_nodes[0]);
	free(f->sk_nodes[1]);
	free(f->vip);
}

int xpv_cli_discover(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	static const struct option opts[] = {
		XPV_TARGET_OPTIONS,
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpv_probe_target t = { .checks = checks, .n_checks = n_checks };
	struct found f = { 0 };
	struct xpv_winrm *s = NULL;
	const char *output = NULL;
	struct stat st;
	int c, taken, code = XPV_EXIT_USAGE;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'h':
			usage_discover(stdout);
			code = 0;
			goto out;
		default:
			taken = xpv_probe_target_option(&t, c, optarg);
			if (taken < 0)
				goto out;
			if (taken == 0) {
				xpv_log_error("discover: unknown or incomplete option '%s'", argv[optind - 1]);
				usage_discover(stderr);
				goto out;
			}
		}
	}
	if (optind != argc || t.host == NULL) {
		xpv_log_error("discover: give --host HOST[:PORT] and no other operand");
		usage_discover(stderr);
		goto out;
	}
	if (output != NULL && stat(output, &st) == 0) {
		xpv_log_error("discover: %s exists; remove it or write elsewhere (nothing was asked)", output);
		goto out;
	}
	if (xpv_probe_target_setup(&t, "discover") < 0)
		goto out;
	xpv_winrm_global_init();
	code = EXIT_DISCOVER_ERROR;
	if (xpv_winrm_open(&s, &t.o) < 0) {
		xpv_log_error("discover: %s: %s", t.host, xpv_error_last());
		goto out;
	}
	if (ask_cluster(s, &f) < 0) {
		/* no Windows cluster: a SafeKit pair (Management Server Failover)? */
		char *wsfc = xpv_strdup(xpv_error_last());

		if (ask_safekit(s, &f) < 0) {
			xpv_log_error("discover: %s: %s; %s", t.host, wsfc, xpv_error_last());
			free(wsfc);
			goto out;
		}
		free(wsfc);
		/* where Server Configurator records it is a guess (safekit.md) */
		ask_config(s, &f, "/server/Failover/VirtualAddress", &f.vip, "the virtual address");
	} else {
		ask_role(s, &f);
	}
	ask_config(s, &f, "/server/WebApiConfig/Port", &f.port,
		   "the management server's port, which the cluster address lacks");
	{
		char *text = render(&t, &f);
		int rc = text == NULL ? -1 : output ? xpv_write_atomic(output, put_text, text) : put_text(stdout, text);

		free(text);
		if (rc < 0) {
			xpv_log_error("discover: %s", xpv_error_last());
			goto out;
		}
	}
	if (f.todo != NULL) {
		char *copy = xpv_strdup(f.todo), *line, *save = NULL;

		for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			xpv_log_warning("discover: not determined: %s", line);
		free(copy);
	}
	if (output != NULL) {
		char *line = f.safekit ? xpv_asprintf("discover: wrote %s (SafeKit pair %s and %s, module %s)%s", output,
						      f.sk_nodes[0] ? f.sk_nodes[0] : "TODO", f.sk_nodes[1] ? f.sk_nodes[1] : "TODO",
						      f.module ? f.module : "TODO", f.todo ? ": see the TODOs in it" : "")
				       : xpv_asprintf("discover: wrote %s (cluster %s, %zu nodes, role %s)%s", output, f.cluster,
						      json_array_size(f.nodes), f.role ? f.role : "TODO",
						      f.todo ? ": see the TODOs in it" : "");
		char *safe = xpv_redact(line), *clean = xpv_text_clean(safe);

		fprintf(stderr, "%s\n", clean);
		free(line);
		free(safe);
		free(clean);
	}
	code = 0;
out:
	xpv_winrm_close(s);
	found_clear(&f);
	xpv_probe_target_clear(&t);
	return code;
}
