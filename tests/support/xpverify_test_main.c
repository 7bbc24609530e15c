/* xpverify-test: the real command line over the test check table. */
#include "cli.h"
#include "test_checks.h"

int main(int argc, char **argv)
{
	return xpv_cli_main(argc, argv, xpv_test_checks, xpv_test_checks_count);
}
