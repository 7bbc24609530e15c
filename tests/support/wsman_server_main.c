/* xpv-wsman-server DIR [STATUS:FILE|STATUS:@TEXT ...]: the scripted
 * WS-Management server as a program, for command-line tests. Writes
 * DIR/ca.pem and DIR/port, serves the answers in order (user "probe",
 * password from XPV_TEST_SERVER_PW), and writes every request it saw to
 * DIR/requests.txt when stopped with SIGTERM. */
#include "lab_cert.h"
#include "util.h"
#include "wsman_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xpv_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL)
		exit(1);
	fputs(text, f);
	fclose(f);
	free(path);
}

int main(int argc, char **argv)
{
	static const char *const dns[] = { "localhost" };
	static const char *const ips[] = { "127.0.0.1" };
	struct xpv_cert_spec spec = { .common_name = "localhost", .dns = dns, .n_dns = 1, .ips = ips, .n_ips = 1 };
	struct xpv_pem ca, cert;
	const char *pw = getenv("XPV_TEST_SERVER_PW");
	struct ts *ts;
	char port[16];
	char *log;
	struct sigaction sa = { .sa_handler = on_term };

	if (argc < 2 || pw == NULL) {
		fprintf(stderr, "usage: XPV_TEST_SERVER_PW=... xpv-wsman-server DIR [STATUS:FILE ...]\n");
		return 2;
	}
	if (xpv_cert_make_ca(&ca, "probe test CA") < 0 || xpv_cert_make_server(&cert, &ca, &spec) < 0)
		return 1;
	ts = ts_start(&cert, "probe", pw);
	for (int i = 2; i < argc; i++) {
		struct ts_reply r = { .status = atoi(argv[i]) };
		const char *what = strchr(argv[i], ':');

		if (what == NULL)
			return 2;
		if (what[1] == '@')
			r.raw = what + 2;
		else
			r.file = what + 1;
		ts_push(ts, &r);
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	write_file(argv[1], "ca.pem", ca.cert);
	snprintf(port, sizeof(port), "%d\n", ts_port(ts));
	write_file(argv[1], "port", port);
	while (!stop)
		pause();
	log = xpv_strdup("");
	for (size_t i = 0; i < ts_count(ts); i++) {
		const struct ts_request *r = ts_request(ts, i);
		char *next = xpv_asprintf("%s%s %s %s\n", log, r->action, r->selectors, r->options);

		free(log);
		log = next;
	}
	write_file(argv[1], "requests.txt", log);
	free(log);
	ts_stop(ts);
	xpv_pem_clear(&ca);
	xpv_pem_clear(&cert);
	return 0;
}
