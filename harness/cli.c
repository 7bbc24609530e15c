#include "cli.h"
#include "topology.h"

#include "auth.h"

#include "error.h"
#include "labrun.h"
#include "log.h"
#include "report.h"
#include "history.h"
#include "report_evidence.h"
#include "runner.h"
#include "scenario.h"
#include "secrets.h"
#include "util.h"
#include "winrm.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* How long `run` waits for the built-in lab's ready file. A lab that cannot
 * start exits, and that is seen at once; the wait is for a slow start (under
 * ASan on a loaded CI machine one took over 20 s). */
#define LAB_READY_MS 60000

static const char exit_codes_help[] =
	"Exit codes:\n"
	"  0  every result is pass, waived or skip\n"
	"  1  at least one check failed: the cluster does not conform\n"
	"  2  bad invocation or invalid scenario: nothing was run\n"
	"  3  errors (could not evaluate) but no failure\n"
	"  4  aborted (signal or safety interlock); partial reports are written\n";

static void usage_main(FILE *out)
{
	fprintf(out,
		"usage: xpverify [--version] [--help] COMMAND [ARGS]\n"
		"\n"
		"Verifies a Milestone XProtect management-server failover cluster (WSFC)\n"
		"against the failover clustering guide: its set-up and its verification.\n"
		"\n"
		"Commands:\n"
		"  run SCENARIO        run the checks and write JUnit, HTML and JSON reports\n"
		"  validate SCENARIO   load and validate a scenario; print what would run\n"
		"  list-checks         list the checks this xpverify knows\n"
		"  probe wql|exec      query or run a command on one node over WinRM\n"
		"  discover            ask one node of a live cluster and write a scenario for it\n"
		"  evidence verify     check an evidence archive has not been altered\n"
		"  history             list the last runs from the history store\n"
		"  help [COMMAND]      show help for a command\n"
		"\n"
		"%s",
		exit_codes_help);
}

static void usage_run(FILE *out)
{
	fprintf(out,
		"usage: xpverify run SCENARIO [--out DIR] [--evidence DIR] [--only ID,...] [--skip ID,...]\n"
		"                    [--allow-disruptive] [-j N] [-q|-v] [--no-color]\n"
		"\n"
		"  -o, --out DIR          write reports into DIR (default: the scenario's reports.dir)\n"
		"      --evidence DIR     also write the audit evidence archive into DIR\n"
		"                         (default: the scenario's reports.evidence, if set)\n"
		"      --only ID,...      run only these checks\n"
		"      --skip ID,...      do not run these checks (reported as skip)\n"
		"      --allow-disruptive allow checks that disrupt the cluster (failover); the\n"
		"                         scenario must also set failover.allow_disruptive\n"
		"  -j, --jobs N           run up to N checks side by side, with up to N WinRM\n"
		"                         connections to a node (1 to 16, default 4; 1: one\n"
		"                         check after another over one connection a node)\n"
		"  -q, --quiet            print only errors and the final summary line\n"
		"  -v, --verbose          print more detail\n"
		"      --no-color         no colour (NO_COLOR in the environment does the same)\n"
		"  -h, --help             show this help\n"
		"\n"
		"Reports are written in every case where the run started, aborted runs included.\n"
		"\n"
		"%s",
		exit_codes_help);
}

static void usage_validate(FILE *out)
{
	fprintf(out,
		"usage: xpverify validate SCENARIO [--only ID,...] [--skip ID,...] [--allow-disruptive]\n"
		"\n"
		"Loads SCENARIO, reports every problem as FILE:LINE:COL: key.path: what is wrong,\n"
		"and prints the checks that would run. Nothing is contacted.\n"
		"\n"
		"Exit codes: 0 valid, 2 invalid or bad invocation.\n");
}

static void usage_list(FILE *out)
{
	fprintf(out,
		"usage: xpverify list-checks [--json]\n"
		"\n"
		"Lists every check: id, disruptive or not, guide section, title.\n"
		"      --json   print a JSON array with parameters and remediation text\n");
}

