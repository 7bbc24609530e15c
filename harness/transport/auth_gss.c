#include "auth.h"

#include "error.h"
#include "util.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <krb5/krb5.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gss_OID_desc ntlm_oid = { GSS_NTLMSSP_OID_LENGTH, GSS_NTLMSSP_OID_STRING };

struct xpv_gss {
	gss_ctx_id_t ctx;
	gss_cred_id_t cred;
	bool own_cred; /* else `cred` is shared (below) and outlives this context */
	krb5_context kctx; /* a Kerberos context's own copy of the shared tickets: */
	krb5_ccache kcc;   /* `cred` reads them from this MEMORY cache */
	gss_name_t target;
	gss_OID mech;
	bool kerberos;
	bool done;
	char *principal; /* who we are, for messages */
	char *spn;
	struct gss_channel_bindings_struct cb;
	unsigned char *cb_data;
};

char *xpv_gss_status(uint32_t major, uint32_t minor, const void *mech_oid)
{
	gss_OID mech = (gss_OID)mech_oid;
	char *out = xpv_strdup("");
	OM_uint32 more = 0, m;
	gss_buffer_desc b;

	do {
		if (GSS_ERROR(gss_display_status(&m, minor, GSS_C_MECH_CODE, mech, &more, &b)))
			break;
		if (b.length > 0) {
			char *next = xpv_asprintf("%s%s%.*s", out, out[0] ? "; " : "", (int)b.length, (char *)b.value);

			free(out);
			out = next;
		}
		gss_release_buffer(&m, &b);
	} while (more != 0);
	if (out[0] == '\0') {
		more = 0;
		do {
			if (GSS_ERROR(gss_display_status(&m, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &more, &b)))
				break;
			free(out);
			out = xpv_asprintf("%.*s", (int)b.length, (char *)b.value);
			gss_release_buffer(&m, &b);
		} while (more != 0);
	}
	return out;
}

/* A failure with the krb5 reason spelled out where we know what it means
 * for the user; `what` names the step and the principal. */
static int gss_fail(const struct xpv_gss *g, const char *what, OM_uint32 major, OM_uint32 minor)
{
	char *detail = xpv_gss_status(major, minor, g->mech);
	const char *hint = NULL;
	int code = XPV_EAUTH;
	krb5_error_code kc = (krb5_error_code)minor;

	if (g->kerberos) {
		switch (kc) {
		case KRB5KRB_AP_ERR_SKEW:
		case KRB5KRB_AP_ERR_TKT_NYV:
			hint = "clock skew too great: the clocks of this machine, the KDC and the node differ by more "
			       "than the realm allows (5 minutes by default)";
			break;
		case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
			hint = "the account is unknown to the KDC";
			break;
		case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
			hint = "the service principal is not registered in the domain (setspn)";
			break;
		case KRB5KDC_ERR_PREAUTH_FAILED:
		case KRB5KRB_AP_ERR_BAD_INTEGRITY:
			hint = "wrong password";
			break;
		case KRB5_KDC_UNREACH:
		case KRB5_REALM_CANT_RESOLVE:
		case KRB5_REALM_UNKNOWN:
			hint = "no KDC reachable for the realm";
			code = XPV_ECONNECT;
			break;
		case KRB5_CC_NOTFOUND:
		case KRB5_FCC_NOFILE:
			hint = "no ticket: give a password or a keytab, or run kinit";
			break;
		case KRB5KRB_AP_ERR_TKT_EXPIRED:
			hint = "the ticket has expired: run kinit again";
			break;
		default:
			break;
		}
	}
	if (hint != NULL)
		xpv_error_set(code, "%s %s failed: %s (%s)", xpv_gss_mech_name(g), what, hint, detail);
	else
		xpv_error_set(code, "%s %s failed: %s", xpv_gss_mech_name(g), what, detail);
	free(detail);
	return code;
}

const char *xpv_gss_mech_name(const struct xpv_gss *g)
{
	return g->kerberos ? "Kerberos" : "NTLM";
}

