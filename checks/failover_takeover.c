/* Guide, "Verify that the failover cluster is working", Trigger a failover:
 * restart the node that runs the VMS services (or move the role); a new
 * owner is reported, the services run on it and are stopped elsewhere, and
 * clients can log in again within the threshold. Stages are observed
 * concurrently, each on its own poll, and timed from the trigger. */
#include "check.h"
#include "cluster.h"
#include "error.h"
#include "login.h"
#include "scenario.h"
#include "topology.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum stage {
	ST_TRIGGER,
	ST_OWNER_UNREACHABLE,
	ST_LOGIN_DOWN,
	ST_OWNER_CHANGED,
	ST_ROLE_ONLINE,
	ST_SERVICES_RUNNING,
	ST_LOGIN_UP,
	ST_OTHERS_STOPPED,
	ST_OLD_OWNER_BACK,
	ST_OLD_OWNER_UP,
	ST_COUNT
};

static const char *const stage_names[ST_COUNT] = {
	"trigger",	    "owner_unreachable", "login_down",     "owner_changed", "role_online",
	"services_running", "login_up",	  "others_stopped", "old_owner_back",  "old_owner_up",
};

struct takeover {
	struct xpv_ctx *ctx;
	const struct xpv_scenario *sc;
	const struct xpv_topology *topo;
	enum xpv_failover_method method;
	bool restart;                   /* restart-owner: the old owner goes dark and comes back */
	bool stop;                      /* stop-primary: the old primary is stopped, then started again */
	bool hand_back;                 /* the failback: a graceful hand-over home */
	char *what;                     /* "role ms-role", "module AM" */
	const struct xpv_node *old_owner;
	const struct xpv_node *target;  /* where a move goes */
	long poll_ms, fast_ms;
	int64_t deadline_mono;
	long settle_ms;
	pthread_mutex_t lock;
	int64_t at_us[ST_COUNT];        /* 0 until seen */
	int64_t before_us[ST_COUNT];    /* when the last observation that did not see it ended */
	const struct xpv_node *new_owner;
	int online_seen;                /* the last look: 1 online, 0 not, -1 no look answered */
	char *others_running;           /* "NODE/SERVICE" seen running elsewhere, or NULL */
	char *services_missing;         /* on the new owner, last seen */
	char *login_last;               /* the last login failure */
	bool login_unevaluable;         /* ... and nothing could be said of the cluster from it (TLS, DNS) */
	char *old_owner_state;          /* how the manager saw the old owner last, or NULL */
	bool old_owner_answered;        /* ... and its services answered during the watch */
	char *old_owner_running;        /* a role service it ran during the watch, or NULL */
	char *cut;                      /* why the run ended the observation before timeout_s, or NULL */
	char *watch_cut;                /* why it ended the watch of the other nodes early, or NULL */
	char *restored;                 /* stop-primary: the old primary started again after the watch, or NULL */
	atomic_bool done;
};

static bool seen(struct takeover *t, enum stage s)
{
	bool v;

	pthread_mutex_lock(&t->lock);
	v = t->at_us[s] != 0;
	pthread_mutex_unlock(&t->lock);
	return v;
}

/* Notes stage `s` as seen by an observation that started at `us`, unless
 * already seen. The change happened between the last observation that did
 * not see it and this one: the stage's time is the middle of that bracket
 * (the end of the last "before" and the start of the first "after"). */
static void mark(struct takeover *t, enum stage s, int64_t us)
{
	pthread_mutex_lock(&t->lock);
	if (t->at_us[s] == 0) {
		int64_t before = t->before_us[s];

		t->at_us[s] = before > 0 && before < us ? before + (us - before) / 2 : us;
	}
	pthread_mutex_unlock(&t->lock);
}

/* Notes an observation that ended now without seeing stage `s`. */
static void not_yet(struct takeover *t, enum stage s)
{
	int64_t now = xpv_now_us();

	pthread_mutex_lock(&t->lock);
	if (t->at_us[s] == 0 && now > t->before_us[s])
		t->before_us[s] = now;
	pthread_mutex_unlock(&t->lock);
}

/* Whether a change is due: a move changes the cluster at once; a restart
 * from the moment its first sign is seen (the owner dark, logins failing).
 * Observers then poll fast, so each stage is bracketed closely; before,
 * they keep the nodes' load to poll_ms. */
static bool due(struct takeover *t)
{
	return !t->restart || seen(t, ST_OWNER_UNREACHABLE) || seen(t, ST_LOGIN_DOWN);
}

static bool keep_going(struct takeover *t)
{
	return !atomic_load(&t->done) && !xpv_ctx_cancelled(t->ctx) && xpv_mono_ms() < t->deadline_mono;
}

