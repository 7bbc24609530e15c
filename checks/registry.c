#include "registry.h"

extern const struct xpv_check xpv_check_identical_nodes;
extern const struct xpv_check xpv_check_quorum;
extern const struct xpv_check xpv_check_cluster_nodes;
extern const struct xpv_check xpv_check_role_configuration;
extern const struct xpv_check xpv_check_dcs_cluster_settings;
extern const struct xpv_check xpv_check_idp_data_protection;
extern const struct xpv_check xpv_check_registered_cluster_address;
extern const struct xpv_check xpv_check_sql_server;
extern const struct xpv_check xpv_check_safekit_states;
extern const struct xpv_check xpv_check_safekit_data_sync;
extern const struct xpv_check xpv_check_safekit_console;
extern const struct xpv_check xpv_check_startup_type_manual;
extern const struct xpv_check xpv_check_service_status_matches_cluster;
extern const struct xpv_check xpv_check_login_cluster_address;
extern const struct xpv_check xpv_check_certificate_san;
extern const struct xpv_check xpv_check_failover_takeover;
extern const struct xpv_check xpv_check_takeover_trend;

/* The shipped checks, in run order: what the guide's set-up sections ask
 * for (in the guide's order), then its verification section. A new check
 * is one file in checks/ and one line here. Disruptive checks come last;
 * checks marked rerun_after_disruptive run again after them. */
const struct xpv_check *const xpv_registry[] = {
	&xpv_check_identical_nodes,
	&xpv_check_quorum,
	&xpv_check_sql_server,
	&xpv_check_cluster_nodes,
	&xpv_check_role_configuration,
	&xpv_check_dcs_cluster_settings,
	&xpv_check_idp_data_protection,
	&xpv_check_registered_cluster_address,
	&xpv_check_safekit_states,	/* SafeKit only, as the set-up checks are WSFC's only */
	&xpv_check_safekit_data_sync,
	&xpv_check_safekit_console,
	&xpv_check_startup_type_manual,
	&xpv_check_service_status_matches_cluster,
	&xpv_check_login_cluster_address,
	&xpv_check_certificate_san,
	&xpv_check_failover_takeover,
	&xpv_check_takeover_trend, /* reads what the failover measured */
};

const size_t xpv_registry_count = sizeof(xpv_registry) / sizeof(xpv_registry[0]);
