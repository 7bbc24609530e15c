/* Shared helpers for the unit tests. */
#ifndef XPV_TEST_HELPERS_H
#define XPV_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

/* A fresh temporary directory for this test process (created once). */
const char *th_tmpdir(void);

/* Writes `content` to `name` inside th_tmpdir() and returns the path (owned
 * by the caller). */
char *th_write(const char *name, const char *content);

/* Reads a whole file (owned by the caller); NULL when unreadable. */
char *th_read(const char *path);

/* True when `hay` contains `needle` (byte-wise, lengths given). */
bool th_contains(const char *hay, size_t hay_len, const char *needle);

#endif