static void pause_for(struct takeover *t, long ms)
{
	xpv_ctx_sleep(t->ctx, ms);
}

/* Logins through the cluster address: when do clients lose it and get it
 * back? Poll fast while a change is due, so the time is close to the truth. */
static void *observe_login(void *arg)
{
	struct takeover *t = arg;

	while (keep_going(t) && !seen(t, ST_LOGIN_UP)) {
		struct xpv_login_result r;
		int64_t started = xpv_now_us();
		bool down = seen(t, ST_LOGIN_DOWN), changed = seen(t, ST_OWNER_CHANGED);

		xpv_login(&r, t->sc, 2000);
		xpv_ctx_evidence(t->ctx, "transcripts/cluster-address.txt", r.transcript);
		if (r.outcome != XPV_LOGIN_OK) {
			mark(t, ST_LOGIN_DOWN, started);
			not_yet(t, ST_LOGIN_UP);
			pthread_mutex_lock(&t->lock);
			free(t->login_last);
			t->login_last = xpv_strdup(r.message);
			t->login_unevaluable = r.outcome == XPV_LOGIN_NOT_EVALUATED;
			pthread_mutex_unlock(&t->lock);
		} else if (down || changed) {
			mark(t, ST_LOGIN_UP, started);
		} else {
			not_yet(t, ST_LOGIN_DOWN);
		}
		xpv_login_result_clear(&r);
		pause_for(t, !down || changed || due(t) ? t->fast_ms : t->poll_ms);
	}
	return NULL;
}

/* The manager's view through the surviving nodes: the new owner, the role
 * online. */
static void *observe_cluster(void *arg)
{
	struct takeover *t = arg;
	const struct xpv_scenario *sc = t->sc;
	size_t next = 0;

	while (keep_going(t) && !seen(t, ST_ROLE_ONLINE)) {
		const struct xpv_node *ask = &sc->nodes[next++ % sc->n_nodes], *n = NULL;
		int64_t started = xpv_now_us();
		bool online = false;

		if (t->method != XPV_FAILOVER_MOVE_ROLE && ask == t->old_owner)
			continue;
		if (t->topo->look(t->ctx, ask, &n, &online) == 0) {
			pthread_mutex_lock(&t->lock);
			t->online_seen = online;
			if (n != NULL && n != t->old_owner && t->new_owner == NULL)
				t->new_owner = n;
			pthread_mutex_unlock(&t->lock);
			if (n != NULL && n != t->old_owner) {
				mark(t, ST_OWNER_CHANGED, started);
				if (online)
					mark(t, ST_ROLE_ONLINE, started);
				else
					not_yet(t, ST_ROLE_ONLINE);
			} else {
				not_yet(t, ST_OWNER_CHANGED);
				not_yet(t, ST_ROLE_ONLINE);
			}
			if (n != NULL && online)
				next = (size_t)(ask - sc->nodes); /* stay with a node that knows it all */
		}
		pause_for(t, due(t) ? t->fast_ms : t->poll_ms);
	}
	return NULL;
}

/* True when every required role service runs in `rows`; else names the
 * ones that do not in *missing. */
static bool all_running(const struct xpv_scenario *sc, const json_t *rows, char **missing)
{
	char *m = xpv_strdup("");

	for (size_t i = 0; i < sc->n_services; i++) {
		const json_t *row = xpv_service_row(rows, sc->services[i].name);

		if (row == NULL && sc->services[i].optional)
			continue;
		if (row == NULL || strcmp(xpv_prop(row, "State"), "Running") != 0) {
			char *next = xpv_asprintf("%s%s%s (%s)", m, m[0] ? ", " : "", sc->services[i].name,
						  row ? xpv_prop(row, "State") : "not installed");

			free(m);
			m = next;
		}
	}
	*missing = m;
	return m[0] == '\0';
}

/* The services on the new owner, once there is one. */
static void *observe_services(void *arg)
{
	struct takeover *t = arg;

	while (keep_going(t) && !seen(t, ST_SERVICES_RUNNING)) {
		const struct xpv_node *owner;
		json_t *rows = NULL;
		int64_t started = xpv_now_us();

		pthread_mutex_lock(&t->lock);
		owner = t->new_owner;
		pthread_mutex_unlock(&t->lock);
		if (owner != NULL && xpv_node_services(&rows, t->ctx, owner, true) == 0) {
			char *missing;

			if (all_running(t->sc, rows, &missing))
				mark(t, ST_SERVICES_RUNNING, started);
			else
				not_yet(t, ST_SERVICES_RUNNING);
			pthread_mutex_lock(&t->lock);
			free(t->services_missing);
			t->services_missing = missing;
			pthread_mutex_unlock(&t->lock);
		}
		json_decref(rows);
		/* the services start soon after the owner changed */
		pause_for(t, owner != NULL ? t->fast_ms : t->poll_ms);
	}
	return NULL;
}

