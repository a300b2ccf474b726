/* test_migrate: migration names and listing, then the real db/migrations applied to a fresh
 * database (CREATE DATABASE needs only CREATEDB), re-runs as no-ops, a failing file rolled
 * back whole, and concurrent migrators serialised by the advisory lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/migrate.h"

static int db_counter;

typedef struct {
    char dbname[64];
    char tmpdir[64];
    PGconn *admin; /* connected to TEST_DATABASE_URL: creates and drops the scratch database */
    PGconn *db;    /* connected to the scratch database */
} fixture_t;

static const char *test_url(void)
{
    const char *u = getenv("TEST_DATABASE_URL");
    return u && *u ? u : NULL;
}

static PGconn *connect_to(const char *url, const char *dbname)
{
    /* dbname twice: the first is expanded as the URL, the second overrides its database. */
    const char *keys[] = {"dbname", "connect_timeout", dbname ? "dbname" : NULL, NULL};
    const char *vals[] = {url, "5", dbname, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect %s: %s", dbname ? dbname : "(url)", PQerrorMessage(c));
    return c;
}

static void must_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* First column of the first row as a long, or -1 for NULL. */
static long query_long(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    long v = PQgetisnull(r, 0, 0) ? -1 : strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int exec_fails(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int failed = PQresultStatus(r) == PGRES_FATAL_ERROR;
    PQclear(r);
    return failed;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void real_dir(char *out, size_t len)
{
    const char *src = getenv("CHATLINGS_SOURCE_DIR");
    snprintf(out, len, "%s/db/migrations", src && *src ? src : ".");
}

static int setup_db(void **state)
{
    if (!test_url())
        return 0; /* the test itself skips */
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dbname, sizeof f->dbname, "test_migrate_%d_%d", (int)getpid(), ++db_counter);
    snprintf(f->tmpdir, sizeof f->tmpdir, "/tmp/test_migrate_XXXXXX");
    if (!mkdtemp(f->tmpdir))
        return -1;
    f->admin = connect_to(test_url(), NULL);
    must_exec(f->admin, "SET client_min_messages = warning");
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", f->dbname);
    must_exec(f->admin, sql);
    /* template0: nobody is ever connected to it, so parallel tests can't block the copy. */
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0", f->dbname);
    must_exec(f->admin, sql);
    f->db = connect_to(test_url(), f->dbname);
    *state = f;
    return 0;
}

static int teardown_db(void **state)
{
    fixture_t *f = *state;
    if (!f)
        return 0;
    PQfinish(f->db);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->dbname);
    PGresult *r = PQexec(f->admin, sql);
    PQclear(r);
    PQfinish(f->admin);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->tmpdir);
    free(f);
    return 0;
}

#define NEED_DB()                                       \
    do {                                                \
        if (!test_url()) {                              \
            fprintf(stderr, "TEST_DATABASE_URL unset\n"); \
            skip();                                     \
        }                                               \
    } while (0)

static void test_valid_names(void **state)
{
    (void)state;
    assert_true(migrate_valid_name("0001_catalogue.sql"));
    assert_true(migrate_valid_name("0002_players.sql"));
    assert_true(migrate_valid_name("12345_add_index_2.sql"));
    assert_false(migrate_valid_name(NULL));
    assert_false(migrate_valid_name(""));
    assert_false(migrate_valid_name("001_short.sql"));
    assert_false(migrate_valid_name("0001_.sql"));
    assert_false(migrate_valid_name("0001catalogue.sql"));
    assert_false(migrate_valid_name("0001_Catalogue.sql"));
    assert_false(migrate_valid_name("0001_cata-logue.sql"));
    assert_false(migrate_valid_name("0001_catalogue.SQL"));
    assert_false(migrate_valid_name("0001_catalogue.sql.bak"));
    assert_false(migrate_valid_name("0001_catalogue.sql~"));
    assert_false(migrate_valid_name("../0001_x.sql"));
    assert_false(migrate_valid_name("0001_x/y.sql"));
    assert_false(migrate_valid_name(".0001_x.sql"));
    assert_false(migrate_valid_name("abcd_x.sql"));
    char longname[300];
    memset(longname, 'a', sizeof longname);
    memcpy(longname, "0001_", 5);
    strcpy(longname + 290, ".sql");
    assert_false(migrate_valid_name(longname));
}

