/* Threads kept for the work a check does on every node at once.
 *
 * A check asks each node on a thread of its own (xpv_ctx_each_node). A new
 * thread for every node of every check cost more than the work at 64
 * nodes: a stack mapped, faulted in and unmapped, and OpenSSL's per-thread
 * state (error queue, random generators) made and freed each time. The
 * pool keeps the threads for the next check: one of them waits at most
 * XPV_POOL_IDLE_MS for work, then ends. It grows to as many threads as
 * tasks run at once (nodes x checks side by side) and never refuses work:
 * a task no thread could be made for runs on the caller's thread. */
#ifndef XPV_POOL_H
#define XPV_POOL_H

#include <stddef.h>

/* How long an idle pooled thread waits for work before it ends. */
#define XPV_POOL_IDLE_MS 2000

/* Runs fn(items + i * size) for every i < n, each on a thread of its own
 * (pooled, or the caller's when no thread could be had), and returns when
 * all have returned. A pooled thread's last error (xpv_error_last) and
 * OpenSSL error queue are cleared before each task. Safe to call from
 * several threads at once. */
void xpv_pool_each(void *items, size_t n, size_t size, void (*fn)(void *item));

/* Ends the idle threads now, and returns when they have ended and been
 * joined: their stacks and thread-local state (OpenSSL's error queue) are
 * freed (a thread still working ends when idle too long, and is joined by
 * the next call). For the end of a run: what their stacks hold would
 * otherwise count in the reports' peak memory. */
void xpv_pool_release(void);

/* Threads the pool holds now (idle or working): for tests. */
size_t xpv_pool_threads(void);

#endif