/* Whether the old owner stands by again (the new owner asked first where
 * the manager's word comes from the others); notes how it was seen. */
static bool old_owner_standing_by(struct takeover *t)
{
	const struct xpv_node *prefer;
	char *state = NULL;
	int rc;

	pthread_mutex_lock(&t->lock);
	prefer = t->new_owner;
	pthread_mutex_unlock(&t->lock);
	rc = t->topo->standing_by(t->ctx, t->old_owner, prefer, &state);
	pthread_mutex_lock(&t->lock);
	if (state != NULL) {
		free(t->old_owner_state);
		t->old_owner_state = state;
	}
	pthread_mutex_unlock(&t->lock);
	return rc == 1;
}

/* The old owner: when does it go dark, when does it answer again, when
 * does the manager count it standing by again (it rejoined)? After a
 * stop-primary, it is started again once the takeover is done. */
static void *observe_old_owner(void *arg)
{
	struct takeover *t = arg;

	while (keep_going(t) && !seen(t, ST_OLD_OWNER_UP)) {
		json_t *rows = NULL;
		int64_t started = xpv_now_us();
		bool gone = seen(t, ST_OWNER_UNREACHABLE);

		if (t->stop) {
			char *why = NULL;

			if (!seen(t, ST_SERVICES_RUNNING)) {
				pause_for(t, t->fast_ms);
				continue;
			}
			if (!seen(t, ST_OLD_OWNER_BACK)) {
				if (t->topo->rejoin(t->ctx, t->old_owner, &why) < 0) {
					pthread_mutex_lock(&t->lock);
					free(t->old_owner_state);
					t->old_owner_state = why;
					pthread_mutex_unlock(&t->lock);
					return NULL;
				}
				mark(t, ST_OLD_OWNER_BACK, started);
			} else if (old_owner_standing_by(t)) {
				mark(t, ST_OLD_OWNER_UP, started);
			}
			pause_for(t, t->fast_ms);
			continue;
		}
		if (xpv_ctx_wql_fresh(&rows, t->ctx, t->old_owner, "root/cimv2", "select LastBootUpTime from Win32_OperatingSystem") < 0) {
			mark(t, ST_OWNER_UNREACHABLE, started);
			not_yet(t, ST_OLD_OWNER_BACK);
		} else if (!gone) {
			not_yet(t, ST_OWNER_UNREACHABLE);
		} else {
			mark(t, ST_OLD_OWNER_BACK, started);
			if (old_owner_standing_by(t))
				mark(t, ST_OLD_OWNER_UP, started);
		}
		json_decref(rows);
		pause_for(t, gone ? t->poll_ms : t->fast_ms);
	}
	return NULL;
}

/* After the takeover: no node but the new owner runs a role service, for
 * the whole settle time (an Auto service starts by itself after a boot). */
static void watch_others(struct takeover *t)
{
	const struct xpv_scenario *sc = t->sc;
	int64_t until = xpv_mono_ms() + t->settle_ms;
	bool first = true;

	while (!xpv_ctx_cancelled(t->ctx) && (first || xpv_mono_ms() < until)) {
		int64_t started = xpv_now_us();
		bool clean = true, answered = true;

		first = false;
		for (size_t i = 0; i < sc->n_nodes; i++) {
			const struct xpv_node *n = &sc->nodes[i];
			json_t *rows = NULL;

			if (n == t->new_owner)
				continue;
			if (xpv_node_services(&rows, t->ctx, n, true) < 0) {
				answered = false;
				continue;
			}
			for (size_t k = 0; k < sc->n_services; k++) {
				const json_t *row = xpv_service_row(rows, sc->services[k].name);

				if (row != NULL && strcmp(xpv_prop(row, "State"), "Running") == 0) {
					clean = false;
					pthread_mutex_lock(&t->lock);
					if (t->others_running == NULL)
						t->others_running = xpv_asprintf("%s/%s", n->name, sc->services[k].name);
					if (n == t->old_owner && t->old_owner_running == NULL)
						t->old_owner_running = xpv_strdup(sc->services[k].name);
					pthread_mutex_unlock(&t->lock);
				}
			}
			if (n == t->old_owner)
				t->old_owner_answered = true;
			json_decref(rows);
		}
		if (clean && answered)
			mark(t, ST_OTHERS_STOPPED, started);
		xpv_ctx_sleep(t->ctx, t->poll_ms);
	}
	t->watch_cut = xpv_ctx_stop_reason(t->ctx, until);
}