static void test_list_sorted(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_migrate_list_XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "0010_third.sql", "");
    write_file(dir, "0002_second.sql", "");
    write_file(dir, "0001_first.sql", "");
    write_file(dir, "README.md", "");
    write_file(dir, "0003_notes.txt", "");
    char **names = NULL;
    int n = migrate_list(dir, &names);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "0001_first.sql");
    assert_string_equal(names[1], "0002_second.sql");
    assert_string_equal(names[2], "0010_third.sql");
    migrate_free_list(names, n);

    assert_int_equal(migrate_list("/nonexistent/dir/for/test", &names), -1);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_real_migrations(void **state)
{
    NEED_DB();
    fixture_t *f = *state;
    char dir[1024], err[512];
    real_dir(dir, sizeof dir);
    char **names = NULL;
    int total = migrate_list(dir, &names);
    assert_true(total >= 2);
    assert_string_equal(names[0], "0001_catalogue.sql");
    assert_string_equal(names[1], "0002_players.sql");
    migrate_free_list(names, total);

    int n = migrate_run(f->db, dir, err, sizeof err);
    if (n < 0)
        fail_msg("migrate_run: %s", err);
    assert_int_equal(n, total);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations"), total);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations WHERE version = '0001' AND name = '0001_catalogue.sql'"), 1);

    /* Re-running is a no-op. */
    assert_int_equal(migrate_run(f->db, dir, err, sizeof err), 0);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations"), total);

    /* The tables and the seed's index names the rest of the code relies on. */
    static const char *const tables[] = {"body_types", "trait_categories", "body_type_traits", "creatures",
                                          "creature_traits", "users", "oauth_accounts", "user_collections",
                                          "youtube_likes", "chatrooms", "achievements", "user_achievements",
                                          "notifications", "telemetry_events", "audit_log"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_class WHERE relname = '%s' AND relkind = 'r'", tables[i]);
        if (query_long(f->db, sql) != 1)
            fail_msg("table %s missing", tables[i]);
    }
    static const char *const indexes[] = {"idx_users_email", "idx_users_google_id", "idx_collections_user_id",
                                          "idx_collections_creature_id", "idx_youtube_user_id", "idx_youtube_video_id",
                                          "idx_chatroom_active", "idx_creatures_name_trgm"};
    for (size_t i = 0; i < sizeof indexes / sizeof *indexes; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_class WHERE relname = '%s' AND relkind = 'i'", indexes[i]);
        if (query_long(f->db, sql) != 1)
            fail_msg("index %s missing", indexes[i]);
    }

    /* The constraints do their job. */
    must_exec(f->db, "INSERT INTO body_types VALUES (1, 'Floof', 'fluffy')");
    must_exec(f->db, "INSERT INTO trait_categories VALUES (1, 'Humor', 'funny')");
    must_exec(f->db, "INSERT INTO creatures (id, seq, name, short_name, body_type_id, rarity, colour_scheme, vibe) "
                     "VALUES ('00000000-0000-4000-8000-000000000001', 1, 'Mibbo', 'Mib', 1, 'Rare', 'sunset', 'sunny')");
    assert_true(exec_fails(f->db, "INSERT INTO creatures (id, seq, name, short_name, body_type_id, rarity, colour_scheme, vibe) "
                                  "VALUES ('00000000-0000-4000-8000-000000000002', 2, 'MIBBO', 'M', 1, 'Rare', 'x', 'y')"));
    assert_true(exec_fails(f->db, "INSERT INTO creatures (id, seq, name, short_name, body_type_id, rarity, colour_scheme, vibe) "
                                  "VALUES ('00000000-0000-4000-8000-000000000003', 3, 'Zed', 'Z', 1, 'rare', 'x', 'y')"));
    assert_true(exec_fails(f->db, "INSERT INTO creature_traits VALUES ('00000000-0000-4000-8000-000000000001', 1, 101)"));
    must_exec(f->db, "INSERT INTO users (id, username) VALUES ('10000000-0000-4000-8000-000000000001', 'Alice')");
    assert_true(exec_fails(f->db, "INSERT INTO users (username) VALUES ('alice')"));
    assert_int_equal(query_long(f->db, "SELECT motes FROM users WHERE username = 'Alice'"), 100);
    assert_true(exec_fails(f->db, "UPDATE users SET motes = motes - 101"));
    must_exec(f->db, "INSERT INTO user_collections (user_id, creature_id, source, found_count) "
                     "VALUES ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', 'starter', 3)");
    assert_int_equal(query_long(f->db, "SELECT rizz FROM user_collections"), 3);
    must_exec(f->db, "UPDATE user_collections SET found_count = 12");
    assert_int_equal(query_long(f->db, "SELECT rizz FROM user_collections"), 10);
    assert_true(exec_fails(f->db, "INSERT INTO user_collections (user_id, creature_id, source) "
                                  "VALUES ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', 'starter')"));
    assert_true(exec_fails(f->db, "UPDATE user_collections SET glow = 11"));
    assert_true(exec_fails(f->db, "UPDATE user_collections SET source = 'client'"));
    must_exec(f->db, "INSERT INTO notifications (user_id, category, title) VALUES ('10000000-0000-4000-8000-000000000001', 'system', 'hi')");
    assert_true(exec_fails(f->db, "INSERT INTO notifications (user_id, category, title) VALUES ('10000000-0000-4000-8000-000000000001', 'spam', 'hi')"));
    must_exec(f->db, "INSERT INTO audit_log (actor_user_id, action) VALUES ('10000000-0000-4000-8000-000000000001', 'grant_admin')");
    /* Deleting a user removes the personal rows, keeps the audit trail. */
    must_exec(f->db, "DELETE FROM users");
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM user_collections"), 0);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM notifications"), 0);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM audit_log WHERE actor_user_id IS NULL"), 1);
}

