/* Errors, text cleaning, time formats, atomic writes, secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "cluster.h"
#include "secrets.h"
#include "util.h"
#include "safekit.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_every_error_code_has_a_string(void **state)
{
	(void)state;
	for (int code = 0; code >= XPV_ERR_LAST; code--) {
		const char *s = xpv_strerror(code);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		/* lowercase, no full stop (style) */
		assert_false(s[0] >= 'A' && s[0] <= 'Z');
		assert_int_not_equal(s[strlen(s) - 1], '.');
		for (int other = code - 1; other >= XPV_ERR_LAST; other--)
			assert_string_not_equal(s, xpv_strerror(other));
	}
	assert_string_equal(xpv_strerror(XPV_ERR_LAST - 1), "unknown error");
}

static void test_last_error(void **state)
{
	(void)state;
	xpv_error_clear();
	assert_int_equal(xpv_error_set(XPV_EIO, "cannot read %s", "x"), XPV_EIO);
	assert_string_equal(xpv_error_last(), "cannot read x");
	xpv_error_clear();
	assert_string_equal(xpv_error_last(), "no error");
}

static void test_text_clean(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "tab\tnl\ncr\r", "tab\tnl\ncr\r" },
		{ "bell\x07", "bell\xEF\xBF\xBD" },
		{ "nul-free \x1b[31m", "nul-free \xEF\xBF\xBD[31m" },
		{ "caf\xC3\xA9", "caf\xC3\xA9" },                        /* valid 2-byte */
		{ "bad \xC3", "bad \xEF\xBF\xBD" },                       /* truncated */
		{ "bad \xFF\xFE", "bad \xEF\xBF\xBD\xEF\xBF\xBD" },       /* never valid */
		{ "over \xC0\xAF", "over \xEF\xBF\xBD\xEF\xBF\xBD" },     /* overlong */
		{ "sur \xED\xA0\x80", "sur \xEF\xBF\xBD" },               /* UTF-16 surrogate */
		{ "emoji \xF0\x9F\x98\x80", "emoji \xF0\x9F\x98\x80" },   /* 4-byte */
		{ "fffe \xEF\xBF\xBE", "fffe \xEF\xBF\xBD" },             /* not an XML char */
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = xpv_text_clean(cases[i].in);

		assert_string_equal(out, cases[i].out);
		free(out);
	}
	assert_null(xpv_text_clean(NULL));
}

static void test_time_formats(void **state)
{
	char buf[48];
	int64_t us = 1795340771123456LL; /* 2026-11-22T09:46:11.123456Z */

	(void)state;
	xpv_format_time(buf, sizeof(buf), us, XPV_TIME_ISO_US);
	assert_string_equal(buf, "2026-11-22T09:46:11.123456Z");
	xpv_format_time(buf, sizeof(buf), us, XPV_TIME_ISO);
	assert_string_equal(buf, "2026-11-22T09:46:11Z");
	xpv_format_time(buf, sizeof(buf), us, XPV_TIME_JUNIT);
	assert_string_equal(buf, "2026-11-22T09:46:11");
	xpv_format_time(buf, sizeof(buf), us, XPV_TIME_DATE);
	assert_string_equal(buf, "2026-11-22");
}

static int fill_ok(FILE *out, void *arg)
{
	fputs(arg, out);
	return 0;
}

static int fill_fails_midway(FILE *out, void *arg)
{
	(void)arg;
	fputs("half of a new", out);
	return xpv_error_set(XPV_EREPORT, "writer gave up");
}

