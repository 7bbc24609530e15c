#include "report_evidence.h"

#include "error.h"
#include "evidence.h"
#include "report.h"
#include "secrets.h"
#include "util.h"
#include "yaml_schema.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MANIFEST "MANIFEST.sha256"
#define SIGNATURE "MANIFEST.sha256.p7s"

/* What verification accepts: an evidence set is a few hundred files of a
 * few MB; anything far beyond is refused, not unpacked or walked. */
#define MAX_ENTRIES 10000
#define MAX_ENTRY_BYTES (256u << 20)
#define MAX_TOTAL_BYTES (1u << 30)
#define MAX_DEPTH 16

struct blob {
	const char *data;
	size_t len;
};

static int fill_blob(FILE *out, void *arg)
{
	const struct blob *b = arg;

	return fwrite(b->data, 1, b->len, out) == b->len ? 0 : xpv_error_set(XPV_EIO, "cannot write evidence");
}

/* Writes `len` bytes as DIR/NAME, making subdirectories. */
static int put(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xpv_asprintf("%s/%s", dir, name), *sub = xpv_dirname(path);
	struct blob b = { data, len };
	int rc = xpv_mkdir_p(sub);

	if (rc == 0)
		rc = xpv_write_atomic(path, fill_blob, &b);
	free(sub);
	free(path);
	return rc;
}

static int put_report(const char *dir, const char *name, const struct xpv_reporter *rep, const json_t *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return xpv_error_set(XPV_ENOMEM, "out of memory");
	rc = rep->write(f, doc);
	fclose(f);
	if (rc == 0)
		rc = put(dir, name, buf, len);
	free(buf);
	return rc;
}

/* timeline.csv: every failover stage, from the takeover-time results. */
static char *timeline_csv(const json_t *doc)
{
	char *csv = xpv_strdup("result,stage,ms_from_trigger,realtime_us,realtime_utc\n");
	const json_t *check, *res;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "checks"), i, check) {
		if (strcmp(xpv_json_str(check, "id"), "failover-takeover") != 0)
			continue;
		json_array_foreach(json_object_get(check, "results"), j, res) {
			const json_t *figs = json_object_get(res, "figures"), *v;
			const char *k;

			json_object_foreach((json_t *)figs, k, v) {
				char *us_key, utc[48], *next;
				const char *us;

				if (strncmp(k, "stage_ms.", 9) != 0)
					continue;
				us_key = xpv_asprintf("stage_us.%s", k + 9);
				us = xpv_json_str(figs, us_key);
				xpv_format_time(utc, sizeof(utc), strtoll(us, NULL, 10), XPV_TIME_ISO_US);
				next = xpv_asprintf("%s%s,%s,%s,%s,%s\n", csv, xpv_json_str(res, "target"), k + 9,
						    json_string_value(v), us, utc);
				free(csv);
				csv = next;
				free(us_key);
			}
		}
	}
	return csv;
}