static void test_failing_migration(void **state)
{
    NEED_DB();
    fixture_t *f = *state;
    char err[512];
    write_file(f->tmpdir, "0001_ok.sql", "CREATE TABLE t_ok (id int);\nINSERT INTO t_ok VALUES (1);\n");
    write_file(f->tmpdir, "0002_bad.sql", "CREATE TABLE t_bad (id int);\n\nCREAT TABLE oops (id int);\n");
    write_file(f->tmpdir, "0003_later.sql", "CREATE TABLE t_later (id int);\n");

    assert_int_equal(migrate_run(f->db, f->tmpdir, err, sizeof err), -1);
    print_message("err: %s\n", err);
    if (strncmp(err, "0002_bad.sql: ", 14) != 0 || !strstr(err, "syntax error") || !strstr(err, "line 3"))
        fail_msg("unexpected error text: %s", err);
    assert_int_equal(PQtransactionStatus(f->db), PQTRANS_IDLE);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM t_ok"), 1);
    assert_int_equal(query_long(f->db, "SELECT (to_regclass('t_bad') IS NULL)::int"), 1);
    assert_int_equal(query_long(f->db, "SELECT (to_regclass('t_later') IS NULL)::int"), 1);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations"), 1);
    /* The advisory lock was released: another session can take it at once. */
    PGconn *other = connect_to(test_url(), f->dbname);
    assert_int_equal(query_long(other, "SELECT pg_try_advisory_lock(27988016318048615)::int"), 1);
    PQfinish(other);

    /* Fixed file: the rest goes in. */
    write_file(f->tmpdir, "0002_bad.sql", "CREATE TABLE t_bad (id int);\n");
    assert_int_equal(migrate_run(f->db, f->tmpdir, err, sizeof err), 2);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations"), 3);
}

static void test_bad_files(void **state)
{
    NEED_DB();
    fixture_t *f = *state;
    char err[512];
    /* A misnamed .sql file is an error, not silently skipped. */
    write_file(f->tmpdir, "0001_ok.sql", "CREATE TABLE t_ok (id int);\n");
    write_file(f->tmpdir, "2_misnamed.sql", "CREATE TABLE t_mis (id int);\n");
    assert_int_equal(migrate_run(f->db, f->tmpdir, err, sizeof err), -1);
    assert_non_null(strstr(err, "2_misnamed.sql"));
    assert_int_equal(query_long(f->db, "SELECT (to_regclass('t_ok') IS NULL)::int"), 1);
    unlink(strcat(strcpy((char[256]){0}, f->tmpdir), "/2_misnamed.sql"));

    /* Two files with one version. */
    write_file(f->tmpdir, "0001_dup.sql", "SELECT 1;\n");
    assert_int_equal(migrate_run(f->db, f->tmpdir, err, sizeof err), -1);
    assert_non_null(strstr(err, "0001_ok.sql"));
    unlink(strcat(strcpy((char[256]){0}, f->tmpdir), "/0001_dup.sql"));

    /* A file that commits by itself breaks all-or-nothing: refused. */
    write_file(f->tmpdir, "0002_commits.sql", "CREATE TABLE t_c (id int); COMMIT;");
    assert_int_equal(migrate_run(f->db, f->tmpdir, err, sizeof err), -1);
    assert_non_null(strstr(err, "0002_commits.sql: must not contain"));
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations"), 1);

    /* Missing directory. */
    assert_int_equal(migrate_run(f->db, "/nonexistent/migrations", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/migrations"));
}

typedef struct {
    const char *dbname;
    const char *dir;
    int result;
    char err[512];
} runner_t;

static void *run_thread(void *arg)
{
    runner_t *r = arg;
    const char *keys[] = {"dbname", "dbname", NULL};
    const char *vals[] = {test_url(), r->dbname, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    r->result = PQstatus(c) == CONNECTION_OK ? migrate_run(c, r->dir, r->err, sizeof r->err) : -2;
    PQfinish(c);
    return NULL;
}

static void test_concurrent_migrators(void **state)
{
    NEED_DB();
    fixture_t *f = *state;
    char dir[1024];
    real_dir(dir, sizeof dir);
    char **names = NULL;
    int total = migrate_list(dir, &names);
    migrate_free_list(names, total);

    enum { N = 4 };
    runner_t r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (runner_t){.dbname = f->dbname, .dir = dir};
        assert_int_equal(pthread_create(&th[i], NULL, run_thread, &r[i]), 0);
    }
    int sum = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].result < 0)
            fail_msg("migrator %d: %d %s", i, r[i].result, r[i].err);
        sum += r[i].result;
    }
    assert_int_equal(sum, total);
    assert_int_equal(query_long(f->db, "SELECT count(*) FROM schema_migrations"), total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_list_sorted),
        cmocka_unit_test_setup_teardown(test_real_migrations, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_failing_migration, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_bad_files, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_concurrent_migrators, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
