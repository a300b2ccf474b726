/* test_seed: `chatlings seed` against a real PostgreSQL (TEST_DATABASE_URL; skipped when unset).
 * Works in a scratch database of its own, created and dropped here, whose tables come from the
 * real db/migrations (via migrate_run) when CHATLINGS_SOURCE_DIR points at the source tree, else
 * from the catalogue schema below (the same shape). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "game/catalogue.h"
#include "store/migrate.h"

static const char FALLBACK_SCHEMA[] =
    "CREATE TABLE body_types (id smallint PRIMARY KEY, name text NOT NULL UNIQUE, description text);"
    "CREATE TABLE trait_categories (id smallint PRIMARY KEY, name text NOT NULL UNIQUE, description text);"
    "CREATE TABLE body_type_traits (body_type_id smallint REFERENCES body_types(id),"
    "  trait_id smallint REFERENCES trait_categories(id),"
    "  base_score smallint NOT NULL CHECK (base_score BETWEEN 0 AND 100), PRIMARY KEY (body_type_id, trait_id));"
    "CREATE TABLE creatures (id uuid PRIMARY KEY, seq integer NOT NULL UNIQUE, name text NOT NULL,"
    "  short_name text NOT NULL, body_type_id smallint NOT NULL REFERENCES body_types(id),"
    "  rarity text NOT NULL CHECK (rarity IN ('Common','Uncommon','Rare','Epic','Legendary','Mythical')),"
    "  colour_scheme text NOT NULL, vibe text NOT NULL, art_key text, thumb_key text,"
    "  is_active boolean NOT NULL DEFAULT true, deleted_at timestamptz,"
    "  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE UNIQUE INDEX creatures_name_lower ON creatures (lower(name));"
    "CREATE TABLE creature_traits (creature_id uuid REFERENCES creatures(id) ON DELETE CASCADE,"
    "  trait_id smallint REFERENCES trait_categories(id),"
    "  score smallint NOT NULL CHECK (score BETWEEN 0 AND 100), PRIMARY KEY (creature_id, trait_id));";

/* Stands in for user_collections: any table referencing creatures must block a replacement. */
static const char HOLDER_TABLE[] =
    "CREATE TABLE seedtest_holders (id serial PRIMARY KEY, creature_id uuid NOT NULL REFERENCES creatures(id))";

typedef struct fixture {
    PGconn *admin;   /* on TEST_DATABASE_URL, to create and drop the scratch database */
    PGconn *db;      /* on the scratch database, to inspect what seed wrote */
    char dbname[64];
    config_t cfg;
} fixture_t;

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static long query_long(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    long v = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static void query_text(PGconn *c, const char *sql, char *out, size_t outlen)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* The test URL with its database swapped for the scratch one, as a key='value' conninfo. */
static int scratch_conninfo(const char *url, const char *dbname, char *out, size_t outlen)
{
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    size_t len = 0;
    if (opts == NULL)
        return -1;
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (val == NULL)
            continue;
        len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0, "%s='", o->keyword);
        for (const char *p = val; *p && len + 4 < outlen; p++) {
            if (*p == '\'' || *p == '\\')
                out[len++] = '\\';
            out[len++] = *p;
        }
        len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0, "' ");
    }
    PQconninfoFree(opts);
    return len < outlen ? 0 : -1;
}

static int setup(void **state)
{
    const char *url = getenv("TEST_DATABASE_URL");
    if (url == NULL || *url == '\0') {
        *state = NULL;
        return 0;
    }
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->admin = PQconnectdb(url);
    if (PQstatus(f->admin) != CONNECTION_OK)
        fail_msg("connect %s", PQerrorMessage(f->admin));
    snprintf(f->dbname, sizeof(f->dbname), "chatlings_seedtest_%ld", (long)getpid());
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->dbname);
    exec_ok(f->admin, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->dbname);
    exec_ok(f->admin, sql);
    if (scratch_conninfo(url, f->dbname, f->cfg.database_url, sizeof(f->cfg.database_url)) < 0)
        fail_msg("cannot build a conninfo from TEST_DATABASE_URL");
    f->db = PQconnectdb(f->cfg.database_url);
    if (PQstatus(f->db) != CONNECTION_OK)
        fail_msg("connect scratch: %s", PQerrorMessage(f->db));
    exec_ok(f->db, "SET client_min_messages = warning");

    const char *src = getenv("CHATLINGS_SOURCE_DIR");
    if (src != NULL && *src != '\0') {
        char dir[1024], err[1024];
        snprintf(dir, sizeof(dir), "%s/db/migrations", src);
        int applied = migrate_run(f->db, dir, err, sizeof(err));
        if (applied < 0)
            fail_msg("migrations: %s", err);
        printf("schema: %d migrations from %s\n", applied, dir);
    } else {
        printf("schema: built-in catalogue tables\n");
        exec_ok(f->db, FALLBACK_SCHEMA);
    }
    exec_ok(f->db, HOLDER_TABLE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    if (f == NULL)
        return 0;
    PQfinish(f->db);
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->dbname);
    exec_ok(f->admin, sql);
    PQfinish(f->admin);
    free(f);
    return 0;
}

