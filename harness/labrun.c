#include "labrun.h"
#include "topology.h"

#include "error.h"
#include "lab.h"
#include "log.h"
#include "runner.h"
#include "secrets.h"
#include "util.h"

#include <dirent.h>
#include <jansson.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct xpv_labrun {
	char *lab_file;
	char *state_dir;
	char *ready_file;
	char *events_file;
	char *log_file;
	pid_t pid;
};

static void add_pin(struct xpv_scenario *sc, const char *host, const char *address)
{
	sc->resolve = xpv_realloc(sc->resolve, (sc->n_resolve + 1) * sizeof(*sc->resolve));
	sc->resolve[sc->n_resolve].host = xpv_strdup(host);
	sc->resolve[sc->n_resolve].address = xpv_strdup(address);
	sc->n_resolve++;
}

static void set_secret(struct xpv_secret *s, const char *value)
{
	free(s->origin);
	xpv_secret_free(s->value);
	s->source = XPV_SECRET_INLINE;
	s->origin = xpv_strdup("the lab file");
	s->value = xpv_strdup(value);
	xpv_secret_register(value);
}

int xpv_labrun_prepare(struct xpv_labrun **out, struct xpv_scenario *sc)
{
	struct xpv_labrun *lr = xpv_calloc(1, sizeof(*lr));
	struct xpv_diags d = { 0 };
	struct lab_config *c = NULL;
	const char *tmp = getenv("TMPDIR");
	const char *role_fqdn;

	*out = NULL;
	if (lab_config_load(&c, &d, sc->lab) < 0) {
		char *first = d.n > 0 ? xpv_diag_format(sc->lab, &d.items[0]) : xpv_strdup(sc->lab);

		xpv_error_set(XPV_ESCENARIO, "%s: lab: the lab file is not valid: %s%s", sc->file, first,
			      d.n > 1 ? " (and more)" : "");
		free(first);
		xpv_diags_clear(&d);
		free(lr);
		return XPV_ESCENARIO;
	}
	if ((int)c->topology != (int)sc->topology) {
		xpv_error_set(XPV_ESCENARIO, "%s: lab: %s is a %s lab, but the scenario's topology is %s: set topology: %s",
			      sc->file, sc->lab, c->topology == LAB_TOPOLOGY_SAFEKIT ? "SafeKit" : "WSFC",
			      xpv_topology_name(sc->topology), c->topology == LAB_TOPOLOGY_SAFEKIT ? "safekit" : "wsfc");
		lab_config_free(c);
		free(lr);
		return XPV_ESCENARIO;
	}
	lr->lab_file = xpv_strdup(sc->lab);
	lr->state_dir = xpv_asprintf("%s/xpverify-lab-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(lr->state_dir) == NULL) {
		int rc = xpv_error_set(XPV_EIO, "cannot create %s: %s", lr->state_dir, strerror(errno));

		lab_config_free(c);
		free(lr->lab_file);
		free(lr->state_dir);
		free(lr);
		return rc;
	}
	lr->ready_file = xpv_asprintf("%s/ready.json", lr->state_dir);
	lr->events_file = xpv_asprintf("%s/events.jsonl", lr->state_dir);
	lr->log_file = xpv_asprintf("%s/xplab.log", lr->state_dir);

	/* the cluster, as its clients see it */
	role_fqdn = c->cluster.role_fqdn;
	sc->cluster.name = xpv_strdup(c->cluster.name);
	sc->cluster.role = xpv_strdup(c->cluster.role);
	sc->cluster.address = xpv_asprintf("https://%s:%ld", role_fqdn, c->https_port);
	sc->cluster.address_host = xpv_strdup(role_fqdn);
	sc->cluster.scheme = xpv_strdup("https");
	sc->cluster.port = c->https_port;
	if (c->topology == LAB_TOPOLOGY_SAFEKIT) {
		sc->safekit.console_port = c->console_port;
		sc->safekit.console_http = c->safekit.console_http;
	}
	add_pin(sc, role_fqdn, c->cluster.role_address);
	sc->nodes = xpv_calloc(c->n_nodes, sizeof(*sc->nodes));
	sc->n_nodes = c->n_nodes;
	for (size_t i = 0; i < c->n_nodes; i++) {
		sc->nodes[i].name = xpv_strdup(c->nodes[i].name);
		sc->nodes[i].host = xpv_strdup(c->nodes[i].address);
		sc->nodes[i].fqdn = xpv_strdup(c->nodes[i].fqdn);
		sc->nodes[i].ip = xpv_strdup(c->nodes[i].address);
		add_pin(sc, sc->nodes[i].fqdn, c->nodes[i].address);
	}
	if (c->domain.present) {
		/* a domain: the scenario's auth and transport (Negotiate over
		 * HTTP unless it says otherwise), the domain account, the KDC */
		sc->winrm.port = sc->winrm.transport == XPV_TRANSPORT_HTTPS ? c->winrm_port : c->winrm_http_port;
		free(sc->winrm.realm);
		free(sc->winrm.kdc);
		sc->winrm.realm = xpv_strdup(c->domain.realm);
		sc->winrm.kdc = xpv_asprintf("%s:%ld", c->domain.kdc, c->kdc_port);
		sc->winrm.username = sc->winrm.auth == XPV_AUTH_BASIC ? xpv_strdup(c->winrm_user)
								       : xpv_asprintf("%s@%s", c->winrm_user, c->domain.realm);
	} else {
		/* a lab without a domain speaks Basic over HTTPS only */
		sc->winrm.port = c->winrm_port;
		sc->winrm.transport = XPV_TRANSPORT_HTTPS;
		sc->winrm.auth = XPV_AUTH_BASIC;
		sc->winrm.username = xpv_strdup(c->winrm_user);
	}
	if (sc->winrm.keytab == NULL || !c->domain.present)
		set_secret(&sc->winrm.password, c->winrm_password);
	sc->winrm.ca_file = xpv_asprintf("%s/ca.pem", lr->state_dir);
	sc->login.present = true;
	if (sc->login.method == XPV_LOGIN_WINDOWS && c->domain.present) {
		/* the domain account, through Negotiate */
		sc->login.username = xpv_asprintf("%s@%s", c->winrm_user, c->domain.realm);
		set_secret(&sc->login.password, c->winrm_password);
	} else {
		sc->login.method = XPV_LOGIN_BASIC;
		sc->login.username = xpv_strdup(c->login_user);
		set_secret(&sc->login.password, c->login_password);
	}
	sc->tls.ca_file = xpv_strdup(sc->winrm.ca_file);
	/* the built-in lab exists to be disrupted */
	sc->failover.allow_disruptive = true;
	lab_config_free(c);
	*out = lr;
	return 0;
}