/* ---- before: nothing is touched unless the cluster can fail over ---------- */

/* xpv_ctx_each_node: why `node` did not answer a fresh question, in
 * ((char **)arg)[its index], or nothing when it answered. */
static void answers(struct xpv_ctx *ctx, const struct xpv_node *node, void *arg)
{
	char **silent = arg;
	json_t *rows = NULL;

	if (xpv_ctx_wql_fresh(&rows, ctx, node, "root/cimv2", "select LastBootUpTime from Win32_OperatingSystem") < 0)
		silent[node - xpv_ctx_scenario(ctx)->nodes] = xpv_strdup(xpv_error_last());
	json_decref(rows);
}

static int preconditions(struct takeover *t, char **why)
{
	const struct xpv_scenario *sc = t->sc;
	struct xpv_ha_view v;
	char **silent;
	int rc = -1;

	*why = NULL;
	if (t->topo->view(&v, t->ctx, NULL, true) < 0) {
		*why = xpv_asprintf("cannot read %s: %s", t->topo->manager, xpv_error_last());
		return -1;
	}
	if (t->topo->ready(t->ctx, &v, why) < 0)
		goto out;
	t->old_owner = v.active;
	/* a failover that cannot be watched is not started: every node asked
	 * at once, the first in the scenario's order that does not answer named */
	silent = xpv_calloc(sc->n_nodes, sizeof(*silent));
	xpv_ctx_each_node(t->ctx, answers, silent);
	for (size_t k = 0; k < sc->n_nodes && *why == NULL; k++)
		if (silent[k] != NULL)
			*why = xpv_asprintf("%s does not answer, so a failover could not be observed: %s",
					    sc->nodes[k].name, silent[k]);
	for (size_t k = 0; k < sc->n_nodes; k++)
		free(silent[k]);
	free(silent);
	if (*why != NULL)
		goto out;
	/* a move goes to the next node, in the scenario's order */
	for (size_t k = 1; k <= sc->n_nodes; k++) {
		const struct xpv_node *n = &sc->nodes[((size_t)(t->old_owner - sc->nodes) + k) % sc->n_nodes];

		if (n != t->old_owner) {
			t->target = n;
			break;
		}
	}
	rc = 0;
out:
	xpv_ha_view_clear(&v);
	return rc;
}

/* ---- the trigger ------------------------------------------------------------ */

static int trigger(struct takeover *t, char **why, bool *refused)
{
	*why = NULL;
	*refused = false;
	mark(t, ST_TRIGGER, xpv_now_us());
	if (t->hand_back)
		return t->topo->hand_back(t->ctx, t->old_owner, t->target, why, refused);
	return t->topo->trigger(t->ctx, t->method, t->old_owner, t->target, why, refused);
}

/* ---- results ------------------------------------------------------------------ */

static long ms_from_trigger(const struct takeover *t, enum stage s)
{
	return t->at_us[s] ? (long)((t->at_us[s] - t->at_us[ST_TRIGGER]) / 1000) : -1;
}

static void report(struct takeover *t, const char *prefix, const char *target, enum xpv_verdict v,
		   const char *expected, const char *observed, const char *msg, bool with_stages)
{
	struct xpv_kv figs[2 * ST_COUNT + 2]; /* two per stage, takeover_ms, takeover_max_ms */
	char *texts[2 * ST_COUNT + 2];
	size_t n = 0;
	char *full = xpv_asprintf("%s%s", prefix, target);
	struct xpv_outcome o = { .target = full, .verdict = v, .expected = expected, .observed = observed,
				 .message = msg, .start_us = t->at_us[ST_TRIGGER] };

	if (with_stages) {
		for (int s = 0; s < ST_COUNT; s++) {
			if (t->at_us[s] == 0)
				continue;
			texts[n] = xpv_asprintf("%ld", ms_from_trigger(t, (enum stage)s));
			figs[n].name = xpv_asprintf("stage_ms.%s", stage_names[s]);
			figs[n].value = texts[n];
			n++;
			texts[n] = xpv_asprintf("%lld", (long long)t->at_us[s]);
			figs[n].name = xpv_asprintf("stage_us.%s", stage_names[s]);
			figs[n].value = texts[n];
			n++;
		}
		if (t->at_us[ST_LOGIN_UP] != 0) {
			texts[n] = xpv_asprintf("%ld", ms_from_trigger(t, ST_LOGIN_UP));
			figs[n].name = xpv_strdup("takeover_ms");
			figs[n].value = texts[n];
			n++;
		}
		texts[n] = xpv_asprintf("%g", t->sc->failover.takeover_max_s * 1000);
		figs[n].name = xpv_strdup("takeover_max_ms");
		figs[n].value = texts[n];
		n++;
	}
	o.figures = figs;
	o.n_figures = n;
	xpv_ctx_report(t->ctx, &o);
	for (size_t i = 0; i < n; i++) {
		free((char *)figs[i].name);
		free(texts[i]);
	}
	free(full);
}