/* The principal to ask for: user@REALM as given; DOMAIN\user becomes
 * user@REALM (Kerberos) or stays as is (NTLM reads DOMAIN\user itself). */
static char *principal_of(const struct xpv_gss_creds *c, bool kerberos)
{
	const char *slash = strchr(c->username, '\\');

	if (!kerberos || strchr(c->username, '@') != NULL)
		return xpv_strdup(c->username);
	if (slash != NULL) {
		char *p;

		if (c->realm != NULL)
			return xpv_asprintf("%s@%s", slash + 1, c->realm);
		p = xpv_asprintf("%s@%.*s", slash + 1, (int)(slash - c->username), c->username);
		for (char *q = strchr(p, '@'); *q; q++)
			if (*q >= 'a' && *q <= 'z')
				*q = (char)(*q - 'a' + 'A');
		return p;
	}
	if (c->realm != NULL)
		return xpv_asprintf("%s@%s", c->username, c->realm);
	return xpv_strdup(c->username);
}

/* Acquires `g`'s credentials into `*cred`. */
static int acquire(struct xpv_gss *g, const struct xpv_gss_creds *c, gss_cred_id_t *cred)
{
	static unsigned long caches; /* names every private ticket cache apart */
	gss_OID_set_desc mechs = { 1, g->mech };
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor;
	int rc = 0;

	if (c->username != NULL) {
		gss_buffer_desc b = { strlen(g->principal), g->principal };

		major = gss_import_name(&minor, &b, g->kerberos ? GSS_KRB5_NT_PRINCIPAL_NAME : GSS_C_NT_USER_NAME,
					&name);
		if (GSS_ERROR(major))
			return gss_fail(g, "cannot use the user name", major, minor);
	}
	if (c->password != NULL) {
		gss_buffer_desc pw = { strlen(c->password), (void *)c->password };

		/* MIT keeps what this gets in a new MEMORY cache of its own */
		major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
						       cred, NULL, NULL);
	} else {
		/* Kerberos: NTLM without a password was refused before */
		gss_key_value_element_desc el[2];
		gss_key_value_set_desc store = { 0, el };
		char *mem = xpv_asprintf("MEMORY:xpverify-%ld-%lu", (long)getpid(),
					 __atomic_add_fetch(&caches, 1, __ATOMIC_RELAXED));

		if (c->keytab != NULL) {
			/* initial tickets from the keytab, kept in memory only */
			el[store.count++] = (gss_key_value_element_desc){ "client_keytab", c->keytab };
			el[store.count++] = (gss_key_value_element_desc){ "ccache", mem };
		} else if (c->ccache != NULL) {
			el[store.count++] = (gss_key_value_element_desc){ "ccache", c->ccache };
		}
		major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
					      store.count ? &store : GSS_C_NO_CRED_STORE, cred, NULL, NULL);
		free(mem);
	}
	if (GSS_ERROR(major)) {
		char *what = xpv_asprintf("login of %s", g->principal);

		rc = gss_fail(g, what, major, minor);
		free(what);
	}
	if (name != GSS_C_NO_NAME)
		gss_release_name(&minor, &name);
	return rc;
}

/* Credentials are acquired once per process for each mechanism and set of
 * credentials, and shared by every context (every connection, every
 * thread). Acquiring is the costly part of a context: gss-ntlmssp derives
 * the NT hash there (with OpenSSL 3 and no legacy provider, a failed MD4
 * lookup first: half of a 64-node run's CPU), and Kerberos with a password
 * or a keytab asks the KDC for an initial ticket (after PBKDF2 on the
 * password), which a domain controller would otherwise see once per
 * connection. An NTLM context copies what it needs from the shared handle.
 * A Kerberos context gets a handle of its own over a copy of the shared
 * tickets: MIT holds a handle's lock while it asks the KDC for a service
 * ticket (init_sec_context.c), so one handle for every node would ask for
 * their tickets one after another, a KDC round trip each. Kerberos from
 * the user's own ticket cache asks the KDC nothing to acquire: each
 * context acquires its own, as before.
 *
 * Contexts that ask while an acquisition is under way wait for it and
 * share its result, a failure included (a KDC that does not answer is
 * waited for once, not once per connection in turn). A later context tries
 * again after a failure to reach the KDC, never after a refusal (XPV_EAUTH:
 * a wrong password, an unknown account): the domain counts every wrong
 * password towards locking the account out, and a run would otherwise try
 * once per connection. */