/* The xplab program: XPV_XPLAB, next to this program (build tree or
 * install), or on PATH. */
static char *find_xplab(void)
{
	const char *env = getenv("XPV_XPLAB");
	char self[PATH_MAX];
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return xpv_strdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		const char *rel[] = { "fixtures/lab/xplab", "../fixtures/lab/xplab", "xplab" };
		char *dir;

		self[n] = '\0';
		dir = xpv_dirname(self);
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char *p = xpv_asprintf("%s/%s", dir, rel[i]);

			if (access(p, X_OK) == 0) {
				free(dir);
				return p;
			}
			free(p);
		}
		free(dir);
	}
	return xpv_strdup("xplab");
}

/* Moves the scenario to the ports the lab took (ready file's "ports"). */
static int take_ports(struct xpv_labrun *lr, struct xpv_scenario *sc)
{
	char *text = NULL;
	json_t *doc, *p;
	long https, winrm, winrm_http, kdc;
	int rc = 0;

	if (xpv_read_file(&text, NULL, lr->ready_file, 1 << 20) < 0)
		return XPV_EIO;
	doc = json_loads(text, 0, NULL);
	free(text);
	p = json_object_get(doc, "ports");
	https = (long)json_integer_value(json_object_get(p, "https"));
	winrm = (long)json_integer_value(json_object_get(p, "winrm"));
	winrm_http = (long)json_integer_value(json_object_get(p, "winrm_http"));
	kdc = (long)json_integer_value(json_object_get(p, "kdc"));
	if (json_integer_value(json_object_get(p, "safekit_console")) > 0)
		sc->safekit.console_port = (long)json_integer_value(json_object_get(p, "safekit_console"));
	if (https <= 0 || winrm <= 0) {
		rc = xpv_error_set(XPV_EPROTO, "the lab's ready file %s names no ports", lr->ready_file);
		goto out;
	}
	free(sc->cluster.address);
	sc->cluster.address = xpv_asprintf("https://%s:%ld", sc->cluster.address_host, https);
	sc->cluster.port = https;
	sc->winrm.port = sc->winrm.transport == XPV_TRANSPORT_HTTPS || winrm_http <= 0 ? winrm : winrm_http;
	if (kdc > 0 && sc->winrm.kdc != NULL) {
		char *colon = strrchr(sc->winrm.kdc, ':');

		if (colon != NULL) {
			char *host = xpv_asprintf("%.*s", (int)(colon - sc->winrm.kdc), sc->winrm.kdc);

			free(sc->winrm.kdc);
			sc->winrm.kdc = xpv_asprintf("%s:%ld", host, kdc);
			free(host);
		}
	}
	xpv_log(XPV_LOG_VERBOSE, "lab ports: cluster address %s, WinRM %ld", sc->cluster.address, sc->winrm.port);
out:
	json_decref(doc);
	return rc;
}