/* Whether the restarted node came back: Up in the cluster's view within
 * timeout_s of the trigger, and no role service running on it. */
static void old_owner_result(struct takeover *t, const char *prefix)
{
	const char *old = t->old_owner->name;
	static const char *const exp = "the old owner is Up in the cluster again within failover.timeout_s, "
				       "no role service running on it";
	char *obs, *msg;
	enum xpv_verdict v;

	if (t->at_us[ST_OLD_OWNER_UP] == 0) {
		char *seen_as = t->at_us[ST_OLD_OWNER_BACK] == 0
					? (t->stop && t->old_owner_state ? xpv_strdup(t->old_owner_state)
									 : xpv_strdup("it does not answer"))
				: t->old_owner_state == NULL ? xpv_asprintf("it answers, but no node reports its state in %s",
									    t->topo->standby_words)
							     : xpv_asprintf("it answers, but %s reports it %s", t->topo->manager,
									    t->old_owner_state);

		v = t->cut != NULL ? XPV_ERROR : XPV_FAIL;
		obs = t->at_us[ST_OLD_OWNER_BACK] == 0 ? xpv_strdup("not back")
			: xpv_asprintf("back, %s", t->old_owner_state ? t->old_owner_state : "state unknown");
		msg = t->cut != NULL ? xpv_asprintf("%s was not seen back in %s before the observation ended (%s): %s%s%s",
						    old, t->topo->standby_words, seen_as, t->cut, t->restored ? "; " : "",
						    t->restored ? t->restored : "")
				     : xpv_asprintf("%s did not rejoin %s within %g s of the trigger: %s%s%s", old,
						    t->topo->standby_words, t->sc->failover.timeout_s, seen_as, t->restored ? "; " : "",
						    t->restored ? t->restored : "");
		free(seen_as);
	} else if (t->old_owner_running != NULL) {
		v = XPV_FAIL;
		obs = xpv_asprintf("Up, runs %s", t->old_owner_running);
		msg = xpv_asprintf("%s rejoined %s %ld ms after the trigger, but runs %s though %s owns the role",
				   old, t->topo->standby_words, ms_from_trigger(t, ST_OLD_OWNER_UP), t->old_owner_running, t->new_owner->name);
	} else if (!t->old_owner_answered) {
		v = XPV_ERROR;
		obs = xpv_strdup("Up, services not seen");
		msg = xpv_asprintf("%s rejoined %s %ld ms after the trigger, but its services were not seen%s%s", old,
				   t->topo->standby_words, ms_from_trigger(t, ST_OLD_OWNER_UP), t->watch_cut ? ": " : " (it did not answer)",
				   t->watch_cut ? t->watch_cut : "");
	} else {
		v = XPV_PASS;
		obs = xpv_asprintf("Up after %ld ms, role services stopped", ms_from_trigger(t, ST_OLD_OWNER_UP));
		msg = xpv_asprintf("%s rejoined %s %ld ms after the trigger, with no role service running", old,
				   t->topo->standby_words, ms_from_trigger(t, ST_OLD_OWNER_UP));
		if (t->topo->settle_verb != NULL && t->at_us[ST_OLD_OWNER_BACK] != 0) {
			/* how long it took to stand by (SafeKit: resync), from its return */
			char *more = xpv_asprintf("%s (%s %ld ms after it %s)", msg, t->topo->settle_verb,
						  ms_from_trigger(t, ST_OLD_OWNER_UP) - ms_from_trigger(t, ST_OLD_OWNER_BACK),
						  t->stop ? "was started again" : "answered again");

			free(msg);
			msg = more;
		}
	}
	report(t, prefix, "old-owner-rejoined", v, exp, obs, msg, false);
	free(obs);
	free(msg);
}

