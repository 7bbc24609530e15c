/* `xpverify history`: the last runs from the history store, with their
 * verdicts and takeover times. */
#include "cli.h"

#include "error.h"
#include "history.h"
#include "log.h"
#include "results.h"
#include "scenario.h"
#include "secrets.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage_history(FILE *out)
{
	fprintf(out,
		"usage: xpverify history (--scenario FILE | --odbc CONNECTION) [--last N] [--json]\n"
		"\n"
		"Lists the last runs stored in the history store, newest first, with their\n"
		"verdicts and takeover times.\n"
		"\n"
		"  -s, --scenario FILE   the store the scenario names (history.odbc, its\n"
		"                        password_env) and only that scenario's runs\n"
		"      --odbc CONN       an ODBC connection string; every scenario's runs\n"
		"                        (a password comes from XPV_HISTORY_PASSWORD)\n"
		"  -n, --last N          how many runs (default 10)\n"
		"      --json            the runs as a JSON array\n"
		"  -h, --help            show this help\n"
		"\n"
		"Exit codes: 0 listed (an empty store too), 2 bad invocation or invalid\n"
		"scenario, 3 the store could not be read.\n");
}

static void print_table(const json_t *runs)
{
	size_t i;
	const json_t *r;

	if (json_array_size(runs) == 0) {
		printf("no runs on record\n");
		return;
	}
	printf("%-27s  %-24s  %-20s  %-7s  %4s %4s %4s %4s %4s  %s\n", "STARTED (UTC)", "RUN", "SCENARIO", "VERDICT",
	       "PASS", "FAIL", "ERR", "WAIV", "SKIP", "TAKEOVER");
	json_array_foreach(runs, i, r) {
		const json_t *t = json_object_get(r, "takeover_ms");
		char takeover[32] = "-";

		if (json_is_number(t))
			snprintf(takeover, sizeof(takeover), "%.0f ms", json_number_value(t));
		printf("%-27s  %-24s  %-20s  %-7s  %4lld %4lld %4lld %4lld %4lld  %s\n",
		       json_string_value(json_object_get(r, "started")), json_string_value(json_object_get(r, "run_id")),
		       json_string_value(json_object_get(r, "scenario")), json_string_value(json_object_get(r, "verdict")),
		       (long long)json_integer_value(json_object_get(r, "pass")),
		       (long long)json_integer_value(json_object_get(r, "fail")),
		       (long long)json_integer_value(json_object_get(r, "error")),
		       (long long)json_integer_value(json_object_get(r, "waived")),
		       (long long)json_integer_value(json_object_get(r, "skip")), takeover);
	}
}

int xpv_cli_history(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	enum { OPT_ODBC = 256, OPT_JSON };
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "odbc", required_argument, NULL, OPT_ODBC },
		{ "last", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *scenario = NULL, *odbc = NULL, *password = NULL;
	struct xpv_scenario *sc = NULL;
	struct xpv_history *h = NULL;
	json_t *runs = NULL;
	bool as_json = false;
	long last = 10;
	double timeout_s = 30;
	int c, code = XPV_EXIT_USAGE;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:n:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's': scenario = optarg; break;
		case OPT_ODBC: odbc = optarg; break;
		case 'n':
			last = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || last < 1 || last > 100000) {
				xpv_log_error("history: --last takes a number from 1 to 100000, got '%s'", optarg);
				return XPV_EXIT_USAGE;
			}
			break;
		case OPT_JSON: as_json = true; break;
		case 'h': usage_history(stdout); return 0;
		default:
			xpv_log_error("history: unknown or incomplete option '%s'", argv[optind - 1]);
			return XPV_EXIT_USAGE;
		}
	}
	if (optind != argc || (scenario == NULL) == (odbc == NULL)) {
		if (optind != argc)
			xpv_log_error("history: unexpected argument '%s'", argv[optind]);
		else
			xpv_log_error("history: give either --scenario or --odbc");
		usage_history(stderr);
		return XPV_EXIT_USAGE;
	}
	if (scenario != NULL) {
		sc = xpv_cli_load_scenario(scenario, checks, n_checks);
		if (sc == NULL)
			return XPV_EXIT_USAGE;
		if (!sc->history.present) {
			xpv_log_error("history: %s has no 'history' section: it keeps no history", scenario);
			goto out;
		}
		odbc = sc->history.odbc;
		password = sc->history.password.value;
		timeout_s = sc->history.timeout_s;
	} else {
		password = getenv("XPV_HISTORY_PASSWORD");
		if (password != NULL)
			xpv_secret_register(password);
	}
	if (xpv_history_open(&h, odbc, password, timeout_s) < 0 ||
	    xpv_history_runs(&runs, h, sc != NULL ? sc->name : NULL, false, last) < 0) {
		xpv_log_error("history: %s: %s", odbc, xpv_error_last());
		code = XPV_EXIT_ERROR;
		goto out;
	}
	if (as_json) {
		json_dumpf(runs, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_table(runs);
	}
	code = 0;
out:
	json_decref(runs);
	xpv_history_close(h);
	xpv_scenario_free(sc);
	return code;
}
