/* Running a scenario against the built-in lab: the scenario names a lab
 * file; xpverify starts xplab itself, points the scenario at it, and stops
 * it afterwards. */
#ifndef XPV_LABRUN_H
#define XPV_LABRUN_H

#include "scenario.h"

#include <stdbool.h>
#include <sys/types.h>

struct xpv_labrun;

/* Loads the lab file of `sc` and fills the scenario from it: cluster and
 * its address, nodes, host pins, the WinRM and login accounts (registered
 * as secrets), the lab's CA, disruptive checks allowed. Nothing starts.
 * On error returns XPV_ESCENARIO with the last-error message naming the
 * lab file, line and key. */
int xpv_labrun_prepare(struct xpv_labrun **out, struct xpv_scenario *sc);

/* Starts xplab (XPV_XPLAB, or next to this program, or on PATH) on free
 * ports (--port-offset auto: other labs may run on this machine), waits at
 * most `timeout_ms` for its ready file, and points the ports of `sc` (the
 * cluster address, WinRM, the KDC) at the ones the lab took. */
int xpv_labrun_start(struct xpv_labrun *lr, struct xpv_scenario *sc, long timeout_ms);

/* Stops the lab (SIGTERM, then SIGKILL after a bound) and frees it. When
 * `keep_events_dir` is set, the lab's ground-truth events are copied there
 * as lab-events.jsonl first; a copy that fails is XPV_EIO naming the file
 * and the reason (the lab is stopped all the same). */
int xpv_labrun_stop(struct xpv_labrun *lr, const char *keep_events_dir);

#endif