static void results(struct takeover *t, const char *prefix)
{
	const struct xpv_scenario *sc = t->sc;
	long takeover = ms_from_trigger(t, ST_LOGIN_UP), max = (long)(sc->failover.takeover_max_s * 1000);
	char *obs, *msg;
	const char *old = t->old_owner->name;

	/* a new owner */
	if (t->new_owner != NULL) {
		obs = xpv_asprintf("%s -> %s", old, t->new_owner->name);
		msg = xpv_asprintf("%s moved from %s to %s %ld ms after the trigger", t->what, old,
				   t->new_owner->name, ms_from_trigger(t, ST_OWNER_CHANGED));
		report(t, prefix, "owner-changed", XPV_PASS, "another node owns the role", obs, msg, false);
	} else if (t->cut != NULL) {
		obs = xpv_strdup("not observed");
		msg = xpv_asprintf("no new owner of %s was seen before the observation ended: %s; what %s "
				   "did afterwards was not observed", t->what, t->cut, t->topo->manager);
		report(t, prefix, "owner-changed", XPV_ERROR, "another node owns the role", obs, msg, false);
	} else {
		obs = xpv_asprintf("still %s (%s)", old, t->online_seen < 0 ? "no answer" : t->online_seen ? "online" : "not online");
		msg = xpv_asprintf("no new owner of %s within %g s of the trigger%s%s", t->what, sc->failover.timeout_s,
				   t->restored ? "; " : "", t->restored ? t->restored : "");
		report(t, prefix, "owner-changed", XPV_FAIL, "another node owns the role", obs, msg, false);
	}
	free(obs);
	free(msg);

	/* the services on it */
	if (t->new_owner == NULL) {
		report(t, prefix, "services-running-on-new-owner", XPV_SKIP, "role services run on the new owner",
		       "no new owner", "no takeover happened: nothing to look at", false);
	} else if (t->at_us[ST_SERVICES_RUNNING] == 0 && t->cut != NULL) {
		obs = xpv_asprintf("not all running on %s yet (%s) when the observation ended: %s", t->new_owner->name,
				   t->services_missing ? t->services_missing : "no answer", t->cut);
		report(t, prefix, "services-running-on-new-owner", XPV_ERROR, "role services run on the new owner",
		       "not observed", obs, false);
		free(obs);
	} else {
		bool ok = t->at_us[ST_SERVICES_RUNNING] != 0;

		obs = ok ? xpv_asprintf("all running on %s after %ld ms", t->new_owner->name,
					ms_from_trigger(t, ST_SERVICES_RUNNING))
			 : xpv_asprintf("not running on %s: %s", t->new_owner->name,
					t->services_missing ? t->services_missing : "no answer");
		report(t, prefix, "services-running-on-new-owner", ok ? XPV_PASS : XPV_FAIL,
		       "role services run on the new owner", obs, obs, false);
		free(obs);
	}

	/* nowhere else */
	if (t->new_owner == NULL) {
		report(t, prefix, "services-stopped-elsewhere", XPV_SKIP, "no other node runs a role service",
		       "no new owner", "no takeover happened: nothing to look at", false);
	} else if (t->others_running != NULL) {
		msg = xpv_asprintf("%s runs on a node that does not own the role (%s owns it)%s", t->others_running,
				   t->new_owner->name,
				   t->restart ? "; after its restart the old owner started it again" : "");
		report(t, prefix, "services-stopped-elsewhere", XPV_FAIL, "no other node runs a role service",
		       t->others_running, msg, false);
		free(msg);
	} else if (t->watch_cut != NULL) {
		/* a pass means no role service for the whole settle time */
		msg = t->at_us[ST_OTHERS_STOPPED]
			      ? xpv_asprintf("the other nodes were watched for only part of the settle time (settle_s "
					     "%g s): %s", t->settle_ms / 1000.0, t->watch_cut)
			      : xpv_asprintf("the other nodes were not watched after the takeover: %s", t->watch_cut);
		report(t, prefix, "services-stopped-elsewhere", XPV_ERROR, "no other node runs a role service",
		       "not observed", msg, false);
		free(msg);
	} else if (t->at_us[ST_OTHERS_STOPPED] == 0) {
		report(t, prefix, "services-stopped-elsewhere", XPV_ERROR, "no other node runs a role service",
		       "no answer", "the other nodes did not answer after the takeover", false);
	} else {
		msg = xpv_asprintf("no role service runs outside %s%s", t->new_owner->name,
				   t->restart ? ", the old owner included once it was back" : "");
		report(t, prefix, "services-stopped-elsewhere", XPV_PASS, "no other node runs a role service", "all stopped",
		       msg, false);
		free(msg);
	}

	/* the restarted old owner: back in the cluster, without the role's services */
	if ((t->restart || t->stop) && t->new_owner != NULL)
		old_owner_result(t, prefix);

	/* how long clients were without the management server */
	if (takeover < 0 && t->login_unevaluable) {
		/* TLS or DNS stands in the way: the certificate check says why */
		msg = xpv_asprintf("the takeover time cannot be measured: logins through %s fail before reaching the "
				   "cluster: %s", sc->cluster.address_host, t->login_last);
		report(t, prefix, XPV_TAKEOVER_TARGET, XPV_ERROR, "login again within the threshold", "login not evaluated",
		       msg, true);
	} else if (takeover < 0 && t->cut != NULL) {
		msg = xpv_asprintf("the takeover time was not measured: clients could not log in through %s yet when the "
				   "observation ended: %s%s%s", sc->cluster.address_host, t->cut, t->login_last ? "; last: " : "",
				   t->login_last ? t->login_last : "");
		report(t, prefix, XPV_TAKEOVER_TARGET, XPV_ERROR, "login again within the threshold", "not observed", msg,
		       true);
	} else if (takeover < 0) {
		msg = xpv_asprintf("clients could not log in through %s again within %g s of the trigger%s%s",
				   sc->cluster.address_host, sc->failover.timeout_s, t->login_last ? ": " : "",
				   t->login_last ? t->login_last : "");
		report(t, prefix, XPV_TAKEOVER_TARGET, XPV_FAIL, "login again within the threshold", "no login", msg, true);
	} else if (t->new_owner == NULL) {
		/* clients are back, but no other node took over: the old owner came back */
		msg = xpv_asprintf("clients logged in again %ld ms after the trigger, but through %s, the old owner, back "
				   "from its %s: no takeover happened", takeover, old, t->restart ? "restart" : "stop");
		report(t, prefix, XPV_TAKEOVER_TARGET, XPV_FAIL, "login again within the threshold, on a new owner",
		       "login through the old owner", msg, true);
	} else {
		char *exp = xpv_asprintf("login again within %ld ms of the trigger", max);

		obs = xpv_asprintf("%ld ms", takeover);
		msg = xpv_asprintf("clients logged in again %ld ms after the trigger (threshold %ld ms)", takeover, max);
		report(t, prefix, XPV_TAKEOVER_TARGET, takeover <= max ? XPV_PASS : XPV_FAIL, exp, obs, msg, true);
		free(exp);
		free(obs);
	}
	free(msg);
}

