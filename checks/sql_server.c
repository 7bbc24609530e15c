/* Guide, "Microsoft SQL Server prerequisites": the management servers of
 * the cluster share one SQL Server database, and "verify that the VMS
 * installations on all hosts can connect" to it. On every node: the
 * Management Server's connection string (registry) names the same server
 * and database, and the node reaches that server (a TCP connect from the
 * node itself, Test-NetConnection). The connection string is parsed on the
 * node by .NET's SqlConnectionStringBuilder and only the server and the
 * database come back: a SQL password in it never leaves the node. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "scenario.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const SQL_PS =
	"$k = 'HKLM:\\SOFTWARE\\VideoOS\\Server\\ConnectionString'\n"
	"$v = (Get-ItemProperty -Path $k -Name ManagementServer -ErrorAction SilentlyContinue).ManagementServer\n"
	"$from = $k + '\\ManagementServer'\n"
	"if (-not $v) {\n"
	"  $k = 'HKLM:\\SOFTWARE\\VideoOS\\Server\\Common'\n"
	"  $v = (Get-ItemProperty -Path $k -Name Connectionstring -ErrorAction SilentlyContinue).Connectionstring\n"
	"  $from = $k + '\\Connectionstring'\n"
	"}\n"
	"if (-not $v) { '{\"Found\":false}'; exit 0 }\n"
	"$b = New-Object System.Data.SqlClient.SqlConnectionStringBuilder $v\n"
	"$ds = $b.DataSource -replace '^(tcp|np|lpc):', ''\n"
	"$port = 1433\n"
	"if ($ds -match ',(\\d+)$') { $port = [int]$Matches[1]; $ds = $ds -replace ',\\d+$', '' }\n"
	"$server = ($ds -split '\\\\')[0]\n"
	"$instance = if ($ds -match '\\\\(.+)$') { $Matches[1] } else { $null }\n"
	"$ok = Test-NetConnection -ComputerName $server -Port $port -InformationLevel Quiet -WarningAction SilentlyContinue\n"
	"[pscustomobject]@{ Found = $true; From = $from; DataSource = $b.DataSource; Database = $b.InitialCatalog;\n"
	"  Server = $server; Instance = $instance; Port = $port; Reachable = [bool]$ok } | ConvertTo-Json -Compress\n";

struct sql {
	json_t *doc;   /* the script's answer, or NULL */
	char *error;   /* why not */
	char *where;   /* "SERVER / DATABASE" (compared without case, as SQL Server names are), or NULL */
};

static void gather(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct sql *d = &((struct sql *)arg)[node - sc->nodes];
	char *why = NULL, *text = xpv_node_powershell(ctx, node, SQL_PS, &why);

	if (text == NULL) {
		d->error = why;
		return;
	}
	d->doc = json_loads(text, 0, NULL);
	if (!json_is_object(d->doc)) {
		json_decref(d->doc);
		d->doc = NULL;
		d->error = xpv_asprintf("the answer is not the JSON asked for: %.200s", text);
	} else if (json_is_true(json_object_get(d->doc, "Found"))) {
		d->where = xpv_asprintf("%s / %s", xpv_prop(d->doc, "DataSource"), xpv_prop(d->doc, "Database"));
	}
	free(text);
	free(why);
}

/* The server and database most nodes use (the first node's on a tie). */
static const char *common(const struct xpv_scenario *sc, const struct sql *d, const char **from)
{
	const char **v = xpv_calloc(sc->n_nodes, sizeof(*v));
	size_t i;

	for (size_t k = 0; k < sc->n_nodes; k++)
		v[k] = d[k].where;
	i = xpv_majority(v, sc->n_nodes, true);
	free(v);
	if (i == sc->n_nodes)
		return NULL;
	*from = sc->nodes[i].name;
	return d[i].where;
}

static void report(struct xpv_ctx *ctx, const char *node, const char *what, enum xpv_verdict v, const char *expected,
		   const char *observed, const char *msg)
{
	char *target = xpv_asprintf("%s/%s", node, what);
	struct xpv_outcome o = { .target = target, .verdict = v, .expected = expected, .observed = observed, .message = msg };

	xpv_ctx_report(ctx, &o);
	free(target);
}