/* Splits a comma-separated id list and validates every id. */
static int parse_ids(char ***out, size_t *n, const char *arg, const char *opt,
		     const struct xpv_check *const *checks, size_t n_checks)
{
	char *copy = xpv_strdup(arg), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		bool known = false;

		for (size_t i = 0; i < n_checks && !known; i++)
			known = strcmp(checks[i]->id, tok) == 0;
		if (!known) {
			xpv_log_error("%s: unknown check '%s' (xpverify list-checks shows the known ones)", opt, tok);
			free(copy);
			return XPV_EUSAGE;
		}
		*out = xpv_realloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xpv_strdup(tok);
	}
	free(copy);
	return 0;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Loads a scenario, printing every diagnostic. */
struct xpv_scenario *xpv_cli_load_scenario(const char *path, const struct xpv_check *const *checks, size_t n_checks)
{
	struct xpv_scenario *sc = NULL;
	struct xpv_diags diags = { 0 };

	if (xpv_scenario_load(&sc, &diags, path, checks, n_checks) < 0) {
		for (size_t i = 0; i < diags.n; i++) {
			char *line = xpv_diag_format(path, &diags.items[i]);

			fprintf(stderr, "%s\n", line);
			free(line);
		}
		fprintf(stderr, "xpverify: %s is not a valid scenario (%zu problem%s); nothing was run\n", path,
			diags.n, diags.n == 1 ? "" : "s");
	}
	xpv_diags_clear(&diags);
	return sc;
}

struct common_opts {
	char **only, **skip;
	size_t n_only, n_skip;
	bool allow_disruptive;
	const char *out;
	const char *evidence;
	enum xpv_log_level level;
	bool color;
	const char *scenario;
	size_t jobs;
};

enum { OPT_ONLY = 256, OPT_SKIP, OPT_ALLOW, OPT_NO_COLOR, OPT_JSON, OPT_EVIDENCE };

/* Parses the options shared by run and validate. Returns 0, 1 for --help
 * (printed), or XPV_EUSAGE (message printed). */
static int parse_common(struct common_opts *o, int argc, char **argv, bool is_run,
			const struct xpv_check *const *checks, size_t n_checks)
{
	static const struct option run_opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "evidence", required_argument, NULL, OPT_EVIDENCE },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "skip", required_argument, NULL, OPT_SKIP },
		{ "allow-disruptive", no_argument, NULL, OPT_ALLOW },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option validate_opts[] = {
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "skip", required_argument, NULL, OPT_SKIP },
		{ "allow-disruptive", no_argument, NULL, OPT_ALLOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = is_run ? "run" : "validate";
	int c;

	o->level = XPV_LOG_NORMAL;
	o->color = true;
	optind = 0; /* 0 makes glibc start afresh, permuting options after operands */
	opterr = 0;
	while ((c = getopt_long(argc, argv, is_run ? "o:j:qvh" : "h", is_run ? run_opts : validate_opts,
				NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case OPT_EVIDENCE: o->evidence = optarg; break;
		case OPT_ONLY:
			if (parse_ids(&o->only, &o->n_only, optarg, "--only", checks, n_checks) < 0)
				return XPV_EUSAGE;
			break;
		case OPT_SKIP:
			if (parse_ids(&o->skip, &o->n_skip, optarg, "--skip", checks, n_checks) < 0)
				return XPV_EUSAGE;
			break;
		case OPT_ALLOW: o->allow_disruptive = true; break;
		case 'j': {
			char *end;
			long j = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || j < 1 || j > 16) {
				xpv_log_error("%s: --jobs takes a number from 1 to 16, got '%s'", cmd, optarg);
				return XPV_EUSAGE;
			}
			o->jobs = (size_t)j;
			break;
		}
		case 'q': o->level = XPV_LOG_QUIET; break;
		case 'v': o->level = XPV_LOG_VERBOSE; break;
		case OPT_NO_COLOR: o->color = false; break;
		case 'h':
			(is_run ? usage_run : usage_validate)(stdout);
			return 1;
		default:
			if (optopt != 0 && optopt < 256)
				xpv_log_error("%s: unknown or incomplete option '-%c'", cmd, optopt);
			else
				xpv_log_error("%s: unknown or incomplete option '%s'", cmd, argv[optind - 1]);
			fprintf(stderr, "see 'xpverify %s --help'\n", cmd);
			return XPV_EUSAGE;
		}
	}
	if (argc - optind != 1) {
		xpv_log_error("%s: %s", cmd, argc - optind == 0 ? "missing SCENARIO" : "more than one SCENARIO");
		fprintf(stderr, "see 'xpverify %s --help'\n", cmd);
		return XPV_EUSAGE;
	}
	o->scenario = argv[optind];
	return 0;
}