/* One failover: trigger, observe, report. */
static void takeover(struct xpv_ctx *ctx, struct takeover *t, const char *prefix)
{
	pthread_t th[4];
	bool started[4] = { false };
	void *(*fns[4])(void *) = { observe_login, observe_cluster, observe_services, observe_old_owner };
	char *why = NULL;
	bool refused;

	if (trigger(t, &why, &refused) < 0) {
		struct xpv_outcome o = { .target = refused ? "owner-changed" : "trigger", .verdict = refused ? XPV_FAIL : XPV_ERROR,
					 .expected = "the role moves", .observed = refused ? "refused" : "not triggered",
					 .message = why };
		char *target = xpv_asprintf("%s%s", prefix, o.target);

		o.target = target;
		xpv_ctx_report(ctx, &o);
		free(target);
		free(why);
		return;
	}
	t->deadline_mono = xpv_mono_ms() + (int64_t)(t->sc->failover.timeout_s * 1000);
	for (int i = 0; i < 4; i++)
		if (i != 3 || t->restart || t->stop)
			started[i] = pthread_create(&th[i], NULL, fns[i], t) == 0;
	for (int i = 0; i < 4; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	if (t->stop && !seen(t, ST_OLD_OWNER_BACK) && t->topo->rejoin != NULL && !xpv_ctx_cancelled(ctx)) {
		/* the check stopped it: it does not leave the pair without it */
		char *failed = NULL;
		int64_t until = xpv_mono_ms() + (int64_t)(t->sc->failover.timeout_s * 1000);
		bool back = false;

		if (t->topo->rejoin(ctx, t->old_owner, &failed) == 0) {
			/* and waits, bounded, until it runs the services again */
			while (!back && xpv_mono_ms() < until && xpv_ctx_sleep(ctx, t->poll_ms)) {
				const struct xpv_node *active = NULL;
				bool online = false;

				back = t->topo->look(ctx, t->old_owner, &active, &online) == 0 && active == t->old_owner &&
				       online;
			}
			t->restored = xpv_asprintf("its module was started again on %s after the observation, so that the "
						   "pair is not left without it%s", t->old_owner->name,
						   back ? "" : " (it was not active again within failover.timeout_s)");
		} else {
			t->restored = xpv_asprintf("starting its module again on %s failed: %s: start it by hand",
						   t->old_owner->name, failed);
		}
		free(failed);
	}
	t->cut = xpv_ctx_stop_reason(ctx, t->deadline_mono);
	if (t->cut != NULL) {
		char *full = xpv_asprintf("%s %ld ms after the trigger, before failover.timeout_s (%g s)", t->cut,
					  (long)((xpv_now_us() - t->at_us[ST_TRIGGER]) / 1000), t->sc->failover.timeout_s);

		free(t->cut);
		t->cut = full;
	}
	if (t->new_owner != NULL)
		watch_others(t);
	if (t->topo->keep_log != NULL)
		t->topo->keep_log(ctx, t->at_us[ST_TRIGGER] - 5 * 1000000, /* what the manager says it did */
				  t->hand_back ? "failback" : "takeover");
	results(t, prefix);
}

static void takeover_init(struct takeover *t, struct xpv_ctx *ctx, enum xpv_failover_method method)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	const char *settle = xpv_ctx_param(ctx, "settle_s");

	t->ctx = ctx;
	t->sc = sc;
	t->topo = xpv_topology(sc);
	t->method = method;
	t->restart = method == XPV_FAILOVER_RESTART_OWNER;
	t->stop = method == XPV_FAILOVER_STOP_PRIMARY;
	t->what = t->topo->role(sc);
	t->online_seen = -1;
	t->poll_ms = sc->failover.poll_ms;
	t->fast_ms = t->poll_ms / 10 > 10 ? t->poll_ms / 10 : 10;
	t->settle_ms = (long)(strtod(settle ? settle : "3", NULL) * 1000);
	pthread_mutex_init(&t->lock, NULL);
}