static char *sha256_hex(const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *hex;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hex = xpv_calloc(n * 2 + 1, 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

/* Whether `rel` is a path that stays inside the directory it is read from:
 * relative, no "." or ".." component, no empty one, at most MAX_DEPTH deep. */
static bool confined(const char *rel)
{
	const char *p = rel;
	int depth = 0;

	if (rel[0] == '\0' || rel[0] == '/')
		return false;
	while (*p != '\0') {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') || ++depth > MAX_DEPTH)
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return p[-1] != '/';
}

/* SHA-256 of the regular file `rel` under `dir`, walked with O_NOFOLLOW at
 * every step (a link, a FIFO or a device is never opened), read in pieces.
 * NULL when it is not there, not a regular file, or over MAX_ENTRY_BYTES. */
static char *file_sha256(const char *dir, const char *rel)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;
	char *copy = xpv_strdup(rel), *save = NULL, *part, *hex = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char buf[65536], digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t total = 0;
	struct stat st;
	ssize_t got;

	for (part = strtok_r(copy, "/", &save); fd >= 0 && part != NULL; part = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';

		next = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
		close(fd);
		fd = next;
	}
	free(copy);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > MAX_ENTRY_BYTES)
		goto out;
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	while ((got = read(fd, buf, sizeof(buf))) > 0 && (total += (size_t)got) <= MAX_ENTRY_BYTES)
		EVP_DigestUpdate(md, buf, (size_t)got);
	if (got < 0 || total > MAX_ENTRY_BYTES || EVP_DigestFinal_ex(md, digest, &dlen) != 1)
		goto out;
	hex = xpv_calloc(2 * dlen + 1, 1);
	for (unsigned int i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
out:
	EVP_MD_CTX_free(md);
	if (fd >= 0)
		close(fd);
	return hex;
}

/* Relative paths of every entry but directories under `dir` (links,
 * FIFOs and devices included: an evidence set has none, so they show as
 * added), never following a link, at most MAX_DEPTH deep and MAX_ENTRIES
 * in all. Returns false when the tree is larger than that. */
static bool list_files(const char *dir, const char *rel, char ***out, size_t *n, int depth)
{
	char *path = rel[0] ? xpv_asprintf("%s/%s", dir, rel) : xpv_strdup(dir);
	DIR *d = depth > MAX_DEPTH ? NULL : opendir(path);
	struct dirent *e;
	bool ok = depth <= MAX_DEPTH;

	while (ok && d != NULL && (e = readdir(d)) != NULL) {
		char *r, *full;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = rel[0] ? xpv_asprintf("%s/%s", rel, e->d_name) : xpv_strdup(e->d_name);
		full = xpv_asprintf("%s/%s", dir, r);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			ok = list_files(dir, r, out, n, depth + 1);
			free(r);
		} else if (*n >= MAX_ENTRIES) {
			ok = false;
			free(r);
		} else {
			*out = xpv_realloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = r;
		}
		free(full);
	}
	if (d != NULL)
		closedir(d);
	free(path);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_manifest(const char *dir)
{
	char **files = NULL, *text = xpv_strdup("");
	size_t n = 0;
	int rc;

	list_files(dir, "", &files, &n, 0);
	qsort(files, n, sizeof(*files), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *hex = file_sha256(dir, files[i]), *next;

		next = xpv_asprintf("%s%s  %s\n", text, hex ? hex : "", files[i]);
		free(text);
		text = next;
		free(hex);
		free(files[i]);
	}
	free(files);
	rc = put(dir, MANIFEST, text, strlen(text));
	free(text);
	return rc;
}

static int write_archive(const char *archive_path, const char *dir)
{
	struct archive *a = archive_write_new();
	char **files = NULL, *top = strrchr(dir, '/') ? xpv_strdup(strrchr(dir, '/') + 1) : xpv_strdup(dir);
	size_t n = 0;
	int rc = 0;

	list_files(dir, "", &files, &n, 0);
	qsort(files, n, sizeof(*files), cmp_str);
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, archive_path) != ARCHIVE_OK)
		rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", archive_path, archive_error_string(a));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *full = xpv_asprintf("%s/%s", dir, files[i]), *name = xpv_asprintf("%s/%s", top, files[i]);
		char *data = NULL;
		size_t len = 0;
		struct archive_entry *e = archive_entry_new();

		if (xpv_read_file(&data, &len, full, 1u << 30) < 0) {
			rc = XPV_EIO;
		} else {
			archive_entry_set_pathname(e, name);
			archive_entry_set_size(e, (la_int64_t)len);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_mtime(e, (time_t)(xpv_now_us() / 1000000), 0);
			if (archive_write_header(a, e) != ARCHIVE_OK || archive_write_data(a, data, len) != (la_ssize_t)len)
				rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", archive_path, archive_error_string(a));
		}
		archive_entry_free(e);
		free(data);
		free(full);
		free(name);
	}
	if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
		rc = xpv_error_set(XPV_EIO, "cannot write %s: %s", archive_path, archive_error_string(a));
	archive_write_free(a);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(top);
	if (rc < 0)
		unlink(archive_path);
	return rc;
}