#define MAX_SHARED 8
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shared_done = PTHREAD_COND_INITIALIZER;
static struct shared_cred {
	unsigned char key[SHA256_DIGEST_LENGTH]; /* a digest: the password is not kept here */
	bool used, busy;
	gss_cred_id_t cred; /* GSS_C_NO_CREDENTIAL until an acquisition succeeds */
	int rc;             /* the last failed acquisition (XPV_EAUTH: a refusal, kept for the run) */
	char *why;
} shared[MAX_SHARED];
static unsigned long acquisitions;
static bool cleanup_set;

static void shared_cleanup(void)
{
	OM_uint32 minor;

	for (size_t i = 0; i < MAX_SHARED; i++) {
		if (shared[i].cred != GSS_C_NO_CREDENTIAL)
			gss_release_cred(&minor, &shared[i].cred);
		free(shared[i].why);
	}
	memset(shared, 0, sizeof(shared));
}

/* What tells one set of credentials from another: every field, each with
 * its length (NULL apart from ""), and the mechanism. */
static void cred_key(unsigned char key[SHA256_DIGEST_LENGTH], const struct xpv_gss_creds *c, bool kerberos)
{
	const char *fields[] = { c->username, c->password, c->realm, c->keytab, c->ccache };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char mech = kerberos ? 'K' : 'N';

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		abort(); /* out of memory */
	EVP_DigestUpdate(md, &mech, 1);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t len = fields[i] ? strlen(fields[i]) : UINT64_MAX;

		EVP_DigestUpdate(md, &len, sizeof(len));
		if (fields[i] != NULL)
			EVP_DigestUpdate(md, fields[i], strlen(fields[i]));
	}
	EVP_DigestFinal_ex(md, key, NULL);
	EVP_MD_CTX_free(md);
}

unsigned long xpv_gss_acquisitions(void)
{
	return __atomic_load_n(&acquisitions, __ATOMIC_RELAXED);
}

/* Gives the Kerberos context `g` a handle of its own over a copy of the
 * tickets of `from`: no KDC is asked. */
static int private_copy(struct xpv_gss *g, gss_cred_id_t from)
{
	gss_OID_set_desc mechs = { 1, g->mech };
	gss_name_t who = GSS_C_NO_NAME;
	gss_buffer_desc text = { 0, NULL };
	krb5_principal princ = NULL;
	krb5_error_code k;
	OM_uint32 major, minor = 0;
	char *name = NULL;
	int rc = 0;

	g->own_cred = true;
	/* the copy is a cache of the same principal */
	major = gss_inquire_cred(&minor, from, &who, NULL, NULL, NULL);
	if (!GSS_ERROR(major))
		major = gss_display_name(&minor, who, &text, NULL);
	gss_release_name(&minor, &who);
	if (GSS_ERROR(major))
		return gss_fail(g, "use of the tickets", major, minor);
	k = krb5_init_context(&g->kctx);
	if (k != 0) {
		gss_release_buffer(&minor, &text);
		return xpv_error_set(XPV_EAUTH, "Kerberos: cannot set up a context (error %ld)", (long)k);
	}
	name = xpv_asprintf("%.*s", (int)text.length, (const char *)text.value);
	gss_release_buffer(&minor, &text);
	k = krb5_parse_name(g->kctx, name, &princ);
	free(name);
	name = NULL;
	if (k == 0)
		k = krb5_cc_new_unique(g->kctx, "MEMORY", NULL, &g->kcc);
	if (k == 0)
		k = krb5_cc_initialize(g->kctx, g->kcc, princ);
	if (k == 0) {
		major = gss_krb5_copy_ccache(&minor, from, g->kcc);
		if (GSS_ERROR(major))
			rc = gss_fail(g, "use of the tickets", major, minor);
	}
	if (k == 0 && rc == 0)
		k = krb5_cc_get_full_name(g->kctx, g->kcc, &name);
	if (k == 0 && rc == 0) {
		gss_key_value_element_desc el = { "ccache", name };
		gss_key_value_set_desc store = { 1, &el };

		major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store,
					      &g->cred, NULL, NULL);
		if (GSS_ERROR(major))
			rc = gss_fail(g, "use of the tickets", major, minor);
	}
	if (k != 0) {
		const char *why = krb5_get_error_message(g->kctx, k);

		rc = xpv_error_set(XPV_EAUTH, "Kerberos: cannot copy the tickets of %s: %s", g->principal, why);
		krb5_free_error_message(g->kctx, why);
	}
	krb5_free_string(g->kctx, name);
	krb5_free_principal(g->kctx, princ);
	return rc;
}

