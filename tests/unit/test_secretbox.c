/* secretbox: round trip, the text format, tamper detection, wrong keys, and the rotation
 * case (old and new keys side by side, each value opened by the key its id names); then
 * `chatlings admin rotate-token-key` against a real PostgreSQL (TEST_DATABASE_URL, migrated;
 * skipped when unset). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/secretbox.h"

/* base64 of 32 bytes: "chatlings-development-token-key!" and two others */
#define KEY_A "Y2hhdGxpbmdzLWRldmVsb3BtZW50LXRva2VuLWtleSE="
#define KEY_B "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
#define KEY_C "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="

static const char TOKEN[] = "1//0gLong-lived-refresh-token_with.odd+chars/==";

static char *seal(const secretbox_t *sb, const char *plain)
{
    size_t n = secretbox_sealed_size(strlen(plain));
    char *out = malloc(n);
    assert_non_null(out);
    assert_int_equal(secretbox_seal(sb, plain, strlen(plain), out, n), 0);
    assert_int_equal(strlen(out) + 1, n);
    return out;
}

static void test_keys(void **state)
{
    secretbox_key_t k;
    char err[200];
    secretbox_t sb;
    assert_int_equal(secretbox_key_from_base64(&k, KEY_A), 0);
    assert_int_equal(strlen(k.id), SECRETBOX_KEYID_LEN);
    /* keyid = first 8 hex of SHA-256(key) */
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)"chatlings-development-token-key!", 32);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_memory_equal(k.id, hex, 8);
    /* padding optional, URL-safe accepted */
    secretbox_key_t k2;
    assert_int_equal(secretbox_key_from_base64(&k2, "Y2hhdGxpbmdzLWRldmVsb3BtZW50LXRva2VuLWtleSE"), 0);
    assert_string_equal(k.id, k2.id);
    /* wrong sizes, not base64, empty */
    assert_int_equal(secretbox_key_from_base64(&k, "c2hvcnQ="), -1);
    assert_int_equal(secretbox_key_from_base64(&k, "not base64 at all!!"), -1);
    assert_int_equal(secretbox_key_from_base64(&k, ""), -1);
    assert_int_equal(secretbox_key_from_base64(&k, NULL), -1);
    assert_int_equal(secretbox_init(&sb, "", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "CHATLINGS_TOKEN_KEY"));
    assert_int_equal(secretbox_init(&sb, KEY_A, "bogus", err, sizeof err), -1);
    assert_non_null(strstr(err, "CHATLINGS_TOKEN_KEY_OLD"));
    assert_int_equal(secretbox_init(&sb, KEY_A, "", err, sizeof err), 0);
    assert_false(sb.has_old);
    secretbox_wipe(&sb);
}