static const char *ssl_error(void)
{
	static _Thread_local char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return "no detail";
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}

/* MANIFEST.sha256.p7s: a detached CMS signature of the manifest (DER), as
 * `openssl cms -verify -binary -inform DER -content MANIFEST.sha256` reads it. */
static int sign_manifest(const char *dir, const struct xpv_scenario *sc)
{
	char *mpath = xpv_asprintf("%s/%s", dir, MANIFEST), *spath = xpv_asprintf("%s/%s", dir, SIGNATURE);
	BIO *kb = BIO_new_file(sc->reports.signing_key, "r"), *cb = BIO_new_file(sc->reports.signing_cert, "r");
	BIO *content = BIO_new_file(mpath, "rb"), *out = NULL;
	const char *pass = sc->reports.signing_passphrase.value;
	EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, (void *)(pass ? pass : "")) : NULL;
	X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	CMS_ContentInfo *cms = NULL;
	int rc = 0;

	ERR_clear_error();
	if (key == NULL) {
		rc = xpv_error_set(XPV_EIO, "cannot read the signing key %s: %s", sc->reports.signing_key, ssl_error());
		goto out;
	}
	if (cert == NULL || X509_check_private_key(cert, key) != 1) {
		rc = xpv_error_set(XPV_EIO, "the signing certificate %s does not go with the key", sc->reports.signing_cert);
		goto out;
	}
	cms = content ? CMS_sign(cert, key, NULL, content, CMS_DETACHED | CMS_BINARY) : NULL;
	out = cms ? BIO_new_file(spath, "wb") : NULL;
	if (out == NULL || i2d_CMS_bio(out, cms) != 1 || BIO_flush(out) != 1)
		rc = xpv_error_set(XPV_EIO, "cannot sign %s: %s", mpath, ssl_error());
out:
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	X509_free(cert);
	EVP_PKEY_free(key);
	BIO_free(kb);
	BIO_free(cb);
	BIO_free(content);
	free(mpath);
	free(spath);
	return rc;
}

/* Checks the signature in `dir` against the CA file: NULL when it
 * verifies, else why. */
static char *check_signature(const char *dir, const char *ca_file)
{
	char *mpath = xpv_asprintf("%s/%s", dir, MANIFEST), *spath = xpv_asprintf("%s/%s", dir, SIGNATURE);
	BIO *sig = BIO_new_file(spath, "rb"), *content = BIO_new_file(mpath, "rb");
	CMS_ContentInfo *cms = sig ? d2i_CMS_bio(sig, NULL) : NULL;
	X509_STORE *store = X509_STORE_new();
	char *why = NULL;

	ERR_clear_error();
	if (sig == NULL)
		why = xpv_strdup("missing (the archive is not signed)");
	else if (cms == NULL)
		why = xpv_asprintf("unreadable: %s", ssl_error());
	else if (store == NULL || X509_STORE_load_file(store, ca_file) != 1)
		why = xpv_asprintf("cannot read the CA file %s", ca_file);
	else if (content == NULL || CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY) != 1)
		why = xpv_asprintf("does not verify: %s", ssl_error());
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	BIO_free(sig);
	BIO_free(content);
	free(mpath);
	free(spath);
	return why;
}

#define MAX_COPY_NODES 20000

/* A YAML node as JSON, every scalar a string (as written), the value of
 * every `password` key replaced, everything else redacted; at most
 * `*budget` nodes (aliases can make a small file a large tree). */