static void judge(struct xpv_ctx *ctx, const struct xpv_node *node, const struct sql *d, const char *want,
		  const char *from)
{
	static const char *const exp_db = "the same SQL Server and database as the other nodes";
	static const char *const exp_net = "the node reaches the SQL Server";
	char *msg;

	if (d->doc == NULL) {
		msg = xpv_asprintf("cannot read the management server's connection string on %s: %s", node->name, d->error);
		report(ctx, node->name, "database", XPV_ERROR, exp_db, "not read", msg);
		report(ctx, node->name, "reachable", XPV_ERROR, exp_net, "not read", msg);
		free(msg);
		return;
	}
	if (d->where == NULL) {
		msg = xpv_asprintf("%s has no management server connection string (HKLM\\SOFTWARE\\VideoOS\\Server\\"
				   "ConnectionString\\ManagementServer, nor the older ...\\Common\\Connectionstring): is the "
				   "management server installed there?", node->name);
		report(ctx, node->name, "database", XPV_FAIL, exp_db, "no connection string", msg);
		report(ctx, node->name, "reachable", XPV_SKIP, exp_net, "no server to reach", msg);
		free(msg);
		return;
	}
	if (want != NULL && strcasecmp(d->where, want) != 0)
		msg = xpv_asprintf("the management server on %s uses %s, but %s uses %s: the guide asks for one SQL Server "
				   "database for the cluster", node->name, d->where, from, want);
	else
		msg = xpv_asprintf("the management server on %s uses %s (%s), as the other nodes", node->name, d->where,
				   xpv_prop(d->doc, "From"));
	report(ctx, node->name, "database", want != NULL && strcasecmp(d->where, want) != 0 ? XPV_FAIL : XPV_PASS, exp_db,
	       d->where, msg);
	free(msg);
	{
		const char *server = xpv_prop(d->doc, "Server"), *instance = xpv_prop(d->doc, "Instance");
		long port = xpv_prop_long(d->doc, "Port", 1433);
		bool ok = json_is_true(json_object_get(d->doc, "Reachable"));
		char *obs = xpv_asprintf("%s:%ld %s", server, port, ok ? "reachable" : "unreachable");

		if (ok)
			msg = xpv_asprintf("%s reaches SQL Server %s on TCP port %ld", node->name, server, port);
		else
			msg = xpv_asprintf("%s cannot reach SQL Server %s on TCP port %ld (Test-NetConnection)%s", node->name,
					   server, port,
					   instance[0] ? ": a named instance may listen on another port (SQL Server Browser, "
							 "UDP 1434, tells which); give the port in the connection string"
						       : ": check the firewall and that SQL Server accepts TCP connections");
		report(ctx, node->name, "reachable", ok ? XPV_PASS : XPV_FAIL, exp_net, obs, msg);
		free(obs);
		free(msg);
	}
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct sql *d = xpv_calloc(sc->n_nodes, sizeof(*d));
	int rc = xpv_ctx_each_node(ctx, gather, d);
	const char *from = NULL, *want = common(sc, d, &from);

	for (size_t i = 0; rc == 0 && i < sc->n_nodes; i++)
		judge(ctx, &sc->nodes[i], &d[i], want, from);
	for (size_t i = 0; i < sc->n_nodes; i++) {
		json_decref(d[i].doc);
		free(d[i].error);
		free(d[i].where);
	}
	free(d);
	return rc;
}

const struct xpv_check xpv_check_sql_server = {
	.id = "sql-server",
	.title = "Every node uses the same SQL Server database and reaches it",
	.guide_section = "Microsoft SQL Server prerequisites (one SQL Server database; verify that the VMS "
			 "installations on all hosts can connect)",
	.remediation = "Install the management server on every node against the same SQL Server and database "
		       "(the Server Configurator or the installer shows the connection). If a node cannot reach the "
		       "SQL Server, open TCP 1433 (or the instance's port) in the firewalls between them and make "
		       "sure SQL Server accepts TCP/IP connections.",
	.topologies = XPV_TOPO_WSFC,
	.run = run,
};