/* Gives `g` the credentials of `c`: the shared ones, acquired when nobody
 * has yet; its own where they are not shared (every slot taken by other
 * credentials, Kerberos from the user's cache). */
static int credentials(struct xpv_gss *g, const struct xpv_gss_creds *c)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	struct shared_cred *slot = NULL;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	bool shareable = !g->kerberos || c->password != NULL || c->keytab != NULL;
	int rc;

	g->principal = c->username ? principal_of(c, g->kerberos) : xpv_strdup("the cached principal");
	if (!g->kerberos && c->password == NULL)
		return xpv_error_set(XPV_EAUTH, "NTLM needs a password for %s", g->principal);
	if (!shareable) {
		__atomic_add_fetch(&acquisitions, 1, __ATOMIC_RELAXED);
		g->own_cred = true;
		return acquire(g, c, &g->cred);
	}
	cred_key(key, c, g->kerberos);
	pthread_mutex_lock(&shared_lock);
	if (!cleanup_set) {
		atexit(shared_cleanup);
		cleanup_set = true;
	}
	for (size_t i = 0; i < MAX_SHARED && slot == NULL; i++)
		if (shared[i].used && memcmp(shared[i].key, key, sizeof(key)) == 0)
			slot = &shared[i];
	for (size_t i = 0; i < MAX_SHARED && slot == NULL; i++)
		if (!shared[i].used) {
			slot = &shared[i];
			slot->used = true;
			memcpy(slot->key, key, sizeof(key));
		}
	if (slot != NULL && (slot->busy || slot->rc == XPV_EAUTH)) {
		while (slot->busy)
			pthread_cond_wait(&shared_done, &shared_lock);
		if (slot->cred == GSS_C_NO_CREDENTIAL) {
			rc = xpv_error_set(slot->rc, "%s", slot->why);
			pthread_mutex_unlock(&shared_lock);
			return rc;
		}
	}
	if (slot != NULL && slot->cred != GSS_C_NO_CREDENTIAL) {
		cred = slot->cred; /* never released before the process ends */
		pthread_mutex_unlock(&shared_lock);
		goto use;
	}
	if (slot != NULL)
		slot->busy = true;
	pthread_mutex_unlock(&shared_lock);

	__atomic_add_fetch(&acquisitions, 1, __ATOMIC_RELAXED);
	rc = acquire(g, c, &cred);
	if (slot == NULL) {
		g->cred = cred;
		g->own_cred = true;
		return rc;
	}
	pthread_mutex_lock(&shared_lock);
	slot->busy = false;
	if (rc == 0) {
		slot->cred = cred;
	} else {
		slot->rc = rc;
		free(slot->why);
		slot->why = xpv_strdup(xpv_error_last());
	}
	pthread_cond_broadcast(&shared_done);
	pthread_mutex_unlock(&shared_lock);
	if (rc < 0)
		return rc;
use:
	if (g->kerberos)
		return private_copy(g, cred);
	g->cred = cred;
	return 0;
}