static json_t *yaml_copy(struct xpv_yaml *Y, yaml_node_t *n, bool secret, long *budget)
{
	json_t *out;

	if (n == NULL || --*budget < 0)
		return json_string("[too large]");
	if (n->type == YAML_SCALAR_NODE) {
		char *red;

		if (secret)
			return json_string("[REDACTED]");
		red = xpv_redact((const char *)n->data.scalar.value);
		out = json_string(red);
		free(red);
		return out ? out : json_string("[not UTF-8]");
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		out = json_array();
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
			json_array_append_new(out, yaml_copy(Y, xpv_yaml_node(Y, *i), secret, budget));
		return out;
	}
	out = json_object();
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = xpv_yaml_node(Y, p->key);
		const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
		char *red = xpv_redact(key);

		json_object_set_new(out, red, yaml_copy(Y, xpv_yaml_node(Y, p->value),
							 secret || strcmp(key, "password") == 0, budget));
		free(red);
	}
	return out;
}

/* The scenario from its parsed document, secrets replaced: never the text
 * searched for the secrets' values (quoting and escapes change them). */
static json_t *scenario_copy(const char *path)
{
	struct xpv_diags d = { 0 };
	struct xpv_yaml Y;
	yaml_node_t *root = xpv_yaml_open(&Y, &d, path, NULL, NULL);
	long budget = MAX_COPY_NODES;
	json_t *out = root ? yaml_copy(&Y, root, false, &budget) : json_null();

	xpv_yaml_close(&Y);
	xpv_diags_clear(&d);
	return out;
}

static char *environment_json(const struct xpv_run *run)
{
	const struct xpv_scenario *sc = run->sc;
	char *text = NULL, *sha, *out, start[48], end[48];
	size_t len = 0;
	struct utsname u;
	json_t *doc, *red;

	if (xpv_read_file(&text, &len, sc->file, 16u << 20) < 0)
		text = xpv_strdup("");
	sha = sha256_hex(text, len);
	/* the scenario as loaded, its secrets removed */
	red = scenario_copy(sc->file);
	uname(&u);
	xpv_format_time(start, sizeof(start), run->start_us, XPV_TIME_ISO_US);
	xpv_format_time(end, sizeof(end), run->end_us, XPV_TIME_ISO_US);
	doc = json_pack("{s:{s:s,s:s},s:s,s:s,s:s,s:o,s:s,s:s,s:b,s:{s:s,s:s,s:s,s:s}}", "harness", "name", "xpverify",
			"version", XPV_VERSION, "run_id", run->run_id, "scenario_file", sc->file, "scenario_sha256", sha,
			"scenario", red, "started_utc", start, "finished_utc", end, "aborted", run->aborted, "machine",
			"hostname", run->hostname, "system", u.sysname, "release", u.release, "arch", u.machine);
	out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	free(text);
	free(sha);
	return out;
}

int xpv_evidence_write(char **dir_out, char **archive_out, const struct xpv_run *run, const char *root)
{
	char *dir = xpv_asprintf("%s/xpverify-evidence-%s", root, run->run_id);
	char *archive = xpv_asprintf("%s.tar.gz", dir), *csv = NULL, *env = NULL;
	json_t *doc = NULL;
	int rc;

	*dir_out = *archive_out = NULL;
	rc = xpv_mkdir_p(root);
	if (rc == 0 && mkdir(dir, 0755) != 0)
		rc = xpv_error_set(XPV_EIO, "cannot create %s: %s", dir, strerror(errno));
	if (rc < 0)
		goto out;
	doc = xpv_report_document(run);
	rc = put_report(dir, "results.json", &xpv_reporter_json, doc);
	if (rc == 0)
		rc = put_report(dir, "junit.xml", &xpv_reporter_junit, doc);
	if (rc == 0)
		rc = put_report(dir, "report.html", &xpv_reporter_html, doc);
	for (size_t i = 0; rc == 0 && i < xpv_evidence_count(run->evidence); i++) {
		size_t len;
		const char *text = xpv_evidence_text(run->evidence, i, &len);

		rc = put(dir, xpv_evidence_name(run->evidence, i), text, len);
	}
	csv = timeline_csv(doc);
	env = environment_json(run);
	if (rc == 0)
		rc = put(dir, "timeline.csv", csv, strlen(csv));
	if (rc == 0)
		rc = put(dir, "environment.json", env, strlen(env));
	if (rc == 0)
		rc = write_manifest(dir);
	if (rc == 0 && run->sc->reports.signing_key != NULL)
		rc = sign_manifest(dir, run->sc);
	if (rc == 0)
		rc = write_archive(archive, dir);
	if (rc == 0) {
		*dir_out = dir;
		*archive_out = archive;
		dir = archive = NULL;
	} else if (dir != NULL && archive != NULL) {
		/* no half-written evidence: an auditor must not take it for a whole */
		xpv_remove_tree(archive);
		xpv_remove_tree(dir);
	}
out:
	json_decref(doc);
	free(csv);
	free(env);
	free(dir);
	free(archive);
	return rc;
}