static void test_round_trip(void **state)
{
    secretbox_t sb;
    char err[200];
    assert_int_equal(secretbox_init(&sb, KEY_A, NULL, err, sizeof err), 0);
    char *s1 = seal(&sb, TOKEN);
    char *s2 = seal(&sb, TOKEN);
    /* format: v1.<8 hex>.<base64url>, and a fresh nonce every time */
    assert_memory_equal(s1, "v1.", 3);
    assert_memory_equal(s1 + 3, sb.current.id, 8);
    assert_int_equal(s1[11], '.');
    for (const char *p = s1 + 12; *p; p++)
        assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p) != NULL);
    assert_string_not_equal(s1, s2);
    assert_null(strstr(s1, "refresh"));

    char out[128];
    size_t len = 0;
    assert_int_equal(secretbox_open(&sb, s1, out, sizeof out, &len), 0);
    assert_int_equal(len, strlen(TOKEN));
    assert_string_equal(out, TOKEN);
    assert_int_equal(secretbox_open(&sb, s2, out, sizeof out, &len), 0);
    assert_string_equal(out, TOKEN);
    /* out must hold the plaintext and its NUL */
    assert_int_equal(secretbox_open(&sb, s1, out, strlen(TOKEN), &len), -1);
    assert_int_equal(secretbox_open(&sb, s1, out, strlen(TOKEN) + 1, &len), 0);
    /* empty plaintext */
    char *e = seal(&sb, "");
    assert_int_equal(secretbox_open(&sb, e, out, sizeof out, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    /* too small an output buffer for sealing */
    char tiny[20];
    assert_int_equal(secretbox_seal(&sb, TOKEN, strlen(TOKEN), tiny, sizeof tiny), -1);
    free(s1);
    free(s2);
    free(e);
    secretbox_wipe(&sb);
}

static void test_tamper(void **state)
{
    secretbox_t sb;
    char err[200], out[128];
    size_t len;
    assert_int_equal(secretbox_init(&sb, KEY_A, NULL, err, sizeof err), 0);
    char *s = seal(&sb, TOKEN);
    size_t n = strlen(s);
    /* flip every character of the payload in turn: each must fail authentication */
    for (size_t i = 12; i < n; i++) {
        char saved = s[i];
        s[i] = saved == 'A' ? 'B' : 'A';
        if (secretbox_open(&sb, s, out, sizeof out, &len) == 0)
            fail_msg("tampered byte %zu accepted", i);
        s[i] = saved;
    }
    assert_int_equal(secretbox_open(&sb, s, out, sizeof out, &len), 0);
    /* truncated, extended, and malformed envelopes */
    char *t = strdup(s);
    t[n - 4] = '\0';
    assert_int_equal(secretbox_open(&sb, t, out, sizeof out, &len), -1);
    free(t);
    char longer[512];
    snprintf(longer, sizeof longer, "%sAAAA", s);
    assert_int_equal(secretbox_open(&sb, longer, out, sizeof out, &len), -1);
    const char *bad[] = {"", "v1", "v1.", "v2.00000000.AAAA", "v1.zzzzzzzz.AAAA", "v1.0000000.AAAA", "plain-token",
                         "v1.00000000.", "v1.00000000.!!!!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(secretbox_open(&sb, bad[i], out, sizeof out, &len), -1);
    /* the key id of another value swapped in: still refused */
    char swapped[512];
    snprintf(swapped, sizeof swapped, "v1.%s.%s", "0000abcd", s + 12);
    assert_int_equal(secretbox_open(&sb, swapped, out, sizeof out, &len), -1);
    free(s);
    secretbox_wipe(&sb);
}

static void test_wrong_key(void **state)
{
    secretbox_t a, b;
    char err[200], out[128];
    size_t len;
    assert_int_equal(secretbox_init(&a, KEY_A, NULL, err, sizeof err), 0);
    assert_int_equal(secretbox_init(&b, KEY_B, NULL, err, sizeof err), 0);
    char *s = seal(&a, TOKEN);
    assert_int_equal(secretbox_open(&b, s, out, sizeof out, &len), -1); /* unknown key id */
    /* a different key that claims the same id (forged id): authentication fails */
    secretbox_t forged = b;
    memcpy(forged.current.id, a.current.id, sizeof forged.current.id);
    assert_int_equal(secretbox_open(&forged, s, out, sizeof out, &len), -1);
    free(s);
    secretbox_wipe(&a);
    secretbox_wipe(&b);
}

static void test_rotation(void **state)
{
    secretbox_t before, during, after, unrelated;
    char err[200], out[128], id[SECRETBOX_KEYID_LEN + 1];
    size_t len;
    assert_int_equal(secretbox_init(&before, KEY_A, NULL, err, sizeof err), 0);
    assert_int_equal(secretbox_init(&during, KEY_B, KEY_A, err, sizeof err), 0);
    assert_int_equal(secretbox_init(&after, KEY_B, NULL, err, sizeof err), 0);
    assert_int_equal(secretbox_init(&unrelated, KEY_C, KEY_B, err, sizeof err), 0);
    assert_true(during.has_old);
    assert_string_not_equal(before.current.id, during.current.id);

    char *old_value = seal(&before, "old-token");
    char *new_value = seal(&during, "new-token");
    assert_int_equal(secretbox_key_id(old_value, id), 0);
    assert_string_equal(id, before.current.id);
    assert_int_equal(secretbox_key_id(new_value, id), 0);
    assert_string_equal(id, during.current.id);
    assert_int_equal(secretbox_key_id("nope", id), -1);

    /* during the rotation both open, each with the key its id names */
    assert_false(secretbox_is_current(&during, old_value));
    assert_true(secretbox_is_current(&during, new_value));
    assert_int_equal(secretbox_open(&during, old_value, out, sizeof out, &len), 0);
    assert_string_equal(out, "old-token");
    assert_int_equal(secretbox_open(&during, new_value, out, sizeof out, &len), 0);
    assert_string_equal(out, "new-token");

    /* re-encrypting the old value the way `admin rotate-token-key` does */
    assert_int_equal(secretbox_open(&during, old_value, out, sizeof out, &len), 0);
    char *rotated = seal(&during, out);
    assert_true(secretbox_is_current(&during, rotated));

    /* once the old key is dropped, only re-encrypted values still open */
    assert_int_equal(secretbox_open(&after, old_value, out, sizeof out, &len), -1);
    assert_int_equal(secretbox_open(&after, rotated, out, sizeof out, &len), 0);
    assert_string_equal(out, "old-token");
    /* the old key opens only its own values (B is old here, A is unknown) */
    assert_int_equal(secretbox_open(&unrelated, new_value, out, sizeof out, &len), 0);
    assert_int_equal(secretbox_open(&unrelated, old_value, out, sizeof out, &len), -1);
    free(old_value);
    free(new_value);
    free(rotated);
    secretbox_wipe(&before);
    secretbox_wipe(&during);
    secretbox_wipe(&after);
    secretbox_wipe(&unrelated);
}

/* ---- rotate-token-key against the database ---- */

static PGresult *q(PGconn *db, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    return r;
}

static char *column(PGconn *db, const char *sql, const char *param)
{
    const char *p[] = {param};
    PGresult *r = q(db, sql, 1, p);
    assert_int_equal(PQntuples(r), 1);
    char *v = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static int run_rotate(void)
{
    config_t cfg;
    char err[512];
    if (config_load(&cfg, err, sizeof err))
        fail_msg("config: %s", err);
    char *argv[] = {"admin", "rotate-token-key", NULL};
    return cmd_admin(2, argv, &cfg);
}

static void test_rotate_command(void **state)
{
    const char *url = getenv("TEST_DATABASE_URL");
    if (!url || !*url) {
        skip();
        return;
    }
    PGconn *db = PQconnectdb(url);
    if (PQstatus(db) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(db));
    setenv("DATABASE_URL", url, 1);
    if (getenv("TEST_REDIS_URL"))
        setenv("REDIS_URL", getenv("TEST_REDIS_URL"), 1);
    setenv("CHATLINGS_ENV", "development", 1);

    secretbox_t old_ring, new_ring, other_ring;
    char err[200], name[3][32], ids[3][40];
    assert_int_equal(secretbox_init(&old_ring, KEY_A, NULL, err, sizeof err), 0);
    assert_int_equal(secretbox_init(&new_ring, KEY_B, NULL, err, sizeof err), 0);
    assert_int_equal(secretbox_init(&other_ring, KEY_C, NULL, err, sizeof err), 0);
    char *old_refresh = seal(&old_ring, "refresh-under-old"), *old_access = seal(&old_ring, "access-under-old");
    char *cur_refresh = seal(&new_ring, "refresh-under-new");
    char *lost_refresh = seal(&other_ring, "refresh-under-unknown");
    const char *refresh[3] = {old_refresh, cur_refresh, lost_refresh};
    const char *access[3] = {old_access, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        snprintf(name[i], sizeof name[i], "rot%d_%d", i, (int)getpid() % 100000);
        const char *p[] = {name[i]};
        PGresult *r = q(db, "INSERT INTO users (username) VALUES ($1) RETURNING id", 1, p);
        snprintf(ids[i], sizeof ids[i], "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        const char *c[] = {ids[i], refresh[i], access[i]};
        PQclear(q(db, "INSERT INTO youtube_connections (user_id, refresh_token_enc, access_token_enc) VALUES ($1, $2, $3)",
                  3, c));
    }

    /* without the old key the command refuses to start */
    setenv("CHATLINGS_TOKEN_KEY", KEY_B, 1);
    unsetenv("CHATLINGS_TOKEN_KEY_OLD");
    assert_int_equal(run_rotate(), 2);

    /* the value under an unknown key is reported (exit 1) and left alone; the rest rotate */
    setenv("CHATLINGS_TOKEN_KEY_OLD", KEY_A, 1);
    assert_int_equal(run_rotate(), 1);
    char *r0 = column(db, "SELECT refresh_token_enc FROM youtube_connections WHERE user_id = $1", ids[0]);
    char *a0 = column(db, "SELECT access_token_enc FROM youtube_connections WHERE user_id = $1", ids[0]);
    char *r1 = column(db, "SELECT refresh_token_enc FROM youtube_connections WHERE user_id = $1", ids[1]);
    char *r2 = column(db, "SELECT refresh_token_enc FROM youtube_connections WHERE user_id = $1", ids[2]);
    char out[128];
    size_t len;
    assert_true(secretbox_is_current(&new_ring, r0));
    assert_int_equal(secretbox_open(&new_ring, r0, out, sizeof out, &len), 0); /* the new key alone opens it */
    assert_string_equal(out, "refresh-under-old");
    assert_int_equal(secretbox_open(&new_ring, a0, out, sizeof out, &len), 0);
    assert_string_equal(out, "access-under-old");
    assert_string_equal(r1, cur_refresh); /* already current: untouched */
    assert_string_equal(r2, lost_refresh);
    char *audit = column(db, "SELECT count(*) FROM audit_log WHERE action = $1 AND actor_user_id IS NULL",
                         "rotate_token_key");
    assert_true(atoi(audit) >= 1);

    /* with the unreadable value gone, a second run has nothing of ours to do; it succeeds
     * unless rows of other tests (a shared database) are left under some other key */
    const char *gone[] = {ids[2]};
    PQclear(q(db, "DELETE FROM youtube_connections WHERE user_id = $1", 1, gone));
    char pattern[32];
    snprintf(pattern, sizeof pattern, "v1.%s.%%", new_ring.current.id);
    char *foreign = column(db,
                           "SELECT count(*) FROM youtube_connections WHERE refresh_token_enc NOT LIKE $1"
                           " OR access_token_enc NOT LIKE $1",
                           pattern);
    assert_int_equal(run_rotate(), atoi(foreign) > 0 ? 1 : 0);
    free(foreign);
    char *r0b = column(db, "SELECT refresh_token_enc FROM youtube_connections WHERE user_id = $1", ids[0]);
    assert_string_equal(r0b, r0);

    for (int i = 0; i < 3; i++) {
        const char *p[] = {ids[i]};
        PQclear(q(db, "DELETE FROM users WHERE id = $1", 1, p)); /* cascades to the connection */
    }
    free(r0), free(a0), free(r1), free(r2), free(r0b), free(audit);
    free(old_refresh), free(old_access), free(cur_refresh), free(lost_refresh);
    secretbox_wipe(&old_ring);
    secretbox_wipe(&new_ring);
    secretbox_wipe(&other_ring);
    PQfinish(db);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),      cmocka_unit_test(test_round_trip), cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_wrong_key), cmocka_unit_test(test_rotation), cmocka_unit_test(test_rotate_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
