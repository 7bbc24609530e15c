/* The command line: `xpverify COMMAND ...`. */
#ifndef XPV_CLI_H
#define XPV_CLI_H

#include "check.h"

#include <stddef.h>

/* Runs the command line `argv` against the check table `checks` and returns
 * the process exit code (see xpverify --help). */
int xpv_cli_main(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks);

/* `xpverify probe wql|exec ...` (argv[0] is "probe"); scenarios are
 * validated against `checks`. Returns the exit code. */
int xpv_cli_probe(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks);

/* xpverify discover: writes a scenario for the cluster one node belongs to. */
int xpv_cli_discover(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks);

/* `xpverify history ...` (argv[0] is "history"). Returns the exit code. */
int xpv_cli_history(int argc, char **argv, const struct xpv_check *const *checks, size_t n_checks);

struct xpv_scenario;

/* Loads scenario `path`, printing every problem to stderr; NULL when it is
 * not valid. */
struct xpv_scenario *xpv_cli_load_scenario(const char *path, const struct xpv_check *const *checks,
					   size_t n_checks);

#endif
