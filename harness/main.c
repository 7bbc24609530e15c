#include "cli.h"
#include "registry.h"

int main(int argc, char **argv)
{
	return xpv_cli_main(argc, argv, xpv_registry, xpv_registry_count);
}