/* Files in th_tmpdir() whose name starts with `prefix`. */
static int count_files(const char *prefix)
{
	DIR *d = opendir(th_tmpdir());
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void test_atomic_write(void **state)
{
	char *path = th_write("atomic.txt", "old content");
	char *got;
	struct stat st;

	(void)state;
	/* a failing writer leaves the old file and no temporary behind */
	assert_int_equal(xpv_write_atomic(path, fill_fails_midway, NULL), XPV_EREPORT);
	got = th_read(path);
	assert_string_equal(got, "old content");
	free(got);
	assert_int_equal(count_files("atomic.txt"), 1);

	assert_int_equal(xpv_write_atomic(path, fill_ok, "new content"), 0);
	got = th_read(path);
	assert_string_equal(got, "new content");
	free(got);
	assert_int_equal(count_files("atomic.txt"), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* a directory that does not exist: clear error, nothing written */
	assert_int_equal(xpv_write_atomic("/nonexistent-dir/x.txt", fill_ok, "x"), XPV_EIO);
	assert_non_null(strstr(xpv_error_last(), "cannot create /nonexistent-dir/x.txt.tmp."));
	free(path);
}

static void test_mkdir_p(void **state)
{
	char *deep = xpv_asprintf("%s/a/b/c", th_tmpdir());
	char *file = th_write("plainfile", "x");
	char *under_file = xpv_asprintf("%s/sub", file);
	struct stat st;

	(void)state;
	assert_int_equal(xpv_mkdir_p(deep), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(xpv_mkdir_p(deep), 0); /* idempotent */
	assert_int_equal(xpv_mkdir_p(file), XPV_EIO);
	assert_int_equal(xpv_mkdir_p(under_file), XPV_EIO);
	free(deep);
	free(file);
	free(under_file);
}

static void test_paths(void **state)
{
	char *p;

	(void)state;
	p = xpv_dirname("a/b/c.yaml");
	assert_string_equal(p, "a/b");
	free(p);
	p = xpv_dirname("c.yaml");
	assert_string_equal(p, ".");
	free(p);
	p = xpv_dirname("/c.yaml");
	assert_string_equal(p, "/");
	free(p);
	p = xpv_path_join("a/b", "pw.txt");
	assert_string_equal(p, "a/b/pw.txt");
	free(p);
	p = xpv_path_join("a/b", "/etc/pw");
	assert_string_equal(p, "/etc/pw");
	free(p);
	p = xpv_path_join(".", "pw");
	assert_string_equal(p, "pw");
	free(p);
}

static void test_redaction(void **state)
{
	char *out;

	(void)state;
	xpv_secrets_clear();
	xpv_secret_register("pass");
	xpv_secret_register("password123");
	xpv_secret_register("");
	out = xpv_redact("user=admin password123 pass again pass");
	/* the longer secret is hidden whole, not as [REDACTED]word123 */
	assert_string_equal(out, "user=admin [REDACTED] [REDACTED] again [REDACTED]");
	free(out);
	assert_null(xpv_redact(NULL));
	xpv_secrets_clear();
	out = xpv_redact("password123");
	assert_string_equal(out, "password123");
	free(out);
}

/* A password with what real ones have: every form it takes on the wire
 * and in our outputs is hidden. */
static void test_redaction_of_encoded_forms(void **state)
{
	static const char pw[] = "W& <'\"%+\xc3\xa9 x"; /* W& <'"%+é x */
	static const char *const forms[] = {
		"W%26%20%3C%27%22%25%2B%C3%A9%20x",     /* URL-encoded, %20 */
		"W%26+%3C%27%22%25%2B%C3%A9+x",         /* form body, + for a space */
		"W& <'\\\"%+\xc3\xa9 x",                 /* JSON */
		"W& <'\\\"%+\\u00E9 x",                  /* JSON, ASCII only (jansson) */
		"W& <'\\\"%+\\u00e9 x",                  /* JSON, ASCII only (lower case) */
		"W%26%20%3c%27%22%25%2b%c3%a9%20x",     /* URL-encoded, lower case */
		"W&amp; &lt;'&quot;%+\xc3\xa9 x",         /* XML */
		"W&amp; &lt;&apos;&quot;%+\xc3\xa9 x",    /* XML, apostrophe escaped */
		"VyYgPCciJSvDqSB4",                     /* base64 */
		"dTpXJiA8JyIlK8OpIHg=",                 /* Basic: base64 of u:password */
	};

	(void)state;
	xpv_secrets_clear();
	xpv_secret_register(pw);
	xpv_secret_register_basic("u", pw);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char *in = xpv_asprintf("<%s>", forms[i]), *out = xpv_redact(in);

		if (strcmp(out, "<[REDACTED]>") != 0)
			fail_msg("form %zu not redacted: %s", i, out);
		free(out);
		free(in);
	}
	xpv_secrets_clear();
}

/* PowerShell's -EncodedCommand is base64 of UTF-16LE: the conversion both
 * ways, and invalid input refused. */
static void test_iconv_utf16(void **state)
{
	size_t len = 0;
	char *w = xpv_iconv("UTF-16LE", "UTF-8", "Id é", strlen("Id é"), &len), *back;

	(void)state;
	assert_non_null(w);
	assert_int_equal(len, 8);
	assert_memory_equal(w, "I\0d\0 \0\xe9\0", 8);
	back = xpv_iconv("UTF-8", "UTF-16LE", w, len, NULL);
	assert_string_equal(back, "Id é");
	free(back);
	free(w);
	assert_null(xpv_iconv("UTF-16LE", "UTF-8", "\xff\xfe\xfd", 3, NULL));
}

/* A value inside a PowerShell string literal cannot end it: ' and the
 * typographic quotes PowerShell also ends strings with are doubled. */
static void test_ps_quote(void **state)
{
	char *q;

	(void)state;
	q = xpv_ps_quote("ms-role");
	assert_string_equal(q, "'ms-role'");
	free(q);
	q = xpv_ps_quote("x'; Remove-Item C:\\ -Recurse; '");
	assert_string_equal(q, "'x''; Remove-Item C:\\ -Recurse; '''");
	free(q);
	q = xpv_ps_quote("a\xe2\x80\x99" "b\xe2\x80\x98" "c\xe2\x80\x9c" "d");
	assert_string_equal(q, "'a\xe2\x80\x99\xe2\x80\x99" "b\xe2\x80\x98\xe2\x80\x98" "c\xe2\x80\x9c" "d'");
	free(q);
	q = xpv_ps_quote("");
	assert_string_equal(q, "''");
	free(q);
}

/* Nodes are compared with the value most of them have; the first on a tie. */
static void test_majority(void **state)
{
	const char *a[] = { "20348", "17763", "17763" };
	const char *b[] = { "Standard", "Datacenter" };
	const char *c[] = { NULL, "lab.local", "LAB.LOCAL", "other.local" };
	const char *none[] = { NULL, NULL };

	(void)state;
	assert_int_equal(xpv_majority(a, 3, false), 1);
	assert_int_equal(xpv_majority(b, 2, false), 0);
	assert_int_equal(xpv_majority(c, 4, true), 1);
	assert_int_equal(xpv_majority(c, 4, false), 1);
	assert_int_equal(xpv_majority(none, 2, false), 2);
}

/* ServerConfig.xml's elements: text trimmed, a missing element or a broken
 * document named, and no entity fetched from outside. */
static void test_xml_path_text(void **state)
{
	char *why = NULL, *t;

	(void)state;
	t = xpv_xml_path_text("<server>\n  <version>\n 25.1.1804.0 </version>\n</server>", "/server/version", &why);
	assert_string_equal(t, "25.1.1804.0");
	assert_null(why);
	free(t);
	assert_null(xpv_xml_path_text("<server/>", "/server/WebApiConfig/AuthorizationServerUri", &why));
	assert_string_equal(why, "no /server/WebApiConfig/AuthorizationServerUri element");
	free(why);
	assert_null(xpv_xml_path_text("<server><version>1</server>", "/server/version", &why));
	assert_non_null(strstr(why, "not well-formed XML (line 1"));
	free(why);
	t = xpv_xml_path_text("<!DOCTYPE server [<!ENTITY e SYSTEM \"file:///etc/hostname\">]><server><version>&e;</version></server>",
			      "/server/version", &why);
	assert_true(t == NULL || t[0] == '\0');
	free(t);
	free(why);
}

static void test_file_names_from_data(void **state)
{
	char *long_name = xpv_calloc(5001, 1), *a, *b;

	(void)state;
	memset(long_name, 'n', 5000);
	a = xpv_file_name("XPNODE1");
	assert_string_equal(a, "XPNODE1"); /* a plain name stays itself */
	free(a);
	a = xpv_file_name("../../x");
	assert_null(strchr(a, '/'));
	assert_int_equal(a[0], '_');
	free(a);
	a = xpv_file_name("node\nwith\nnewlines");
	assert_null(strchr(a, '\n'));
	b = xpv_file_name("node-with-newlines");
	assert_string_not_equal(a, b); /* the hash keeps them apart */
	free(a);
	free(b);
	a = xpv_file_name(long_name);
	assert_true(strlen(a) <= 64);
	free(a);
	a = xpv_file_name("");
	assert_true(a[0] != '\0');
	free(a);
	free(long_name);
}

static void test_secret_sources(void **state)
{
	char *v = NULL, *path;

	(void)state;
	setenv("XPV_T_SECRET", "from-env", 1);
	assert_int_equal(xpv_secret_from_env(&v, "XPV_T_SECRET"), 0);
	assert_string_equal(v, "from-env");
	xpv_secret_free(v);
	setenv("XPV_T_EMPTY", "", 1);
	assert_int_equal(xpv_secret_from_env(&v, "XPV_T_EMPTY"), XPV_ESECRET);
	assert_string_equal(xpv_error_last(), "environment variable XPV_T_EMPTY is empty");
	unsetenv("XPV_T_NONE");
	assert_int_equal(xpv_secret_from_env(&v, "XPV_T_NONE"), XPV_ESECRET);
	assert_string_equal(xpv_error_last(), "environment variable XPV_T_NONE is not set");

	path = th_write("pw-crlf", "from-file\r\n");
	assert_int_equal(xpv_secret_from_file(&v, path), 0);
	assert_string_equal(v, "from-file");
	xpv_secret_free(v);
	free(path);
	path = th_write("pw-empty", "\n");
	assert_int_equal(xpv_secret_from_file(&v, path), XPV_ESECRET);
	assert_non_null(strstr(xpv_error_last(), "is empty"));
	assert_null(v);
	free(path);
	assert_int_equal(xpv_secret_from_file(&v, "/nonexistent/pw"), XPV_ESECRET);
	assert_string_equal(xpv_error_last(), "cannot read /nonexistent/pw: No such file or directory");
	xpv_secrets_clear();
}

/* What the safekit command prints, read as the SafeKit topology reads it. */
static void test_safekit_output(void **state)
{
	static const struct {
		const char *text, *value;
	} values[] = { { "up\r\n", "up" },		    { "  PRIM  \r\n", "PRIM" },
		       { "state.remote = SECOND\r\n", "SECOND" }, { "rfs.uptodate: down\n", "down" },
		       { "", "" },			    { "\r\n \t", "" } };
	char *first, *v;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		v = xpv_safekit_value(values[i].text);
		assert_string_equal(v, values[i].value);
		free(v);
	}
	assert_int_equal(xpv_safekit_modules("AM\r\n", &first), 1);
	assert_string_equal(first, "AM");
	free(first);
	assert_int_equal(xpv_safekit_modules("\r\n  mirror \r\n\r\nfarm\n", &first), 2);
	assert_string_equal(first, "mirror");
	free(first);
	assert_int_equal(xpv_safekit_modules(" \r\n", &first), 0);
	assert_null(first);
	assert_true(xpv_safekit_name_ok("AM"));
	assert_true(xpv_safekit_name_ok("milestone_v8.2-a"));
	assert_false(xpv_safekit_name_ok(""));
	assert_false(xpv_safekit_name_ok("AM & shutdown /s"));
	assert_false(xpv_safekit_name_ok("a\"b"));
	assert_false(xpv_safekit_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
	{
		char *names[2] = { NULL, NULL };

		assert_int_equal(xpv_safekit_confinfo_nodes("Node Signature Date Lock\r\nrh6server7 6f10 2016-05-20T17:06:45 0\r\n"
							    "\r\n  node2 6f10 2016-05-20T17:06:45 0\n",
							    names, 2),
				 2);
		assert_string_equal(names[0], "rh6server7");
		assert_string_equal(names[1], "node2");
		free(names[0]);
		free(names[1]);
		names[0] = names[1] = NULL;
		assert_int_equal(xpv_safekit_confinfo_nodes("Node Signature Date Lock\na 1 2 0\nb 1 2 0\nc 1 2 0\n", names, 2), 3);
		free(names[0]);
		free(names[1]);
		assert_int_equal(xpv_safekit_confinfo_nodes("Node Signature Date Lock\n", names, 2), 0);
	}
	assert_string_equal(xpv_safekit_state_name(3), "PRIM");
	assert_string_equal(xpv_safekit_state_name(9), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_error_code_has_a_string),
		cmocka_unit_test(test_last_error),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_time_formats),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_redaction_of_encoded_forms),
		cmocka_unit_test(test_file_names_from_data),
		cmocka_unit_test(test_iconv_utf16),
		cmocka_unit_test(test_majority),
		cmocka_unit_test(test_ps_quote),
		cmocka_unit_test(test_xml_path_text),
		cmocka_unit_test(test_secret_sources),
		cmocka_unit_test(test_safekit_output),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