/* Runs cmd_seed with the given arguments, capturing what it prints on stdout. */
static int run_seed(fixture_t *f, char *out, size_t outlen, int argc, ...)
{
    char *argv[8] = {"seed"};
    va_list ap;
    va_start(ap, argc);
    for (int i = 1; i < argc && i < 8; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);

    char tmpl[] = "/tmp/chatlings_seedtest_XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    int rc = cmd_seed(argc, argv, f ? &f->cfg : NULL);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    if (out != NULL) {
        ssize_t n = pread(fd, out, outlen - 1, 0);
        out[n > 0 ? n : 0] = '\0';
        printf("  seed:");
        for (int i = 1; i < argc; i++)
            printf(" %s", argv[i]);
        printf(" -> %d: %s%s", rc, out, out[0] && out[strlen(out) - 1] == '\n' ? "" : "\n");
    }
    close(fd);
    unlink(tmpl);
    return rc;
}

static void test_usage_errors(void **state)
{
    fixture_t *f = *state;
    if (f == NULL)
        skip();
    /* Rejected before connecting, so these never touch the database. */
    assert_int_equal(run_seed(f, NULL, 0, 2, "--bogus"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 3, "--creatures", "0"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 3, "--creatures", "200001"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 3, "--creatures", "12x"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 2, "--creatures"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 2, "--creatures=-5"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 3, "--seed", "-1"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 3, "--seed", "99999999999999999999999"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 2, "extra"), 2);
    assert_int_equal(run_seed(f, NULL, 0, 2, "--help"), 0);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM body_types"), 0);
}