static void run_opts_from(struct xpv_run_opts *ro, const struct common_opts *o)
{
	memset(ro, 0, sizeof(*ro));
	ro->only = (const char *const *)o->only;
	ro->n_only = o->n_only;
	ro->skip = (const char *const *)o->skip;
	ro->n_skip = o->n_skip;
	ro->allow_disruptive = o->allow_disruptive;
	ro->jobs = o->jobs;
	ro->handle_signals = true;
	ro->caught_before = true;
	{
		/* for tests of the abort path: how long a check may ignore an abort */
		const char *g = getenv("XPV_ABORT_GRACE_MS");

		ro->grace_ms = g != NULL ? strtol(g, NULL, 10) : 0;
	}
}

static int cmd_validate(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	struct common_opts o = { 0 };
	struct xpv_run_opts ro;
	struct xpv_scenario *sc = NULL;
	struct xpv_plan_item *plan = NULL;
	int rc = parse_common(&o, argc, argv, false, checks, n_checks), code = XPV_EXIT_USAGE;

	if (rc != 0) {
		code = rc == 1 ? 0 : XPV_EXIT_USAGE;
		goto out;
	}
	sc = xpv_cli_load_scenario(o.scenario, checks, n_checks);
	if (sc == NULL)
		goto out;
	if (sc->lab != NULL) {
		struct xpv_labrun *lr;

		if (xpv_labrun_prepare(&lr, sc) < 0) {
			fprintf(stderr, "%s\n", xpv_error_last());
			goto out;
		}
		xpv_labrun_stop(lr, NULL);
	}
	run_opts_from(&ro, &o);
	if (sc->lab != NULL)
		ro.allow_disruptive = true;
	xpv_plan(&plan, sc, checks, n_checks, &ro);
	printf("%s: valid scenario '%s'\n", o.scenario, sc->name);
	if (sc->lab != NULL)
		printf("built-in lab %s (started by run)\n", sc->lab);
	if (sc->topology == XPV_TOPOLOGY_SAFEKIT)
		printf("SafeKit pair %s, module %s, address %s\n", sc->cluster.name,
		       sc->safekit.module ? sc->safekit.module : "(from safekit module list)", sc->cluster.address);
	else
		printf("cluster %s, role %s, address %s\n", sc->cluster.name, sc->cluster.role, sc->cluster.address);
	for (size_t i = 0; i < sc->n_nodes; i++)
		printf("node %s (%s)\n", sc->nodes[i].name, sc->nodes[i].host);
	for (size_t i = 0; i < sc->n_warnings; i++)
		printf("warning: %s\n", sc->warnings[i]);
	for (size_t i = 0; i < sc->n_waivers; i++)
		if (xpv_waiver_expired(&sc->waivers[i], xpv_now_us()))
			printf("warning: waiver for %s on '%s' expired on %s and no longer applies\n",
			       sc->waivers[i].check, sc->waivers[i].target, sc->waivers[i].expires);
	if (n_checks == 0)
		printf("no checks are registered in this build\n");
	for (size_t i = 0; i < n_checks; i++) {
		if (plan[i].run)
			printf("would run  %-32s %s\n", plan[i].check->id, plan[i].check->title);
		else
			printf("would skip %-32s %s\n", plan[i].check->id, plan[i].why_not);
	}
	printf("reports: %s/ (%s, %s, %s)\n", sc->reports.dir, sc->reports.junit, sc->reports.html,
	       sc->reports.json);
	if (sc->history.present)
		printf("history: %s%s\n", sc->history.odbc, sc->history.password.value ? " (password from the environment)" : "");
	code = 0;
out:
	xpv_plan_free(plan, n_checks);
	xpv_scenario_free(sc);
	free_ids(o.only, o.n_only);
	free_ids(o.skip, o.n_skip);
	return code;
}

