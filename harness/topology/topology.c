/* What every topology shares: choosing one, clearing a view. */
#include "topology.h"

#include <stdlib.h>
#include <string.h>

const struct xpv_topology *xpv_topology(const struct xpv_scenario *sc)
{
	return sc->topology == XPV_TOPOLOGY_SAFEKIT ? &xpv_topology_safekit : &xpv_topology_wsfc;
}

const char *xpv_topology_name(enum xpv_topology_kind kind)
{
	return kind == XPV_TOPOLOGY_SAFEKIT ? "safekit" : "wsfc";
}

void xpv_ha_view_clear(struct xpv_ha_view *v)
{
	if (v->own_free != NULL)
		v->own_free(v->own);
	free(v->missing);
	free(v->active_name);
	free(v->state);
	memset(v, 0, sizeof(*v));
}