static void test_seed_and_reseed(void **state)
{
    fixture_t *f = *state;
    char out[512], first_xmin[32], again_xmin[32], id[64], id2[64];
    if (f == NULL)
        skip();

    /* Default catalogue: reference data plus 2000 creatures matching the generator. */
    assert_int_equal(run_seed(f, out, sizeof(out), 1), 0);
    assert_non_null(strstr(out, "seeded 2000 creatures in "));
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM body_types"), 20);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM trait_categories"), 8);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM body_type_traits"), 160);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures"), 2000);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creature_traits"), 16000);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures WHERE rarity = 'Mythical'"), 10);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures WHERE rarity = 'Legendary'"), 50);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures WHERE rarity = 'Common'"), 1000);
    assert_int_equal(query_long(f->db, "SELECT count(DISTINCT body_type_id) FROM creatures"), 20);
    assert_int_equal(query_long(f->db, "SELECT count(DISTINCT lower(name)) FROM creatures"), 2000);
    assert_int_equal(query_long(f->db, "SELECT id FROM body_types WHERE name = 'Gothic'"), 20);
    assert_int_equal(query_long(f->db, "SELECT id FROM trait_categories WHERE name = 'Curiosity'"), 8);
    assert_int_equal(query_long(f->db, "SELECT base_score FROM body_type_traits WHERE body_type_id = 7 AND trait_id = 5"),
                     BODY_TYPE_PROFILE[6][TRAIT_ENERGY]);

    catalogue_t *cat = catalogue_generate(20261127, 2000);
    assert_non_null(cat);
    const int probe[] = {0, 1, 999, 1999};
    for (size_t k = 0; k < sizeof(probe) / sizeof(probe[0]); k++) {
        const catalogue_creature_t *c = catalogue_get(cat, probe[k]);
        char seq[16];
        snprintf(seq, sizeof(seq), "%d", probe[k] + 1);
        const char *p[1] = {seq};
        PGresult *r = PQexecParams(f->db,
                                   "SELECT c.id, c.name, c.short_name, c.body_type_id, c.rarity, c.colour_scheme, c.vibe,"
                                   " (SELECT string_agg(score::text, ',' ORDER BY trait_id) FROM creature_traits t"
                                   "  WHERE t.creature_id = c.id) FROM creatures c WHERE seq = $1",
                                   1, NULL, p, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        assert_int_equal(PQntuples(r), 1);
        char traits[64];
        snprintf(traits, sizeof(traits), "%d,%d,%d,%d,%d,%d,%d,%d", c->traits[0], c->traits[1], c->traits[2],
                 c->traits[3], c->traits[4], c->traits[5], c->traits[6], c->traits[7]);
        assert_string_equal(PQgetvalue(r, 0, 0), c->id);
        assert_string_equal(PQgetvalue(r, 0, 1), c->name);
        assert_string_equal(PQgetvalue(r, 0, 2), c->short_name);
        assert_int_equal(atoi(PQgetvalue(r, 0, 3)), c->body_type + 1);
        assert_string_equal(PQgetvalue(r, 0, 4), RARITY_NAMES[c->rarity]);
        assert_string_equal(PQgetvalue(r, 0, 5), c->colour_scheme);
        assert_string_equal(PQgetvalue(r, 0, 6), c->vibe);
        assert_string_equal(PQgetvalue(r, 0, 7), traits);
        PQclear(r);
    }
    catalogue_free(cat);

    /* Same catalogue again: nothing rewritten (the row version is unchanged). */
    query_text(f->db, "SELECT xmin::text FROM creatures WHERE seq = 1", first_xmin, sizeof(first_xmin));
    assert_int_equal(run_seed(f, out, sizeof(out), 5, "--creatures", "2000", "--seed", "20261127"), 0);
    assert_non_null(strstr(out, "catalogue already seeded (2000 creatures)"));
    query_text(f->db, "SELECT xmin::text FROM creatures WHERE seq = 1", again_xmin, sizeof(again_xmin));
    assert_string_equal(first_xmin, again_xmin);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures"), 2000);

    /* Another size or seed, nothing referencing the creatures: the catalogue is replaced. */
    assert_int_equal(run_seed(f, out, sizeof(out), 2, "--creatures=500"), 0);
    assert_non_null(strstr(out, "seeded 500 creatures"));
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures"), 500);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creature_traits"), 4000);
    assert_int_equal(run_seed(f, out, sizeof(out), 5, "--creatures", "500", "--seed", "42"), 0);
    cat = catalogue_generate(42, 500);
    query_text(f->db, "SELECT id::text FROM creatures WHERE seq = 1", id, sizeof(id));
    assert_string_equal(id, catalogue_get(cat, 0)->id);
    catalogue_free(cat);

    /* Once anything references a creature, a different catalogue is refused and nothing changes. */
    exec_ok(f->db, "INSERT INTO seedtest_holders (creature_id) SELECT id FROM creatures WHERE seq = 7");
    assert_int_equal(run_seed(f, out, sizeof(out), 5, "--creatures", "500", "--seed", "43"), 1);
    query_text(f->db, "SELECT id::text FROM creatures WHERE seq = 1", id2, sizeof(id2));
    assert_string_equal(id, id2);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures"), 500);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM seedtest_holders"), 1);
    /* ...while the same catalogue is still fine. */
    assert_int_equal(run_seed(f, out, sizeof(out), 5, "--creatures", "500", "--seed", "42"), 0);
    assert_non_null(strstr(out, "already seeded"));
    exec_ok(f->db, "DELETE FROM seedtest_holders");
}

/* GAME.md: up to at least 100,000 creatures for scale tests; it must take well under a minute. */
static void test_seed_100k(void **state)
{
    fixture_t *f = *state;
    char out[512];
    if (f == NULL)
        skip();
    exec_ok(f->db, "DELETE FROM seedtest_holders"); /* in case the previous test stopped early */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run_seed(f, out, sizeof(out), 3, "--creatures", "100000"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_non_null(strstr(out, "seeded 100000 creatures in "));
    assert_true(secs < 60.0);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures"), 100000);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creature_traits"), 800000);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures WHERE rarity = 'Mythical'"), 500);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM creatures WHERE rarity = 'Epic'"), 7000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_seed_and_reseed),
        cmocka_unit_test(test_seed_100k),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
