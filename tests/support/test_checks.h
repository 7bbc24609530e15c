/* The test check table: t-cluster, t-nodes, t-disruptive. */
#ifndef XPV_TEST_CHECKS_H
#define XPV_TEST_CHECKS_H

#include "check.h"

#include <stddef.h>

extern const struct xpv_check xpv_test_check_cluster;
extern const struct xpv_check xpv_test_check_nodes;
extern const struct xpv_check xpv_test_check_disruptive;
extern const struct xpv_check *const xpv_test_checks[];
extern const size_t xpv_test_checks_count;

#endif