int xpv_gss_client_new(struct xpv_gss **out, enum xpv_gss_mech mech, const struct xpv_gss_creds *creds,
		       const char *spn, const unsigned char *cb, size_t cb_len)
{
	struct xpv_gss *g = xpv_calloc(1, sizeof(*g));
	char *hostbased;
	const char *slash = strchr(spn, '/');
	gss_buffer_desc b;
	OM_uint32 major, minor;
	int rc;

	*out = NULL;
	g->kerberos = mech == XPV_GSS_KERBEROS;
	g->mech = g->kerberos ? (gss_OID)gss_mech_krb5 : &ntlm_oid;
	g->ctx = GSS_C_NO_CONTEXT;
	g->cred = GSS_C_NO_CREDENTIAL;
	g->spn = xpv_strdup(spn);
	rc = credentials(g, creds);
	if (rc < 0)
		goto fail;
	/* HTTP/host is asked for as the host-based service HTTP@host: the
	 * host is taken as written, never canonicalised */
	hostbased = slash ? xpv_asprintf("%.*s@%s", (int)(slash - spn), spn, slash + 1) : xpv_strdup(spn);
	b.value = hostbased;
	b.length = strlen(hostbased);
	major = gss_import_name(&minor, &b, GSS_C_NT_HOSTBASED_SERVICE, &g->target);
	free(hostbased);
	if (GSS_ERROR(major)) {
		rc = gss_fail(g, "cannot use the service principal", major, minor);
		goto fail;
	}
	if (cb != NULL) {
		g->cb_data = xpv_calloc(cb_len ? cb_len : 1, 1);
		memcpy(g->cb_data, cb, cb_len);
		g->cb.application_data.value = g->cb_data;
		g->cb.application_data.length = cb_len;
	}
	*out = g;
	return 0;
fail:
	xpv_gss_free(g);
	return rc;
}

struct xpv_gss *xpv_gss_wrap_context(void *ctx, bool kerberos)
{
	struct xpv_gss *g = xpv_calloc(1, sizeof(*g));

	g->ctx = (gss_ctx_id_t)ctx;
	g->cred = GSS_C_NO_CREDENTIAL;
	g->target = GSS_C_NO_NAME;
	g->kerberos = kerberos;
	g->mech = kerberos ? (gss_OID)gss_mech_krb5 : &ntlm_oid;
	g->done = true;
	return g;
}

