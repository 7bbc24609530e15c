/* The history store over ODBC with SQLite (the default driver): runs stored
 * and read back newest first, one transaction per run, stores that cannot
 * be reached or written, and the median the trend check uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "history.h"
#include "runner.h"
#include "scenario.h"
#include "secrets.h"
#include "test_checks.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static struct xpv_scenario *load(const char *name, const char *odbc)
{
	struct xpv_scenario *sc = NULL;
	struct xpv_diags d = { 0 };
	char *yaml = xpv_asprintf("name: %s\n"
				  "cluster: {name: xpcluster, role: ms-role, address: 'https://ms-role.lab.local'}\n"
				  "nodes:\n  - {name: node1, host: 127.0.10.1}\n  - {name: node2, host: 127.0.10.2}\n"
				  "checks: {params: {t-nodes: {verdict: fail}}}\n"
				  "history: {odbc: '%s'}\n",
				  name, odbc);
	char *path = th_write("history.yaml", yaml);

	if (xpv_scenario_load(&sc, &d, path, xpv_test_checks, xpv_test_checks_count) < 0)
		fail_msg("scenario did not load: %s", d.n ? d.items[0].what : "?");
	free(yaml);
	free(path);
	return sc;
}

static struct xpv_run *run_once(const struct xpv_scenario *sc)
{
	struct xpv_run *run = NULL;
	struct xpv_run_opts opts = { 0 };
	const struct xpv_check *const table[] = { &xpv_test_check_cluster, &xpv_test_check_nodes };

	xpv_run_execute(&run, sc, table, 2, &opts);
	return run;
}

static const struct xpv_result *step_result(const struct xpv_run *run)
{
	const struct xpv_result *r = &run->results[run->n_results - 1];

	assert_string_equal(r->check_id, "history");
	assert_string_equal(run->records[run->n_records - 1].check->id, "history");
	return r;
}

static void test_runs_stored_and_read_newest_first(void **state)
{
	char *odbc = xpv_asprintf("Driver=SQLite3;Database=%s/unit-history.db", th_tmpdir());
	struct xpv_scenario *sc = load("unit", odbc), *other = load("other", odbc);
	struct xpv_run *a = run_once(sc), *b, *c;
	struct xpv_history *h;
	json_t *runs;

	(void)state;
	assert_int_equal(a->exit_code, XPV_EXIT_FAIL);
	xpv_history_step(a);
	assert_int_equal(step_result(a)->verdict, XPV_PASS);
	assert_int_equal(a->exit_code, XPV_EXIT_FAIL);
	assert_int_equal(json_array_size(json_object_get(a->history, "runs")), 1);
	b = run_once(sc);
	xpv_history_step(b);
	c = run_once(other);
	xpv_history_step(c);
	/* the trend is per scenario */
	runs = json_object_get(b->history, "runs");
	assert_int_equal(json_array_size(runs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(runs, 0), "run_id")), b->run_id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(runs, 1), "run_id")), a->run_id);
	assert_int_equal(json_array_size(json_object_get(c->history, "runs")), 1);

	assert_int_equal(xpv_history_open(&h, odbc, NULL, 5), 0);
	assert_int_equal(xpv_history_runs(&runs, h, NULL, false, 100), 0);
	assert_int_equal(json_array_size(runs), 3);
	{
		json_t *r = json_array_get(runs, 1);

		assert_string_equal(json_string_value(json_object_get(r, "scenario")), "unit");
		assert_string_equal(json_string_value(json_object_get(r, "verdict")), "fail");
		assert_int_equal(json_integer_value(json_object_get(r, "exit_code")), XPV_EXIT_FAIL);
		assert_int_equal(json_integer_value(json_object_get(r, "fail")), 2);
		assert_int_equal(json_integer_value(json_object_get(r, "pass")), 1);
		assert_true(json_is_false(json_object_get(r, "aborted")));
		assert_true(json_is_null(json_object_get(r, "takeover_ms")));
	}
	json_decref(runs);
	assert_int_equal(xpv_history_runs(&runs, h, "unit", false, 1), 0);
	assert_int_equal(json_array_size(runs), 1);
	json_decref(runs);
	/* no test check measures a takeover */
	assert_int_equal(xpv_history_runs(&runs, h, "unit", true, 100), 0);
	assert_int_equal(json_array_size(runs), 0);
	json_decref(runs);

	/* a run stored twice is refused whole: its transaction rolls back */
	assert_int_equal(xpv_history_store(h, a), XPV_EDB);
	assert_non_null(strstr(xpv_error_last(), "UNIQUE constraint failed"));
	assert_int_equal(xpv_history_runs(&runs, h, NULL, false, 100), 0);
	assert_int_equal(json_array_size(runs), 3);
	json_decref(runs);
	xpv_history_close(h);

	xpv_run_free(a);
	xpv_run_free(b);
	xpv_run_free(c);
	xpv_scenario_free(sc);
	xpv_scenario_free(other);
	free(odbc);
}

static void test_store_not_a_database(void **state)
{
	char *path = th_write("not-a.db", "this is not an SQLite database, just text long enough to be read\n");
	char *odbc = xpv_asprintf("Driver=SQLite3;Database=%s", path);
	struct xpv_scenario *sc = load("unit", odbc);
	struct xpv_run *run = run_once(sc);
	const struct xpv_result *r;

	(void)state;
	xpv_history_step(run);
	r = step_result(run);
	assert_int_equal(r->verdict, XPV_ERROR);
	assert_non_null(strstr(r->message, "the history store could not be"));
	assert_non_null(strstr(r->message, "not a database"));
	/* the run failed already; an error of the history does not hide that */
	assert_int_equal(run->exit_code, XPV_EXIT_FAIL);
	assert_int_equal(json_array_size(json_object_get(run->history, "runs")), 0);
	xpv_run_free(run);
	xpv_scenario_free(sc);
	free(odbc);
	free(path);
}

static void test_unreachable_store_turns_a_passing_run_into_error(void **state)
{
	char *odbc = xpv_asprintf("Driver=SQLite3;Database=%s/no/such/dir/h.db", th_tmpdir());
	struct xpv_scenario *sc = load("unit", odbc);
	const struct xpv_check *const table[] = { &xpv_test_check_cluster };
	struct xpv_run_opts opts = { 0 };
	struct xpv_run *run = NULL;

	(void)state;
	xpv_run_execute(&run, sc, table, 1, &opts);
	assert_int_equal(run->exit_code, XPV_EXIT_OK);
	xpv_history_step(run);
	assert_int_equal(step_result(run)->verdict, XPV_ERROR);
	assert_string_equal(step_result(run)->message,
			    "the history store could not be reached: connecting: [HY000] [SQLite]connect failed");
	assert_int_equal(run->exit_code, XPV_EXIT_ERROR);
	xpv_run_free(run);
	xpv_scenario_free(sc);
	free(odbc);
}

static void test_median(void **state)
{
	double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 }, one[] = { 7 };

	(void)state;
	assert_true(xpv_median(odd, 3) == 2);
	assert_true(xpv_median(even, 4) == 2.5);
	assert_true(xpv_median(one, 1) == 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_stored_and_read_newest_first),
		cmocka_unit_test(test_store_not_a_database),
		cmocka_unit_test(test_unreachable_store_turns_a_passing_run_into_error),
		cmocka_unit_test(test_median),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xpv_secrets_clear();
	return rc;
}