/* ---- verification --------------------------------------------------------- */

static int verify_dir(const char *dir, const char *ca_file, FILE *out)
{
	char *manifest = xpv_asprintf("%s/%s", dir, MANIFEST), *text = NULL, *save = NULL;
	char **listed = NULL, **present = NULL;
	size_t n_listed = 0, n_present = 0, line_no = 0;
	int altered = 0, rc;

	if (xpv_read_file(&text, NULL, manifest, 16u << 20) < 0) {
		rc = xpv_error_set(XPV_EIO, "%s: no %s: not an evidence directory", dir, MANIFEST);
		goto out;
	}
	for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *path, *hex;
		size_t k;

		line_no++;
		/* coreutils: 64 hex digits, two spaces, the path */
		for (k = 0; k < 64 && strchr("0123456789abcdef", line[k]) != NULL && line[k] != '\0'; k++)
			;
		if (k != 64 || strncmp(line + 64, "  ", 2) != 0 || line[66] == '\0') {
			rc = xpv_error_set(XPV_EPROTO, "%s:%zu: not a sha256sum line", manifest, line_no);
			goto out;
		}
		path = line + 66;
		/* a manifest names files of its own directory, and nothing else:
		 * never a hash oracle on the files of this machine */
		if (!confined(path)) {
			rc = xpv_error_set(XPV_EPROTO, "%s:%zu: the path '%s' leaves the evidence directory", manifest,
					   line_no, path);
			goto out;
		}
		if (n_listed >= MAX_ENTRIES) {
			rc = xpv_error_set(XPV_EPROTO, "%s: more than %d files listed", manifest, MAX_ENTRIES);
			goto out;
		}
		listed = xpv_realloc(listed, (n_listed + 1) * sizeof(*listed));
		listed[n_listed++] = xpv_strdup(path);
		hex = file_sha256(dir, path);
		if (hex == NULL) {
			fprintf(out, "missing: %s\n", path);
			altered = 1;
		} else if (strncmp(hex, line, 64) != 0) {
			fprintf(out, "changed: %s\n", path);
			altered = 1;
		}
		free(hex);
	}
	if (ca_file != NULL) {
		char *why = check_signature(dir, ca_file);

		if (why != NULL) {
			fprintf(out, "signature: %s\n", why);
			altered = 1;
		}
		free(why);
	}
	if (!list_files(dir, "", &present, &n_present, 0)) {
		rc = xpv_error_set(XPV_EPROTO, "%s: more than %d files, or deeper than %d levels: not an evidence directory",
				   dir, MAX_ENTRIES, MAX_DEPTH);
		goto out;
	}
	/* sorted once, searched: linear in the number of files, not square */
	if (n_listed > 0)
		qsort(listed, n_listed, sizeof(*listed), cmp_str);
	for (size_t i = 0; i < n_present; i++) {
		bool known = strcmp(present[i], MANIFEST) == 0 || strcmp(present[i], SIGNATURE) == 0 ||
			     (n_listed > 0 && bsearch(&present[i], listed, n_listed, sizeof(*listed), cmp_str) != NULL);

		if (!known) {
			fprintf(out, "added: %s\n", present[i]);
			altered = 1;
		}
	}
	rc = altered;
