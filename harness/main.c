#include "cli.h"
#include "registry.h"

#include <malloc.h>

int main(int argc, char **argv)
{
	/* A thread per node allocates at once: glibc would give them up to
	 * eight arenas a core, whose fragments are most of the peak RSS at 64
	 * nodes (33 MB; 30 MB with two, no slower: docs/PERFORMANCE.md). */
	mallopt(M_ARENA_MAX, 2);
	return xpv_cli_main(argc, argv, xpv_registry, xpv_registry_count);
}