static void takeover_free(struct takeover *t)
{
	free(t->what);
	free(t->others_running);
	free(t->services_missing);
	free(t->login_last);
	free(t->old_owner_running);
	free(t->old_owner_state);
	free(t->cut);
	free(t->watch_cut);
	free(t->restored);
	pthread_mutex_destroy(&t->lock);
}

static int run(struct xpv_ctx *ctx)
{
	const struct xpv_scenario *sc = xpv_ctx_scenario(ctx);
	struct takeover t = { 0 };
	char *why;

	takeover_init(&t, ctx, sc->failover.method);
	if (preconditions(&t, &why) < 0) {
		struct xpv_outcome o = { .target = "preconditions", .verdict = XPV_ERROR,
					 .expected = t.topo->ready_words,
					 .observed = why, .message = why };
		char *msg = xpv_asprintf("nothing was disrupted: %s", why);

		o.message = msg;
		xpv_ctx_report(ctx, &o);
		free(msg);
		free(why);
		takeover_free(&t);
		return 0;
	}
	takeover(ctx, &t, "");
	if (sc->failover.failback && t.new_owner != NULL && !xpv_ctx_cancelled(ctx) &&
	    sc->topology == XPV_TOPOLOGY_SAFEKIT && t.at_us[ST_OLD_OWNER_UP] == 0) {
		struct xpv_outcome o = { .target = "failback/trigger", .verdict = XPV_SKIP,
					 .expected = "the old primary stands by, then the roles swap back",
					 .observed = "not standing by",
					 .message = "no swap back: the old primary did not rejoin the pair as SECOND, up to date "
						    "(old-owner-rejoined says why)" };

		xpv_ctx_report(ctx, &o);
	} else if (sc->failover.failback && t.new_owner != NULL && !xpv_ctx_cancelled(ctx)) {
		/* the role goes home the graceful way, measured the same */
		struct takeover back = { 0 };

		takeover_init(&back, ctx, XPV_FAILOVER_MOVE_ROLE);
		back.hand_back = true;
		back.old_owner = t.new_owner;
		back.target = t.old_owner;
		takeover(ctx, &back, "failback/");
		takeover_free(&back);
	}
	takeover_free(&t);
	return 0;
}

static const struct xpv_param_def params[] = {
	{ "settle_s", XPV_PARAM_NUMBER, "3", "after the takeover, how long the other nodes are watched for role services" },
	{ NULL, 0, NULL, NULL },
};

const struct xpv_check xpv_check_failover_takeover = {
	.id = "failover-takeover",
	.title = "A failover hands the role to another node, and clients get back in time",
	.guide_section = "Verify that the failover cluster is working: Trigger a failover",
	.disruptive = true,
	.remediation = "Restart the node that runs the VMS services and watch Failover Cluster Manager (or the "
		       "SafeKit console): another "
		       "node must become the owner, start the Management Server, Data Collector Server and Log "
		       "Server services, and the old node must come back with them stopped. If the role does not "
		       "move, check the role's possible owners and that every node is Up; if it is slow, check the "
		       "services' start times; if a service runs on two nodes, set its startup type to Manual.",
	.params = params,
	.run = run,
};
