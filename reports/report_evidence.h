/* The audit evidence: one directory and one .tar.gz of it, holding the
 * reports, every transcript, the certificates served, the failover
 * timeline, the environment, and MANIFEST.sha256 (coreutils format, so
 * `sha256sum -c MANIFEST.sha256` verifies it), signed when the scenario
 * names a key (MANIFEST.sha256.p7s, detached CMS). */
#ifndef XPV_REPORT_EVIDENCE_H
#define XPV_REPORT_EVIDENCE_H

#include "runner.h"

/* Writes ROOT/xpverify-evidence-RUNID/ and ROOT/xpverify-evidence-RUNID.tar.gz
 * for `run`. Paths go to `*dir` and `*archive` (free()). */
int xpv_evidence_write(char **dir, char **archive, const struct xpv_run *run, const char *root);

/* Verifies an evidence directory or archive: every hash of the manifest,
 * no file missing, none added, and with `ca_file` the manifest's signature
 * (MANIFEST.sha256.p7s) against that CA. Prints each discrepancy on `out`.
 * Returns 0 intact, 1 altered, or a negative xpv_err when the input is
 * unusable. */
int xpv_evidence_verify(const char *path, const char *ca_file, FILE *out);

#endif