out:
	for (size_t i = 0; i < n_listed; i++)
		free(listed[i]);
	free(listed);
	for (size_t i = 0; i < n_present; i++)
		free(present[i]);
	free(present);
	free(text);
	free(manifest);
	return rc;
}

int xpv_evidence_verify(const char *path, const char *ca_file, FILE *out)
{
	struct stat st;
	struct archive *a;
	struct archive_entry *e;
	char *tmp, *top = NULL, *cwd;
	uintmax_t total = 0;
	long entries = 0;
	int rc = 0, r;

	if (stat(path, &st) != 0)
		return xpv_error_set(XPV_EIO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return verify_dir(path, ca_file, out);
	/* an archive: unpack it safely, then verify what it holds */
	tmp = xpv_strdup("/tmp/xpverify-verify-XXXXXX");
	if (getenv("TMPDIR") != NULL) {
		free(tmp);
		tmp = xpv_asprintf("%s/xpverify-verify-XXXXXX", getenv("TMPDIR"));
	}
	if (mkdtemp(tmp) == NULL) {
		rc = xpv_error_set(XPV_EIO, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	cwd = getcwd(NULL, 0);
	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK || chdir(tmp) != 0) {
		rc = xpv_error_set(XPV_EPROTO, "%s: not an evidence archive: %s", path, archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const char *slash = name ? strchr(name, '/') : NULL;
		mode_t type = archive_entry_filetype(e);
		la_int64_t size = archive_entry_size(e);

		/* regular files and directories, within bounds: nothing else is
		 * unpacked (no link, FIFO, device, sparse giant or deep tree) */
		char *bare = name ? xpv_strdup(name) : NULL;
		bool inside;

		/* a directory entry ends with '/' */
		if (bare != NULL && bare[0] != '\0' && bare[strlen(bare) - 1] == '/' && type == AE_IFDIR)
			bare[strlen(bare) - 1] = '\0';
		inside = bare != NULL && confined(bare);
		free(bare);
		if (!inside || (type != AE_IFREG && type != AE_IFDIR) ||
		    archive_entry_hardlink(e) != NULL || archive_entry_sparse_count(e) > 0) {
			rc = xpv_error_set(XPV_EPROTO, "%s: not an evidence archive: entry '%s' is not a plain file or "
						       "directory inside it",
					   path, name ? name : "");
			goto out;
		}
		if (++entries > MAX_ENTRIES || size < 0 || (uintmax_t)size > MAX_ENTRY_BYTES ||
		    (total += (uintmax_t)size) > MAX_TOTAL_BYTES) {
			rc = xpv_error_set(XPV_EPROTO, "%s: not an evidence archive: larger than %d files, %u MiB a file or "
						       "%u MiB in all",
					   path, MAX_ENTRIES, MAX_ENTRY_BYTES >> 20, MAX_TOTAL_BYTES >> 20);
			goto out;
		}

		if (top == NULL && slash != NULL)
			top = strndup(name, (size_t)(slash - name));
		if (archive_read_extract(a, e, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						       ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS) != ARCHIVE_OK) {
			rc = xpv_error_set(XPV_EPROTO, "%s: cannot unpack %s: %s", path, name, archive_error_string(a));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF || top == NULL) {
		rc = xpv_error_set(XPV_EPROTO, "%s: not an evidence archive: %s", path,
				   r != ARCHIVE_EOF ? archive_error_string(a) : "no evidence directory in it");
		goto out;
	}
	if (chdir(cwd) != 0) {
		rc = xpv_error_set(XPV_EIO, "cannot return to %s", cwd);
		goto out;
	}
	{
		char *dir = xpv_asprintf("%s/%s", tmp, top);

		rc = verify_dir(dir, ca_file, out);
		free(dir);
	}
out:
	if (cwd != NULL && chdir(cwd) != 0)
		rc = xpv_error_set(XPV_EIO, "cannot return to the working directory");
	archive_read_free(a);
	xpv_remove_tree(tmp);
	free(tmp);
	free(top);
	free(cwd);
	return rc;
}
