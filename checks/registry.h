/* The one table of shipped checks, in the order they run. */
#ifndef XPV_REGISTRY_H
#define XPV_REGISTRY_H

#include "check.h"

#include <stddef.h>

extern const struct xpv_check *const xpv_registry[];
extern const size_t xpv_registry_count;

#endif
