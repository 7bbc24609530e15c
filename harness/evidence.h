/* Evidence gathered during a run: named text files (transcripts of every
 * WinRM and HTTPS exchange per node, the certificate chains served) that
 * the evidence archive holds. Everything is redacted on the way in. */
#ifndef XPV_EVIDENCE_H
#define XPV_EVIDENCE_H

#include <stddef.h>

struct xpv_evidence;

struct xpv_evidence *xpv_evidence_new(void);
void xpv_evidence_free(struct xpv_evidence *e);

/* Appends `text` (redacted) to file `name` (a relative path such as
 * "transcripts/XPNODE1.txt"). Thread-safe. */
void xpv_evidence_append(struct xpv_evidence *e, const char *name, const char *text);

/* Takes no more appends: what an abandoned check still sends is dropped,
 * so the files may be read without the lock from then on. Thread-safe. */
void xpv_evidence_close(struct xpv_evidence *e);

/* The files, in the order they were first written (after close). */
size_t xpv_evidence_count(const struct xpv_evidence *e);
const char *xpv_evidence_name(const struct xpv_evidence *e, size_t i);
const char *xpv_evidence_text(const struct xpv_evidence *e, size_t i, size_t *len);

#endif
