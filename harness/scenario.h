/* Scenario files: the strict YAML description of a cluster to verify and how.
 * See docs/scenario.md for every key and its default. */
#ifndef XPV_SCENARIO_H
#define XPV_SCENARIO_H

#include "check.h"
#include "yaml_schema.h"

#include <stdbool.h>
#include <stddef.h>

/* The order is the scenario's choice list (scenario.c auth_choices). */
enum xpv_winrm_auth { XPV_AUTH_NEGOTIATE, XPV_AUTH_BASIC, XPV_AUTH_KERBEROS, XPV_AUTH_NTLM };
enum xpv_winrm_transport { XPV_TRANSPORT_HTTP, XPV_TRANSPORT_HTTPS };
enum xpv_login_method { XPV_LOGIN_BASIC, XPV_LOGIN_WINDOWS };
/* restart-owner and stop-primary restart or stop the active node;
 * move-role is WSFC's graceful move, stop-primary SafeKit's `safekit stop`. */
enum xpv_failover_method { XPV_FAILOVER_RESTART_OWNER, XPV_FAILOVER_MOVE_ROLE, XPV_FAILOVER_STOP_PRIMARY };
/* Which high-availability system the scenario verifies (topology/). */
enum xpv_topology_kind { XPV_TOPOLOGY_WSFC, XPV_TOPOLOGY_SAFEKIT };

/* Where a secret came from; the value itself is never printed. */
enum xpv_secret_source { XPV_SECRET_NONE, XPV_SECRET_ENV, XPV_SECRET_FILE, XPV_SECRET_INLINE };

struct xpv_secret {
	enum xpv_secret_source source;
	char *origin; /* variable name or file path; NULL for inline */
	char *value;  /* registered for redaction */
};

struct xpv_node {
	char *name; /* cluster node name as WSFC reports it */
	char *host; /* host name or address to connect to */
	char *fqdn; /* optional fully qualified name (certificate SAN) */
	char *ip;   /* optional address (certificate IP SAN) */
};

struct xpv_resolve {
	char *host;
	char *address;
};

struct xpv_service {
	char *key;      /* management_server, data_collector, log_server, event_server, iis, sql_server */
	char *name;     /* Win32_Service.Name */
	char *resource; /* cluster resource name; defaults to name */
	bool optional;  /* absence on a node is not a failure */
	bool given;     /* written in the scenario (kept in any topology) */
};

struct xpv_waiver {
	char *check;
	char *target;   /* fnmatch(3) glob; "*" by default */
	char *reason;
	char *expires;  /* YYYY-MM-DD, inclusive */
	int line;       /* position in the scenario file */
};

struct xpv_check_param {
	char *check;
	char *name;
	char *value;
};

/* The services a scenario may name (scenario.c's table). */
#define XPV_MAX_SERVICES 6

struct xpv_scenario {
	char *file;        /* path as given */
	char *dir;         /* directory relative paths resolve against */
	char *name;
	char *description;

	struct {
		char *name;
		char *role;
		char *address;      /* URL as written */
		char *address_host; /* host part of the URL */
		char *scheme;
		long port;          /* explicit or the scheme's default */
	} cluster;

	struct xpv_node *nodes;
	size_t n_nodes;
	struct xpv_resolve *resolve;
	size_t n_resolve;

	struct {
		long port;          /* 5985 (http) or 5986 (https) unless set */
		enum xpv_winrm_transport transport;
		enum xpv_winrm_auth auth;
		char *username;
		struct xpv_secret password;
		char *realm;        /* Kerberos realm; NULL: from the user name */
		char *kdc;          /* host[:port]; NULL: krb5.conf or DNS */
		char *keytab;       /* client keytab; NULL: password or ticket cache */
		char *ccache;       /* ticket cache; NULL: KRB5CCNAME or the default */
		char *spn_service;  /* service class of the node's SPN ("HTTP") */
		char *ca_file;
		bool insecure;
		double connect_timeout_s;
		double operation_timeout_s;
		double request_timeout_s;
	} winrm;

	enum xpv_topology_kind topology;

	/* The role's services, in start order: the topology's defaults and
	 * those the scenario adds. */
	struct xpv_service services[XPV_MAX_SERVICES];
	size_t n_services;

	struct {
		char *module;       /* the mirror module; NULL: `safekit module list` */
		char *command;      /* safekit.exe as run on a node ("safekit") */
		int console_http;   /* 1: the web console serves HTTP (SafeKit's default), 0: HTTPS (an enum choice) */
		long console_port;  /* its port: 9453 for HTTPS, 9010 for HTTP unless set */
		bool external_sql;  /* SQL Server outside the pair: no replication */
	} safekit;

	struct {
		bool present;
		enum xpv_login_method method;
		char *username;
		struct xpv_secret password;
		char *client_id;
		char *token_path;
	} login;

	struct {
		char *ca_file;
		bool require_ip_san;
		long expiry_warn_days;
	} tls;

	struct {
		bool allow_disruptive;
		enum xpv_failover_method method;
		double takeover_max_s;
		long poll_ms;
		double timeout_s;
		bool failback;
	} failover;

	char **include;
	size_t n_include;
	char **exclude;
	size_t n_exclude;
	struct xpv_check_param *params;
	size_t n_params;

	struct xpv_waiver *waivers;
	size_t n_waivers;

	struct {
		char *dir;
		char *junit;
		char *html;
		char *json;
		char *evidence; /* directory for the evidence archive, or NULL */
		char *signing_key;  /* PEM private key that signs MANIFEST.sha256 */
		char *signing_cert; /* its certificate */
		struct xpv_secret signing_passphrase; /* the key's passphrase, if any */
	} reports;

	struct {
		bool present;
		char *odbc;       /* ODBC connection string, without the password */
		struct xpv_secret password; /* appended as PWD=... when connecting */
		double timeout_s; /* login and per-statement timeout */
	} history;

	double deadline_s;

	char *lab;         /* lab file: run against the built-in lab (labrun.c fills the rest) */

	char **warnings; /* shown in every report (inline password, TLS off) */
	size_t n_warnings;
};

/* Loads and validates `path` against the check table `checks` (ids, params).
 * Secrets are resolved (and registered for redaction). On success returns 0
 * and `*out` holds the scenario. On any problem returns XPV_ESCENARIO,
 * `*out` is NULL, and `diags` lists every problem found, in file order. */
int xpv_scenario_load(struct xpv_scenario **out, struct xpv_diags *diags, const char *path,
		      const struct xpv_check *const *checks, size_t n_checks);

void xpv_scenario_free(struct xpv_scenario *sc);

/* The service entry for `key` (management_server, data_collector,
 * log_server), or NULL. */
const struct xpv_service *xpv_scenario_service(const struct xpv_scenario *sc, const char *key);

/* The scenario's value of parameter `name` for check `check_id`, or NULL. */
const char *xpv_scenario_param(const struct xpv_scenario *sc, const char *check_id,
			       const char *name);

#endif
