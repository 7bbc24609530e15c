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

#endif