int xpv_labrun_start(struct xpv_labrun *lr, struct xpv_scenario *sc, long timeout_ms)
{
	char *xplab = find_xplab();
	int64_t until = xpv_mono_ms() + timeout_ms;
	pid_t parent = getpid();
	int status;

	lr->pid = fork();
	if (lr->pid < 0) {
		free(xplab);
		return xpv_error_set(XPV_EIO, "cannot start the lab: %s", strerror(errno));
	}
	if (lr->pid == 0) {
		FILE *log = freopen(lr->log_file, "w", stderr);
		sigset_t none;

		(void)log;
		/* the lab goes when the harness goes, however it goes */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execlp(xplab, xplab, lr->lab_file, "--state-dir", lr->state_dir, "--ready-file", lr->ready_file,
		       "--events", lr->events_file, "--port-offset", "auto", (char *)NULL);
		fprintf(stderr, "xpverify: cannot run %s: %s\n", xplab, strerror(errno));
		_exit(127);
	}
	free(xplab);
	while (access(lr->ready_file, R_OK) != 0) {
		struct timespec ts = { 0, 20 * 1000000L };

		if (waitpid(lr->pid, &status, WNOHANG) == lr->pid) {
			char *log = NULL;

			lr->pid = 0;
			xpv_read_file(&log, NULL, lr->log_file, 4096);
			xpv_rtrim(log);
			xpv_error_set(XPV_EIO, "the lab did not start: %s", log && log[0] ? log : "no message");
			free(log);
			return XPV_EIO;
		}
		if (xpv_mono_ms() >= until)
			return xpv_error_set(XPV_ETIMEOUT, "the lab was not ready within %ld ms", timeout_ms);
		if (xpv_signal_caught() != 0)
			return xpv_error_set(XPV_ECANCELLED, "the lab start was interrupted");
		nanosleep(&ts, NULL);
	}
	xpv_log(XPV_LOG_VERBOSE, "lab %s ready (pid %ld, state %s)", lr->lab_file, (long)lr->pid, lr->state_dir);
	return take_ports(lr, sc);
}

/* Copies `from` to `to`; a failure names the file and the reason. */
static int copy_file(const char *from, const char *to)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	rc = xpv_read_file(&data, &len, from, 64u << 20);
	if (rc < 0)
		return rc;
	f = fopen(to, "w");
	if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0) {
		rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", to, strerror(errno));
		if (f != NULL)
			fclose(f);
		unlink(to);
	} else if (fclose(f) != 0) {
		rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", to, strerror(errno));
		unlink(to);
	}
	free(data);
	return rc;
}

int xpv_labrun_stop(struct xpv_labrun *lr, const char *keep_events_dir)
{
	int rc = 0;

	if (lr == NULL)
		return 0;
	if (lr->pid > 0) {
		int64_t until = xpv_mono_ms() + 10000;
		int status;

		kill(lr->pid, SIGTERM);
		while (waitpid(lr->pid, &status, WNOHANG) == 0) {
			struct timespec ts = { 0, 20 * 1000000L };

			if (xpv_mono_ms() >= until) {
				kill(lr->pid, SIGKILL);
				waitpid(lr->pid, &status, 0);
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	if (keep_events_dir != NULL) {
		char *to = xpv_asprintf("%s/lab-events.jsonl", keep_events_dir);

		rc = copy_file(lr->events_file, to);
		free(to);
	}
	xpv_remove_tree(lr->state_dir);
	free(lr->lab_file);
	free(lr->state_dir);
	free(lr->ready_file);
	free(lr->events_file);
	free(lr->log_file);
	free(lr);
	return rc;
}