static int cmd_run(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	struct common_opts o = { 0 };
	struct xpv_run_opts ro;
	struct xpv_scenario *sc = NULL;
	struct xpv_run *run = NULL;
	struct xpv_report_paths paths = { 0 };
	struct xpv_labrun *lab = NULL;
	int rc = parse_common(&o, argc, argv, true, checks, n_checks), code = XPV_EXIT_USAGE;
	size_t counts[XPV_VERDICT_COUNT] = { 0 };
	bool abandoned = false;
	char *lab_error = NULL;

	if (rc != 0) {
		code = rc == 1 ? 0 : XPV_EXIT_USAGE;
		goto out;
	}
	xpv_log_setup(o.level, o.color);
	/* from here on a signal stops the run cleanly, whatever it is doing:
	 * starting the lab, running checks, writing reports */
	xpv_signals_catch();
	sc = xpv_cli_load_scenario(o.scenario, checks, n_checks);
	if (sc == NULL)
		goto out;
	if (sc->lab != NULL && xpv_labrun_prepare(&lab, sc) < 0) {
		fprintf(stderr, "%s\n", xpv_error_last());
		goto out;
	}
	/* one run per report directory: two would mix their files */
	if (xpv_reports_lock(o.out ? o.out : sc->reports.dir) == 1) {
		fprintf(stderr, "xpverify: %s; nothing was run\n", xpv_error_last());
		goto out;
	}
	for (size_t i = 0; i < sc->n_warnings; i++)
		xpv_log_warning("%s", sc->warnings[i]);
	for (size_t i = 0; i < sc->n_waivers; i++)
		if (xpv_waiver_expired(&sc->waivers[i], xpv_now_us()))
			xpv_log_warning("waiver for %s on '%s' expired on %s and no longer applies",
					sc->waivers[i].check, sc->waivers[i].target, sc->waivers[i].expires);
	run_opts_from(&ro, &o);
	ro.no_evidence = o.evidence == NULL && sc->reports.evidence == NULL;
	if (lab != NULL) {
		/* the built-in lab is there to be disrupted */
		ro.allow_disruptive = true;
		xpv_log(XPV_LOG_NORMAL, "starting the built-in lab %s", sc->lab);
		if (xpv_labrun_start(lab, sc, LAB_READY_MS) < 0) {
			/* reported like an unreachable cluster: every check `error`, reports written */
			lab_error = xpv_strdup(xpv_error_last());
			xpv_log_error("%s", lab_error);
			ro.unavailable = lab_error;
		}
	}
	/* Kerberos set up once the KDC's address is known (the lab's ports) */
	if (sc->winrm.auth != XPV_AUTH_BASIC && xpv_gss_configure(sc->winrm.realm, sc->winrm.kdc) < 0) {
		fprintf(stderr, "%s\n", xpv_error_last());
		goto out;
	}
	xpv_log(XPV_LOG_NORMAL, "xpverify %s: scenario '%s', cluster %s (%zu nodes)", XPV_VERSION, sc->name,
		sc->cluster.name, sc->n_nodes);
	xpv_run_execute(&run, sc, checks, n_checks, &ro);
	abandoned = run->abandoned;
	if (sc->history.present)
		xpv_history_step(run);
	code = run->exit_code;
	if (xpv_reports_write(&paths, run, o.out) < 0) {
		xpv_log_error("%s", xpv_error_last());
		if (code == XPV_EXIT_OK)
			code = XPV_EXIT_ERROR;
	}
	if (o.evidence != NULL || sc->reports.evidence != NULL) {
		char *dir = NULL, *archive = NULL;

		if (xpv_evidence_write(&dir, &archive, run, o.evidence ? o.evidence : sc->reports.evidence) < 0) {
			xpv_log_error("evidence: %s", xpv_error_last());
			if (code == XPV_EXIT_OK)
				code = XPV_EXIT_ERROR;
		} else if (o.level != XPV_LOG_QUIET) {
			fprintf(stderr, "Evidence:     %s (and %s)\n", archive, dir);
		}
		free(dir);
		free(archive);
	}
	if (xpv_signal_caught() != 0 && !run->aborted) {
		/* after the checks: what was written is whole, but the run did not end as asked */
		xpv_log_error("interrupted by %s after the checks: the reports are complete",
			      xpv_signal_caught() == SIGTERM ? "SIGTERM" : "SIGINT");
		code = XPV_EXIT_ABORTED;
	}
	for (size_t i = 0; i < run->n_results; i++)
		counts[run->results[i].verdict]++;
	fprintf(stderr, "%s: %zu pass, %zu fail, %zu error, %zu waived, %zu skip (exit %d)\n",
		run->aborted ? "aborted" : "done", counts[XPV_PASS], counts[XPV_FAIL], counts[XPV_ERROR],
		counts[XPV_WAIVED], counts[XPV_SKIP], code);
	if (run->aborted)
		fprintf(stderr, "the run was aborted (%s): reports hold the partial results\n", run->abort_reason);
	if (o.level != XPV_LOG_QUIET) {
		if (paths.junit != NULL)
			fprintf(stderr, "JUnit report: %s\n", paths.junit);
		if (paths.html != NULL)
			fprintf(stderr, "HTML report:  %s\n", paths.html);
		if (paths.json != NULL)
			fprintf(stderr, "JSON results: %s\n", paths.json);
	}
out:
	/* the lab's ground truth goes with the reports; not written, it says so */
	if (xpv_labrun_stop(lab, paths.json != NULL ? (o.out ? o.out : sc->reports.dir) : NULL) < 0) {
		xpv_log_error("%s", xpv_error_last());
		if (code == XPV_EXIT_OK)
			code = XPV_EXIT_ERROR;
	}
	if (abandoned) {
		/* a check thread still runs and may touch the run: leave at once */
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}
	{
		/* what the run cost this process (the lab is another): for
		 * ci/bench and for sizing the machine that runs xpverify */
		struct rusage ru;

		if (getrusage(RUSAGE_SELF, &ru) == 0)
			xpv_log(XPV_LOG_VERBOSE, "resources: CPU %.3f s (user %.3f s, system %.3f s), peak memory %.1f MB",
				(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
					(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
				(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
				(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
				(double)ru.ru_maxrss / 1024.0);
	}
	xpv_report_paths_clear(&paths);
	free(lab_error);
	xpv_run_free(run);
	xpv_scenario_free(sc);
	free_ids(o.only, o.n_only);
	free_ids(o.skip, o.n_skip);
	return code;
}

static void usage_evidence(FILE *out)
{
	fprintf(out,
		"usage: xpverify evidence verify ARCHIVE|DIR [--ca FILE]\n"
		"\n"
		"Checks an evidence archive (.tar.gz) or directory: every file against\n"
		"MANIFEST.sha256, none missing, none added; with --ca, the signature\n"
		"MANIFEST.sha256.p7s against that CA (a missing signature is then an\n"
		"alteration). Names each discrepancy.\n"
		"\n"
		"Exit codes: 0 intact, 1 altered, 2 unusable input.\n");
}

static int cmd_evidence(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ca = NULL;
	int c, rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage_evidence(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		usage_evidence(stderr);
		return XPV_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ca = optarg; break;
		case 'h': usage_evidence(stdout); return 0;
		default:
			xpv_log_error("evidence verify: unknown or incomplete option '%s'", argv[optind - 1]);
			return XPV_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage_evidence(stderr);
		return XPV_EXIT_USAGE;
	}
	rc = xpv_evidence_verify(argv[optind], ca, stdout);
	if (rc < 0) {
		xpv_log_error("%s", xpv_error_last());
		return XPV_EXIT_USAGE;
	}
	printf("%s: %s\n", argv[optind], rc == 0 ? "intact" : "ALTERED");
	return rc;
}

/* Prints `text` after `lead`, wrapped at word boundaries within `width`
 * columns, the next lines indented as far as the lead. */
static void print_wrapped(const char *lead, const char *text, size_t width)
{
	size_t indent = strlen(lead), col = indent;
	const char *p = text;

	fputs(lead, stdout);
	while (*p != '\0') {
		size_t word = strcspn(p, " ");

		if (col > indent && col + 1 + word > width) {
			printf("\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, word, stdout);
		col += word;
		p += word;
		p += strspn(p, " ");
	}
	putchar('\n');
}

static int cmd_list(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false;
	int c;

	optind = 0; /* 0 makes glibc start afresh, permuting options after operands */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: as_json = true; break;
		case 'h': usage_list(stdout); return 0;
		default:
			xpv_log_error("list-checks: unknown option '%s'", argv[optind - 1]);
			return XPV_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		xpv_log_error("list-checks: unexpected argument '%s'", argv[optind]);
		return XPV_EXIT_USAGE;
	}
	if (as_json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n_checks; i++) {
			const struct xpv_check *k = checks[i];
			json_t *params = json_array();
			static const char *const types[] = { "string", "integer", "number", "boolean" };

			for (const struct xpv_param_def *d = k->params; d != NULL && d->name != NULL; d++)
				json_array_append_new(params, json_pack("{s:s,s:s,s:s?,s:s}", "name", d->name, "type",
									types[d->type], "default", d->default_value,
									"doc", d->doc ? d->doc : ""));
			json_t *topos = json_array();

			for (int t = XPV_TOPOLOGY_WSFC; t <= XPV_TOPOLOGY_SAFEKIT; t++)
				if (k->topologies == 0 || (k->topologies & (1u << t)) != 0)
					json_array_append_new(topos, json_string(xpv_topology_name((enum xpv_topology_kind)t)));
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:b,s:o,s:s,s:o}", "id", k->id, "title",
							     k->title, "guide_section", k->guide_section,
							     "disruptive", k->disruptive, "topologies", topos,
							     "remediation", k->remediation, "params", params));
		}
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(arr);
		return 0;
	}
	if (n_checks == 0) {
		printf("no checks are registered in this build\n");
		return 0;
	}
	/* titles and guide sections run to 90 characters: each gets lines of
	 * its own under the check, wrapped for an 80-column terminal */
	printf("%-32s %s\n", "ID", "DISRUPTIVE");
	for (size_t i = 0; i < n_checks; i++) {
		printf("%-32s %s\n", checks[i]->id, checks[i]->disruptive ? "yes" : "no");
		print_wrapped("    ", checks[i]->title, 79);
		print_wrapped("    guide: ", checks[i]->guide_section, 79);
		if (checks[i]->topologies == XPV_TOPO_WSFC)
			printf("    topology: wsfc only\n");
		else if (checks[i]->topologies == XPV_TOPO_SAFEKIT)
			printf("    topology: safekit only\n");
	}
	return 0;
}

int xpv_cli_main(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks)
{
	const char *cmd;
	int code;

	xpv_log_setup(XPV_LOG_NORMAL, true);
	xpv_winrm_global_init();
	if (argc < 2) {
		usage_main(stderr);
		return XPV_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("xpverify %s\n", XPV_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage_main(stdout);
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		const char *what = argc > 2 ? argv[2] : "";

		if (strcmp(what, "run") == 0)
			usage_run(stdout);
		else if (strcmp(what, "validate") == 0)
			usage_validate(stdout);
		else if (strcmp(what, "list-checks") == 0)
			usage_list(stdout);
		else if (strcmp(what, "evidence") == 0)
			usage_evidence(stdout);
		else if (strcmp(what, "history") == 0)
			return xpv_cli_history(2, (char *[]){ "history", "--help", NULL }, checks, n_checks);
		else if (strcmp(what, "probe") == 0)
			return xpv_cli_probe(2, (char *[]){ "probe", "--help", NULL }, checks, n_checks);
		else if (strcmp(what, "discover") == 0)
			return xpv_cli_discover(2, (char *[]){ "discover", "--help", NULL }, checks, n_checks);
		else
			usage_main(stdout);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		code = cmd_run(argc - 1, argv + 1, checks, n_checks);
	else if (strcmp(cmd, "validate") == 0)
		code = cmd_validate(argc - 1, argv + 1, checks, n_checks);
	else if (strcmp(cmd, "list-checks") == 0)
		code = cmd_list(argc - 1, argv + 1, checks, n_checks);
	else if (strcmp(cmd, "probe") == 0)
		code = xpv_cli_probe(argc - 1, argv + 1, checks, n_checks);
	else if (strcmp(cmd, "discover") == 0)
		code = xpv_cli_discover(argc - 1, argv + 1, checks, n_checks);
	else if (strcmp(cmd, "evidence") == 0)
		code = cmd_evidence(argc - 1, argv + 1);
	else if (strcmp(cmd, "history") == 0)
		code = xpv_cli_history(argc - 1, argv + 1, checks, n_checks);
	else {
		xpv_log_error("unknown command '%s'", cmd);
		fprintf(stderr, "see 'xpverify --help'\n");
		return XPV_EXIT_USAGE;
	}
	xpv_secrets_clear();
	return code;
}