int xpv_gss_step(struct xpv_gss *g, const unsigned char *in, size_t in_len, unsigned char **out,
		 size_t *out_len, bool *done)
{
	gss_buffer_desc input = { in_len, (void *)in }, output = { 0, NULL };
	OM_uint32 major, minor, flags = GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

	*out = NULL;
	*out_len = 0;
	*done = false;
	if (g->kerberos)
		flags |= GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG;
	major = gss_init_sec_context(&minor, g->cred, &g->ctx, g->target, g->mech, flags, GSS_C_INDEFINITE,
				     g->cb_data ? &g->cb : GSS_C_NO_CHANNEL_BINDINGS, in ? &input : GSS_C_NO_BUFFER,
				     NULL, &output, NULL, NULL);
	if (GSS_ERROR(major)) {
		char *what = xpv_asprintf("authentication of %s to %s", g->principal, g->spn);
		int rc = gss_fail(g, what, major, minor);

		free(what);
		gss_release_buffer(&minor, &output);
		return rc;
	}
	if (output.length > 0) {
		*out = xpv_calloc(output.length, 1);
		memcpy(*out, output.value, output.length);
		*out_len = output.length;
	}
	gss_release_buffer(&minor, &output);
	g->done = !(major & GSS_S_CONTINUE_NEEDED);
	*done = g->done;
	return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* NTLM's signature is the first 16 bytes of its wrap token (MS-NLMP 2.2.2.9). */
#define NTLM_SIGNATURE 16

int xpv_gss_seal(struct xpv_gss *g, const void *plain, size_t len, unsigned char **out, size_t *out_len)
{
	OM_uint32 major, minor;
	int conf = 0;

	*out = NULL;
	*out_len = 0;
	if (!g->done)
		return xpv_error_set(XPV_EAUTH, "cannot seal a message before authentication is complete");
	if (g->kerberos) {
		/* Windows wants the wrap token's header as the signature: header,
		 * data (sealed in place), padding (empty with AES) */
		gss_iov_buffer_desc iov[3] = {
			{ GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE, { 0, NULL } },
			{ GSS_IOV_BUFFER_TYPE_DATA, { len, NULL } },
			{ GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE, { 0, NULL } },
		};
		unsigned char *data = xpv_calloc(len ? len : 1, 1);

		memcpy(data, plain, len);
		iov[1].buffer.value = data;
		major = gss_wrap_iov(&minor, g->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
		if (!GSS_ERROR(major) && conf) {
			size_t h = iov[0].buffer.length, p = iov[2].buffer.length;

			*out_len = 4 + h + len + p;
			*out = xpv_calloc(*out_len, 1);
			put_le32(*out, (uint32_t)h);
			memcpy(*out + 4, iov[0].buffer.value, h);
			memcpy(*out + 4 + h, data, len);
			if (p > 0)
				memcpy(*out + 4 + h + len, iov[2].buffer.value, p);
		}
		gss_release_iov_buffer(&minor, iov, 3);
		free(data);
	} else {
		gss_buffer_desc in = { len, (void *)plain }, wrapped = { 0, NULL };

		major = gss_wrap(&minor, g->ctx, 1, GSS_C_QOP_DEFAULT, &in, &conf, &wrapped);
		if (!GSS_ERROR(major) && conf && wrapped.length >= NTLM_SIGNATURE) {
			*out_len = 4 + wrapped.length;
			*out = xpv_calloc(*out_len, 1);
			put_le32(*out, NTLM_SIGNATURE);
			memcpy(*out + 4, wrapped.value, wrapped.length);
		}
		gss_release_buffer(&minor, &wrapped);
	}
	if (GSS_ERROR(major))
		return gss_fail(g, "sealing a message", major, minor);
	if (*out == NULL)
		return xpv_error_set(XPV_EAUTH, "%s sealing a message failed: no confidentiality on this context",
				     xpv_gss_mech_name(g));
	return 0;
}

int xpv_gss_unseal(struct xpv_gss *g, const unsigned char *in, size_t len, unsigned char **out,
		   size_t *out_len)
{
	OM_uint32 major, minor;
	uint32_t sig;
	int conf = 0;

	*out = NULL;
	*out_len = 0;
	if (len < 4 || (sig = get_le32(in)) > len - 4)
		return xpv_error_set(XPV_EPROTO, "malformed encrypted message: bad signature length");
	if (g->kerberos) {
		gss_iov_buffer_desc iov[2] = {
			{ GSS_IOV_BUFFER_TYPE_HEADER, { sig, (void *)(in + 4) } },
			{ GSS_IOV_BUFFER_TYPE_DATA, { len - 4 - sig, NULL } },
		};
		unsigned char *data = xpv_calloc(len - 4 - sig + 1, 1);

		memcpy(data, in + 4 + sig, len - 4 - sig);
		iov[1].buffer.value = data;
		major = gss_unwrap_iov(&minor, g->ctx, &conf, NULL, iov, 2);
		if (!GSS_ERROR(major)) {
			*out_len = iov[1].buffer.length;
			*out = data;
		} else {
			free(data);
		}
	} else {
		gss_buffer_desc wrapped = { len - 4, (void *)(in + 4) }, plain = { 0, NULL };

		if (sig != NTLM_SIGNATURE)
			return xpv_error_set(XPV_EPROTO, "malformed encrypted message: NTLM signature of %u bytes", sig);
		major = gss_unwrap(&minor, g->ctx, &wrapped, &plain, &conf, NULL);
		if (!GSS_ERROR(major)) {
			*out = xpv_calloc(plain.length + 1, 1);
			memcpy(*out, plain.value, plain.length);
			*out_len = plain.length;
		}
		gss_release_buffer(&minor, &plain);
	}
	if (GSS_ERROR(major)) {
		char *detail = xpv_gss_status(major, minor, g->mech);

		xpv_error_set(XPV_EPROTO, "encrypted message rejected: its signature does not verify (%s)", detail);
		free(detail);
		return XPV_EPROTO;
	}
	if (!conf) {
		free(*out);
		*out = NULL;
		return xpv_error_set(XPV_EPROTO, "encrypted message rejected: it was signed but not sealed");
	}
	return 0;
}

void xpv_gss_free(struct xpv_gss *g)
{
	OM_uint32 minor;

	if (g == NULL)
		return;
	if (g->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &g->ctx, GSS_C_NO_BUFFER);
	if (g->own_cred && g->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &g->cred);
	if (g->kcc != NULL)
		krb5_cc_destroy(g->kctx, g->kcc);
	if (g->kctx != NULL)
		krb5_free_context(g->kctx);
	if (g->target != GSS_C_NO_NAME)
		gss_release_name(&minor, &g->target);
	free(g->principal);
	free(g->spn);
	free(g->cb_data);
	free(g);
}

int xpv_gss_tls_binding(unsigned char **out, size_t *out_len, const char *pem)
{
	static const char prefix[] = "tls-server-end-point:";
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const EVP_MD *digest = NULL;
	int mdnid = NID_undef;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	if (x == NULL) {
		rc = xpv_error_set(XPV_ETLS, "cannot read the server's certificate for channel binding");
		goto out;
	}
	/* RFC 5929 4.1: the signature's hash, but SHA-256 for MD5 and SHA-1 */
	if (X509_get_signature_info(x, &mdnid, NULL, NULL, NULL) != 1 || mdnid == NID_md5 || mdnid == NID_sha1 ||
	    mdnid == NID_undef)
		mdnid = NID_sha256;
	digest = EVP_get_digestbynid(mdnid);
	if (digest == NULL || X509_digest(x, digest, md, &md_len) != 1) {
		rc = xpv_error_set(XPV_ETLS, "cannot hash the server's certificate for channel binding");
		goto out;
	}
	*out_len = sizeof(prefix) - 1 + md_len;
	*out = xpv_calloc(*out_len, 1);
	memcpy(*out, prefix, sizeof(prefix) - 1);
	memcpy(*out + sizeof(prefix) - 1, md, md_len);
out:
	X509_free(x);
	BIO_free(bio);
	return rc;
}

static char *profile_dir;

static void remove_profile(void)
{
	if (profile_dir != NULL) {
		xpv_remove_tree(profile_dir);
		free(profile_dir);
		profile_dir = NULL;
	}
}

int xpv_gss_configure(const char *realm, const char *kdc)
{
	const char *tmp = getenv("TMPDIR"), *user = getenv("KRB5_CONFIG");
	char *file, *list;
	FILE *f;

	if (profile_dir != NULL)
		return 0;
	profile_dir = xpv_asprintf("%s/xpverify-krb5-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(profile_dir) == NULL) {
		free(profile_dir);
		profile_dir = NULL;
		return xpv_error_set(XPV_EIO, "cannot create a directory for the Kerberos profile");
	}
	atexit(remove_profile);
	file = xpv_asprintf("%s/krb5.conf", profile_dir);
	f = fopen(file, "w");
	if (f == NULL) {
		int rc = xpv_error_set(XPV_EIO, "cannot write %s", file);

		free(file);
		return rc;
	}
	/* the first file of the list wins for a relation set in several */
	fprintf(f, "[libdefaults]\n\trdns = false\n\tdns_canonicalize_hostname = false\n");
	/* host-based names (HTTP/host) take the scenario's realm */
	if (realm != NULL)
		fprintf(f, "\tdefault_realm = %s\n", realm);
	if (realm != NULL && kdc != NULL)
		fprintf(f, "\tdns_lookup_kdc = false\n[realms]\n\t%s = {\n\t\tkdc = %s\n\t}\n", realm, kdc);
	if (fclose(f) != 0) {
		int rc = xpv_error_set(XPV_EIO, "cannot write %s", file);

		free(file);
		return rc;
	}
	list = xpv_asprintf("%s:%s", file, user && user[0] ? user : "/etc/krb5.conf");
	setenv("KRB5_CONFIG", list, 1);
	free(list);
	free(file);
	return 0;
}
