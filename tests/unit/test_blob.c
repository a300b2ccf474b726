/* blob: name rules, the filesystem driver end to end in a temp dir (put, get, head, list,
 * soft delete and undelete, tiers, lifecycle), and the Azure Shared Key / SAS signing against
 * the documented string-to-sign (Azure's "Authorize with Shared Key" example). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "integrations/azure_blob.h"
#include "store/blob.h"

/* Azurite's published development key (not a secret) */
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

static void test_names(void **state)
{
    (void)state;
    assert_true(blob_name_valid("a"));
    assert_true(blob_name_valid("creatures/0b1c/x.png"));
    assert_true(blob_name_valid("2026-01-01_backup.sql.gz"));
    assert_false(blob_name_valid(""));
    assert_false(blob_name_valid(NULL));
    assert_false(blob_name_valid("/abs"));
    assert_false(blob_name_valid("trailing/"));
    assert_false(blob_name_valid("a//b"));
    assert_false(blob_name_valid("../etc/passwd"));
    assert_false(blob_name_valid("a/../b"));
    assert_false(blob_name_valid("a/./b"));
    assert_false(blob_name_valid(".hidden"));
    assert_false(blob_name_valid("a/.tmp-123"));
    assert_false(blob_name_valid("a\\b"));
    assert_false(blob_name_valid("a b"));
    assert_false(blob_name_valid("a@1"));
    assert_false(blob_name_valid("a%2e%2e"));
    assert_false(blob_name_valid("caf\xc3\xa9"));
    char longname[BLOB_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(blob_name_valid(longname));
    longname[BLOB_NAME_MAX] = '\0';
    assert_true(blob_name_valid(longname));
    assert_true(blob_container_valid("artwork"));
    assert_true(blob_container_valid("logs"));
    assert_false(blob_container_valid("Artwork"));
    assert_false(blob_container_valid("../artwork"));
    assert_string_equal(blob_type_for_name("x/y.PNG"), "image/png");
    assert_string_equal(blob_type_for_name("x.svg"), "image/svg+xml");
    assert_string_equal(blob_type_for_name("x.d/noext"), "application/octet-stream");
}

typedef struct fs_fixture {
    char root[256];
    blob_store_t *bs;
} fs_fixture_t;

static int fs_setup(void **state)
{
    fs_fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/chatlings-test-blob-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char err[256];
    blob_opts_t o = {.driver = "fs", .fs_root = f->root};
    f->bs = blob_open(&o, err, sizeof err);
    assert_non_null(f->bs);
    assert_int_equal(blob_ensure_containers(f->bs, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int fs_teardown(void **state)
{
    fs_fixture_t *f = *state;
    blob_close(f->bs);
    char cmd[320];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int count_cb(const blob_info_t *info, void *arg)
{
    (void)info;
    (*(int *)arg)++;
    return 0;
}

static void test_fs_roundtrip(void **state)
{
    fs_fixture_t *f = *state;
    char err[256];
    blob_info_t put, got, head;
    assert_int_equal(blob_put(f->bs, "artwork", "creatures/abc/art.png", "\x89PNG1234", 8, "image/png", &put, err,
                              sizeof err),
                     0);
    assert_int_equal(put.size, 8);
    assert_true(put.etag[0] == '"');
    buf_t b;
    buf_init(&b, 1 << 20);
    assert_int_equal(blob_get(f->bs, "artwork", "creatures/abc/art.png", &b, &got, err, sizeof err), 0);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "\x89PNG1234", 8);
    assert_string_equal(got.content_type, "image/png");
    assert_string_equal(got.tier, "Hot");
    assert_string_equal(got.etag, put.etag);
    assert_int_equal(blob_head(f->bs, "artwork", "creatures/abc/art.png", &head, err, sizeof err), 0);
    assert_string_equal(head.etag, put.etag);
    assert_int_equal(head.size, 8);

    /* replacing changes the ETag */
    assert_int_equal(blob_put(f->bs, "artwork", "creatures/abc/art.png", "other", 5, NULL, &put, err, sizeof err), 0);
    assert_string_not_equal(put.etag, head.etag);
    assert_int_equal(blob_head(f->bs, "artwork", "creatures/abc/art.png", &head, err, sizeof err), 0);
    assert_string_equal(head.content_type, "image/png"); /* guessed from the name when not given */

    /* bounded reads */
    buf_t small;
    buf_init(&small, 3);
    assert_int_equal(blob_get(f->bs, "artwork", "creatures/abc/art.png", &small, NULL, err, sizeof err), BLOB_ERR);
    buf_free(&small);

    /* invalid input never reaches the disk */
    assert_int_equal(blob_put(f->bs, "nope", "x", "y", 1, NULL, NULL, err, sizeof err), BLOB_INVALID);
    assert_int_equal(blob_put(f->bs, "artwork", "../x", "y", 1, NULL, NULL, err, sizeof err), BLOB_INVALID);
    assert_int_equal(blob_get(f->bs, "artwork", "a/../../etc/passwd", &b, NULL, err, sizeof err), BLOB_INVALID);
    assert_int_equal(blob_get(f->bs, "artwork", "missing.png", &b, NULL, err, sizeof err), BLOB_NOT_FOUND);
    assert_int_equal(blob_put(f->bs, "artwork", "x.txt", "y", 1, "text/plain\r\nX-Evil: 1", NULL, err, sizeof err),
                     BLOB_INVALID);

    /* a symlink planted in the store is not followed */
    char link[400];
    snprintf(link, sizeof link, "%s/artwork/evil.txt", f->root);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    buf_reset(&b);
    assert_int_equal(blob_get(f->bs, "artwork", "evil.txt", &b, NULL, err, sizeof err), BLOB_NOT_FOUND);
    unlink(link);
    /* nor is a directory symlink on the way, for reads or writes */
    char outside[300], dirlink[400];
    snprintf(outside, sizeof outside, "%s-outside", f->root);
    assert_int_equal(mkdir(outside, 0700), 0);
    snprintf(dirlink, sizeof dirlink, "%s/artwork/linked", f->root);
    assert_int_equal(symlink(outside, dirlink), 0);
    char victim[400];
    snprintf(victim, sizeof victim, "%s/secret.txt", outside);
    FILE *vf = fopen(victim, "w");
    fputs("secret", vf);
    fclose(vf);
    buf_reset(&b);
    assert_int_equal(blob_get(f->bs, "artwork", "linked/secret.txt", &b, NULL, err, sizeof err), BLOB_NOT_FOUND);
    assert_int_equal(blob_put(f->bs, "artwork", "linked/new.txt", "x", 1, NULL, NULL, err, sizeof err), BLOB_ERR);
    snprintf(victim, sizeof victim, "%s/new.txt", outside);
    assert_int_equal(access(victim, F_OK), -1);
    assert_int_equal(blob_delete(f->bs, "artwork", "linked/secret.txt", err, sizeof err), BLOB_NOT_FOUND);
    unlink(dirlink);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", outside);
    assert_int_equal(system(cmd), 0);
    buf_free(&b);

    /* listing, with and without a prefix */
    assert_int_equal(blob_put(f->bs, "artwork", "creatures/abd/art.svg", "<svg/>", 6, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(blob_put(f->bs, "artwork", "other.svg", "<svg/>", 6, NULL, NULL, err, sizeof err), 0);
    int n = 0;
    assert_int_equal(blob_list(f->bs, "artwork", NULL, count_cb, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    n = 0;
    assert_int_equal(blob_list(f->bs, "artwork", "creatures/ab", count_cb, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(blob_list(f->bs, "artwork", "creatures/abc/", count_cb, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(blob_list(f->bs, "thumbs", NULL, count_cb, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
}

static void test_fs_soft_delete(void **state)
{
    fs_fixture_t *f = *state;
    char err[256];
    assert_int_equal(blob_put(f->bs, "backups", "db/1.sql.gz", "dump", 4, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(blob_delete(f->bs, "backups", "db/1.sql.gz", err, sizeof err), 0);
    blob_info_t info;
    assert_int_equal(blob_head(f->bs, "backups", "db/1.sql.gz", &info, err, sizeof err), BLOB_NOT_FOUND);
    assert_int_equal(blob_delete(f->bs, "backups", "db/1.sql.gz", err, sizeof err), BLOB_NOT_FOUND);
    int n = 0;
    assert_int_equal(blob_list(f->bs, "backups", NULL, count_cb, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    /* within the retention it comes back, bytes and type intact */
    assert_int_equal(blob_undelete(f->bs, "backups", "db/1.sql.gz", err, sizeof err), 0);
    assert_int_equal(blob_head(f->bs, "backups", "db/1.sql.gz", &info, err, sizeof err), 0);
    assert_int_equal(info.size, 4);
    assert_string_equal(info.content_type, "application/gzip");
    assert_int_equal(blob_undelete(f->bs, "backups", "never.sql", err, sizeof err), BLOB_NOT_FOUND);

    /* deleted again: lifecycle keeps it for 7 days, then purges it */
    assert_int_equal(blob_delete(f->bs, "backups", "db/1.sql.gz", err, sizeof err), 0);
    blob_lifecycle_report_t rep;
    time_t now = time(NULL);
    assert_int_equal(blob_lifecycle_run(f->bs, now + 6 * 86400, &rep, err, sizeof err), 0);
    assert_int_equal(rep.purged, 0);
    assert_int_equal(blob_lifecycle_run(f->bs, now + 8 * 86400, &rep, err, sizeof err), 0);
    assert_int_equal(rep.purged, 1);
    assert_int_equal(blob_undelete(f->bs, "backups", "db/1.sql.gz", err, sizeof err), BLOB_NOT_FOUND);
}

static void test_fs_tiers_lifecycle(void **state)
{
    fs_fixture_t *f = *state;
    char err[256];
    assert_int_equal(blob_put(f->bs, "logs", "2026/01/app.log", "log", 3, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(blob_put(f->bs, "backups", "old.sql", "x", 1, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(blob_put(f->bs, "artwork", "keep.png", "x", 1, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(blob_set_tier(f->bs, "logs", "2026/01/app.log", "Lukewarm", err, sizeof err), BLOB_INVALID);
    assert_int_equal(blob_set_tier(f->bs, "logs", "missing.log", "Cool", err, sizeof err), BLOB_NOT_FOUND);

    blob_lifecycle_report_t rep;
    time_t now = time(NULL);
    assert_int_equal(blob_lifecycle_run(f->bs, now + 89 * 86400, &rep, err, sizeof err), 0);
    assert_int_equal(rep.cooled, 0);
    assert_int_equal(rep.scanned, 2);
    assert_int_equal(blob_lifecycle_run(f->bs, now + 91 * 86400, &rep, err, sizeof err), 0);
    assert_int_equal(rep.cooled, 2);
    blob_info_t info;
    assert_int_equal(blob_head(f->bs, "logs", "2026/01/app.log", &info, err, sizeof err), 0);
    assert_string_equal(info.tier, "Cool");
    assert_string_equal(info.content_type, "text/plain; charset=utf-8");
    assert_int_equal(blob_head(f->bs, "artwork", "keep.png", &info, err, sizeof err), 0);
    assert_string_equal(info.tier, "Hot"); /* only backups and logs cool down */
    /* idempotent */
    assert_int_equal(blob_lifecycle_run(f->bs, now + 91 * 86400, &rep, err, sizeof err), 0);
    assert_int_equal(rep.cooled, 0);
    /* a rewrite is Hot again */
    assert_int_equal(blob_put(f->bs, "backups", "old.sql", "y", 1, NULL, &info, err, sizeof err), 0);
    assert_string_equal(info.tier, "Hot");
}

static void test_shared_key_documented_example(void **state)
{
    (void)state;
    /* GET https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20
     * from the "Authorize with Shared Key" page: its string-to-sign, byte for byte */
    const char *headers[] = {"x-ms-version: 2015-02-21", "X-MS-Date: Fri, 26 Jun 2015 23:39:12 GMT",
                             "Content-Length: 0", NULL};
    buf_t out;
    buf_init(&out, 8192);
    assert_int_equal(azure_blob_string_to_sign("GET", "myaccount", "/mycontainer",
                                               "restype=container&comp=metadata&timeout=20", headers, &out),
                     0);
    const char *want = "GET\n\n\n\n\n\n\n\n\n\n\n\n"
                       "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n"
                       "/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20";
    assert_string_equal(out.data, want);
    /* the HMAC of it under the Azurite key, computed independently with openssl dgst -hmac */
    char sig[64];
    assert_int_equal(azure_blob_sign(DEV_KEY, out.data, out.len, sig, sizeof sig), 0);
    assert_string_equal(sig, "1u9lui2jDxj0+fpbHjQ5m5NnastJRSYM+PSmfi8TXx4=");
    assert_int_equal(azure_blob_sign("not base64!", "x", 1, sig, sizeof sig), -1);

    /* the documented canonicalized resources: repeated parameters sorted and comma-joined,
     * names lower-cased, values decoded; standard headers in their slots */
    buf_reset(&out);
    const char *h2[] = {"Content-Type: image/png", "Content-Length: 5", "x-ms-blob-type: BlockBlob",
                        "x-ms-date: d", "x-ms-version: v", NULL};
    assert_int_equal(
        azure_blob_string_to_sign("PUT", "myaccount", "/mycontainer",
                                  "restype=container&comp=list&include=snapshots&include=metadata&include=uncommittedblobs&Prefix=a%2Fb",
                                  h2, &out),
        0);
    assert_string_equal(out.data, "PUT\n\n\n5\n\nimage/png\n\n\n\n\n\n\n"
                                  "x-ms-blob-type:BlockBlob\nx-ms-date:d\nx-ms-version:v\n"
                                  "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs"
                                  "\nprefix:a/b\nrestype:container");
    /* Azurite's path-style URL keeps the account in the path: it is signed twice */
    buf_reset(&out);
    const char *h3[] = {"x-ms-date: d", "x-ms-version: v", NULL};
    assert_int_equal(azure_blob_string_to_sign("GET", "devstoreaccount1", "/devstoreaccount1/artwork/a.png", "", h3,
                                               &out),
                     0);
    assert_non_null(strstr(out.data, "\n/devstoreaccount1/devstoreaccount1/artwork/a.png"));
    buf_free(&out);
}

static void test_sas(void **state)
{
    (void)state;
    buf_t out;
    buf_init(&out, 4096);
    assert_int_equal(azure_blob_sas_string_to_sign("devstoreaccount1", "artwork", "creatures/x.png", "r",
                                                   "2030-01-01T00:00:00Z", "2021-08-06", &out),
                     0);
    assert_string_equal(out.data, "r\n\n2030-01-01T00:00:00Z\n/blob/devstoreaccount1/artwork/creatures/x.png\n\n\n"
                                  "https,http\n2021-08-06\nb\n\n\n\n\n\n\n");
    char sig[64];
    assert_int_equal(azure_blob_sign(DEV_KEY, out.data, out.len, sig, sizeof sig), 0);
    assert_string_equal(sig, "dOyovfwxdgwkLagBZP8NI27jONz0oNfj2JMJFKlXkQY=");
    buf_free(&out);

    /* a full URL from a store with a key; none from a store without one */
    char err[256], url[2048];
    blob_opts_t o = {.driver = "azure", .account = "devstoreaccount1", .key = DEV_KEY,
                     .endpoint = "http://127.0.0.1:10000/devstoreaccount1"};
    blob_store_t *bs = blob_open(&o, err, sizeof err);
    assert_non_null(bs);
    assert_int_equal(blob_sas_url(bs, "artwork", "creatures/x.png", 1893456000, url, sizeof url, err, sizeof err), 0);
    assert_string_equal(url, "http://127.0.0.1:10000/devstoreaccount1/artwork/creatures/x.png?sv=2021-08-06"
                             "&spr=https%2Chttp&se=2030-01-01T00%3A00%3A00Z&sr=b&sp=r"
                             "&sig=dOyovfwxdgwkLagBZP8NI27jONz0oNfj2JMJFKlXkQY%3D");
    blob_close(bs);
    o.key = NULL;
    bs = blob_open(&o, err, sizeof err);
    assert_non_null(bs);
    assert_int_equal(blob_sas_url(bs, "artwork", "x.png", 1893456000, url, sizeof url, err, sizeof err), BLOB_ERR);
    blob_close(bs);
    /* bad settings are refused at open */
    o.account = "Bad_Account";
    assert_null(blob_open(&o, err, sizeof err));
    o.account = "ok";
    o.key = "%%%";
    assert_null(blob_open(&o, err, sizeof err));
    o.driver = "s3";
    assert_null(blob_open(&o, err, sizeof err));
}

static void test_http_date(void **state)
{
    (void)state;
    char d[40];
    azure_blob_http_date(784111777, d);
    assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_fs_roundtrip, fs_setup, fs_teardown),
        cmocka_unit_test_setup_teardown(test_fs_soft_delete, fs_setup, fs_teardown),
        cmocka_unit_test_setup_teardown(test_fs_tiers_lifecycle, fs_setup, fs_teardown),
        cmocka_unit_test(test_shared_key_documented_example),
        cmocka_unit_test(test_sas),
        cmocka_unit_test(test_http_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
