/* test_backup: backup names and recovery-target times, WAL file names, and the filesystem
 * round trip of parts + manifest + retention (the database side is the drill in
 * tests/integration/backup.test.mjs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/backup.h"

static void test_stamps_and_times(void **state)
{
    (void)state;
    char s[24];
    backup_stamp(1769868300, s, sizeof s); /* 2026-01-31 14:05:00 UTC */
    assert_string_equal(s, "20260131T140500Z");
    time_t t;
    assert_int_equal(backup_parse_stamp(s, &t), 0);
    assert_int_equal((long)t, 1769868300L);
    assert_int_equal(backup_parse_stamp("20260131T140500", &t), -1);
    assert_int_equal(backup_parse_stamp("x", &t), -1);

    const char *ok[] = {"2026-01-31 14:05:00", "2026-01-31T14:05:00Z", "2026-01-31 14:05:00.123456Z",
                        "2026-01-31 14:05:00+00", "2026-01-31 14:05:00+00:00", "2026-01-31 14:05:00 UTC"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(backup_parse_time(ok[i], &t), 0);
        assert_int_equal((long)t, 1769868300L);
    }
    const char *bad[] = {"2026-01-31", "2026-01-31 14:05:00+02", "2026-01-31 14:05:00.Z", "yesterday",
                         "2026-01-31 14:05:00'; DROP"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(backup_parse_time(bad[i], &t), -1);
}

static void test_wal_names(void **state)
{
    (void)state;
    assert_true(backup_wal_name_valid("000000010000000000000003"));
    assert_true(backup_wal_name_valid("000000010000000000000003.partial"));
    assert_true(backup_wal_name_valid("000000010000000000000003.00000028.backup"));
    assert_true(backup_wal_name_valid("00000002.history"));
    assert_false(backup_wal_name_valid("00000001000000000000000g"));
    assert_false(backup_wal_name_valid("../../etc/passwd"));
    assert_false(backup_wal_name_valid("00000001000000000000000"));
    assert_false(backup_wal_name_valid(""));
    assert_false(backup_wal_name_valid(NULL));
}

static void test_upload_download_prune(void **state)
{
    (void)state;
    char root[] = "/tmp/chatlings-test-backup-XXXXXX";
    assert_non_null(mkdtemp(root));
    char err[512];
    blob_opts_t o = {.driver = "fs", .fs_root = root};
    blob_store_t *bs = blob_open(&o, err, sizeof err);
    assert_non_null(bs);
    assert_int_equal(blob_ensure_containers(bs, err, sizeof err), 0);

    /* 2.5 MiB through a pipe in 1 MiB parts */
    size_t len = (5u << 20) / 2;
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)(i * 7 + (i >> 13));
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (size_t off = 0; off < len;) {
            ssize_t n = write(p[1], data + off, len - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(p[1]);
    backup_manifest_t m = {.kind = "logical", .started = (int64_t)time(NULL)};
    backup_stamp((time_t)m.started, m.stamp, sizeof m.stamp);
    assert_int_equal(backup_upload_stream(bs, p[0], &m, 1u << 20, err, sizeof err), 0);
    close(p[0]);
    assert_int_equal(m.parts, 3);
    assert_int_equal(m.bytes, len);
    assert_int_equal(backup_manifest_put(bs, &m, err, sizeof err), 0);

    backup_manifest_t list[4];
    assert_int_equal(backup_list(bs, "logical", list, 4, err, sizeof err), 1);
    assert_string_equal(list[0].sha256, m.sha256);

    char out[] = "/tmp/chatlings-test-backup-out-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    assert_int_equal(backup_download(bs, &list[0], fd, err, sizeof err), 0);
    close(fd);
    FILE *f = fopen(out, "rb");
    char *back = malloc(len + 1);
    assert_int_equal(fread(back, 1, len + 1, f), len);
    fclose(f);
    assert_memory_equal(back, data, len);

    /* a damaged part is noticed */
    char part[1024];
    snprintf(part, sizeof part, "%s/backups/logical/%s/dump.0001", root, m.stamp);
    f = fopen(part, "r+b");
    assert_non_null(f);
    fputc('!', f);
    fclose(f);
    fd = open(out, O_WRONLY | O_TRUNC);
    assert_int_equal(backup_download(bs, &list[0], fd, err, sizeof err), -1);
    close(fd);
    assert_non_null(strstr(err, "damaged"));

    /* retention: 40 days later the backup is gone */
    backup_prune_report_t rep;
    assert_int_equal(backup_prune(bs, time(NULL) + 30 * 86400, 35, &rep, err, sizeof err), 0);
    assert_int_equal(rep.backups_deleted, 0);
    assert_int_equal(backup_prune(bs, time(NULL) + 40 * 86400, 35, &rep, err, sizeof err), 0);
    assert_int_equal(rep.backups_deleted, 1);
    assert_int_equal(rep.blobs_deleted, 4);
    assert_int_equal(backup_list(bs, "logical", list, 4, err, sizeof err), 0);

    int st;
    waitpid(pid, &st, 0);
    free(data);
    free(back);
    unlink(out);
    blob_close(bs);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamps_and_times),
        cmocka_unit_test(test_wal_names),
        cmocka_unit_test(test_upload_download_prune),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
