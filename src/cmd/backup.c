/* `chatlings backup | restore | wal-archive | wal-restore`: database backups into the blob
 * store (layout in store/backup.h). PostgreSQL's own tools do the database side (pg_dump,
 * pg_basebackup, pg_restore); we stream their output into parts, keep manifests, apply the
 * retention, and serve as PostgreSQL's archive_command and restore_command for point-in-time
 * recovery. The database password never appears on a command line: it goes to the child
 * through PGPASSWORD. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/log.h"
#include "store/backup.h"

/* ---- helpers ---- */

static blob_store_t *open_store(const config_t *cfg)
{
    char err[512];
    blob_store_t *bs = blob_open_config(cfg, err, sizeof err);
    if (!bs || blob_ensure_containers(bs, err, sizeof err)) {
        fprintf(stderr, "chatlings: blob storage: %s\n", err);
        if (bs)
            blob_close(bs);
        return NULL;
    }
    return bs;
}

/* Where PostgreSQL's client programs are: CHATLINGS_PG_BIN, else the version-15 directory
 * Debian uses (matching the server), else PATH. */
static void pg_tool(const char *name, char *out, size_t outlen)
{
    const char *dir = getenv("CHATLINGS_PG_BIN");
    if (dir && *dir) {
        snprintf(out, outlen, "%s/%s", dir, name);
        return;
    }
    snprintf(out, outlen, "/usr/lib/postgresql/15/bin/%s", name);
    if (access(out, X_OK))
        snprintf(out, outlen, "%s", name);
}

/* A libpq keyword/value connection string for url without its password, and the password
 * apart (for PGPASSWORD). -1 when url does not parse. */
static int split_conninfo(const char *url, char *conn, size_t connlen, char *password, size_t pwlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        PQfreemem(perr);
        return -1;
    }
    size_t n = 0;
    conn[0] = password[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (!strcmp(o->keyword, "password")) {
            snprintf(password, pwlen, "%s", o->val);
            continue;
        }
        /* value in single quotes, with \ and ' escaped, as libpq wants */
        n += (size_t)snprintf(conn + n, n < connlen ? connlen - n : 0, "%s%s='", n ? " " : "", o->keyword);
        for (const char *v = o->val; *v && n + 3 < connlen; v++) {
            if (*v == '\'' || *v == '\\')
                conn[n++] = '\\';
            conn[n++] = *v;
        }
        n += (size_t)snprintf(conn + n, n < connlen ? connlen - n : 0, "'");
    }
    PQconninfoFree(opts);
    return n < connlen ? 0 : -1;
}

/* Starts argv[0] with stdout (or stdin, when feed) connected to a pipe we keep. */
static pid_t spawn(char *const argv[], const char *password, int feed, int *fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        if (dup2(feed ? p[0] : p[1], feed ? STDIN_FILENO : STDOUT_FILENO) < 0)
            _exit(127);
        if (password && *password)
            setenv("PGPASSWORD", password, 1);
        else
            unsetenv("PGPASSWORD");
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        fprintf(stderr, "chatlings: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(feed ? p[0] : p[1]);
    *fd = feed ? p[1] : p[0];
    return pid;
}

static int wait_ok(pid_t pid, const char *what)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    fprintf(stderr, "chatlings: %s failed (%s %d)\n", what, WIFEXITED(st) ? "exit" : "signal",
            WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return -1;
}

static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "chatlings: %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static void iso(int64_t t, char *out, size_t outlen)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, outlen, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* ---- backup ---- */

static int list_backups(blob_store_t *bs)
{
    static const char *const KINDS[] = {"base", "logical"};
    backup_manifest_t *m = malloc(sizeof *m * BACKUP_MAX_LIST);
    if (!m)
        return 1;
    char err[512];
    for (int k = 0; k < 2; k++) {
        int n = backup_list(bs, KINDS[k], m, BACKUP_MAX_LIST, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "chatlings: %s\n", err);
            free(m);
            return 1;
        }
        for (int i = 0; i < n; i++) {
            char fin[32];
            iso(m[i].finished, fin, sizeof fin);
            printf("{\"kind\":\"%s\",\"stamp\":\"%s\",\"finished\":\"%s\",\"bytes\":%llu,\"parts\":%d,\"start_wal\":\"%s\"}\n",
                   m[i].kind, m[i].stamp, fin, (unsigned long long)m[i].bytes, m[i].parts, m[i].start_wal);
        }
    }
    free(m);
    return 0;
}

/* The WAL segment being written now: a base backup started after this needs nothing older. */
static int current_wal(const config_t *cfg, char *out, size_t outlen)
{
    PGconn *c = cmd_connect_db(cfg);
    if (!c)
        return -1;
    PGresult *r = PQexec(c, "SELECT pg_walfile_name(pg_current_wal_lsn())");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
    else
        fprintf(stderr, "chatlings: cannot read the current WAL position: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

int cmd_backup(int argc, char **argv, const config_t *cfg)
{
    int base = 0, prune = 1, list = 0;
    long retention = BACKUP_RETENTION_DAYS, part_mb = (long)(BACKUP_PART_DEFAULT >> 20);
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--base"))
            base = 1;
        else if (!strcmp(argv[i], "--no-prune"))
            prune = 0;
        else if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--retention-days") && (v = opt_value(argc, argv, &i)))
            retention = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--part-mb") && (v = opt_value(argc, argv, &i)))
            part_mb = strtol(v, NULL, 10);
        else {
            fprintf(stderr, "usage: chatlings backup [--base] [--retention-days N] [--no-prune] [--part-mb N] | --list\n");
            return 2;
        }
    }
    if (retention < 1 || retention > 3650 || part_mb < 1 || part_mb > 1024) {
        fprintf(stderr, "chatlings: --retention-days must be 1..3650 and --part-mb 1..1024\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    blob_store_t *bs = open_store(cfg);
    if (!bs)
        return 1;
    if (list) {
        int rc = list_backups(bs);
        blob_close(bs);
        return rc;
    }

    backup_manifest_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.kind, sizeof m.kind, "%s", base ? "base" : "logical");
    m.started = (int64_t)time(NULL);
    backup_stamp((time_t)m.started, m.stamp, sizeof m.stamp);
    if (base && current_wal(cfg, m.start_wal, sizeof m.start_wal)) {
        blob_close(bs);
        return 1;
    }
    char conn[4096], password[1024], tool[PATH_MAX];
    if (split_conninfo(cfg->database_url, conn, sizeof conn, password, sizeof password)) {
        fprintf(stderr, "chatlings: DATABASE_URL is malformed\n");
        blob_close(bs);
        return 1;
    }
    pg_tool(base ? "pg_basebackup" : "pg_dump", tool, sizeof tool);
    /* -X fetch puts the WAL of the backup's own span into the tar: the base restores to its
     * end even without the archive. -c fast: start now, not at the next checkpoint. */
    char *const base_argv[] = {tool, "-d", conn, "-D", "-", "-Ft", "-X", "fetch", "-c", "fast", "-w", NULL};
    char *const dump_argv[] = {tool, "-d", conn, "-Fc", "-w", NULL};
    int fd = -1;
    pid_t pid = spawn(base ? base_argv : dump_argv, password, 0, &fd);
    memset(password, 0, sizeof password);
    if (pid < 0) {
        fprintf(stderr, "chatlings: cannot start %s: %s\n", tool, strerror(errno));
        blob_close(bs);
        return 1;
    }
    char err[512];
    int up = backup_upload_stream(bs, fd, &m, (size_t)part_mb << 20, err, sizeof err);
    close(fd);
    int child = wait_ok(pid, base ? "pg_basebackup" : "pg_dump");
    if (up)
        fprintf(stderr, "chatlings: %s\n", err);
    if (up || child || backup_manifest_put(bs, &m, err, sizeof err)) {
        if (!up && !child)
            fprintf(stderr, "chatlings: %s\n", err);
        fprintf(stderr, "chatlings: backup %s/%s is incomplete (no manifest); it will be pruned\n", m.kind, m.stamp);
        blob_close(bs);
        return 1;
    }
    log_info("backup", "%s backup %s: %llu bytes in %d parts", m.kind, m.stamp, (unsigned long long)m.bytes, m.parts);
    backup_prune_report_t rep = {0};
    if (prune && backup_prune(bs, time(NULL), (int)retention, &rep, err, sizeof err)) {
        fprintf(stderr, "chatlings: the backup is stored, but pruning failed: %s\n", err);
        blob_close(bs);
        return 1;
    }
    printf("{\"kind\":\"%s\",\"stamp\":\"%s\",\"bytes\":%llu,\"parts\":%d,\"sha256\":\"%s\",\"start_wal\":\"%s\","
           "\"pruned_backups\":%d,\"pruned_wal\":%d}\n",
           m.kind, m.stamp, (unsigned long long)m.bytes, m.parts, m.sha256, m.start_wal, rep.backups_deleted,
           rep.wal_deleted);
    blob_close(bs);
    return 0;
}

/* ---- restore ---- */

static int dir_empty_or_absent(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(d)))
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

static int pick(const backup_manifest_t *all, int n, const char *stamp, time_t target, int has_target)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (stamp && strcmp(all[i].stamp, stamp))
            continue;
        if (has_target && all[i].finished > (int64_t)target)
            continue;
        best = i; /* sorted oldest first: the last that qualifies is the newest */
    }
    return best;
}

static int restore_logical(blob_store_t *bs, const char *stamp, const char *db_url)
{
    backup_manifest_t *all = malloc(sizeof *all * BACKUP_MAX_LIST);
    char err[512];
    int n = all ? backup_list(bs, "logical", all, BACKUP_MAX_LIST, err, sizeof err) : -1;
    int i = n > 0 ? pick(all, n, stamp, 0, 0) : -1;
    if (i < 0) {
        fprintf(stderr, "chatlings: %s\n", n < 0 ? err : "no such logical backup");
        free(all);
        return 1;
    }
    backup_manifest_t m = all[i];
    free(all);
    char conn[4096], password[1024], tool[PATH_MAX];
    if (split_conninfo(db_url, conn, sizeof conn, password, sizeof password)) {
        fprintf(stderr, "chatlings: --database is malformed\n");
        return 1;
    }
    pg_tool("pg_restore", tool, sizeof tool);
    char *const argv[] = {tool, "-d", conn, "--clean", "--if-exists", "--no-owner", "-w", NULL};
    int fd = -1;
    pid_t pid = spawn(argv, password, 1, &fd);
    memset(password, 0, sizeof password);
    if (pid < 0) {
        fprintf(stderr, "chatlings: cannot start pg_restore\n");
        return 1;
    }
    int rc = backup_download(bs, &m, fd, err, sizeof err);
    close(fd);
    if (rc)
        fprintf(stderr, "chatlings: %s\n", err);
    if (wait_ok(pid, "pg_restore") || rc)
        return 1;
    printf("{\"restored\":\"logical/%s\",\"bytes\":%llu}\n", m.stamp, (unsigned long long)m.bytes);
    return 0;
}

static int restore_physical(blob_store_t *bs, const char *stamp, const char *to, const char *dir)
{
    time_t target = 0;
    if (to && backup_parse_time(to, &target)) {
        fprintf(stderr, "chatlings: --to wants a UTC time like \"2026-01-31 14:05:00Z\"\n");
        return 2;
    }
    if (!dir_empty_or_absent(dir)) {
        fprintf(stderr, "chatlings: %s exists and is not empty\n", dir);
        return 1;
    }
    backup_manifest_t *all = malloc(sizeof *all * BACKUP_MAX_LIST);
    char err[512];
    int n = all ? backup_list(bs, "base", all, BACKUP_MAX_LIST, err, sizeof err) : -1;
    int i = n > 0 ? pick(all, n, stamp, target, to != NULL) : -1;
    if (i < 0) {
        fprintf(stderr, "chatlings: %s\n", n < 0 ? err : "no base backup finished before that time");
        free(all);
        return 1;
    }
    backup_manifest_t m = all[i];
    free(all);
    if (mkdir(dir, 0700) && errno != EEXIST) {
        fprintf(stderr, "chatlings: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char *const tar_argv[] = {"tar", "-x", "-C", (char *)dir, "-f", "-", NULL};
    int fd = -1;
    pid_t pid = spawn(tar_argv, NULL, 1, &fd);
    if (pid < 0) {
        fprintf(stderr, "chatlings: cannot start tar\n");
        return 1;
    }
    int rc = backup_download(bs, &m, fd, err, sizeof err);
    close(fd);
    if (rc)
        fprintf(stderr, "chatlings: %s\n", err);
    if (wait_ok(pid, "tar") || rc)
        return 1;

    /* Recovery settings: WAL from the archive through ourselves, up to the target, then open. */
    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0 || strchr((self[sl] = '\0', self), '\'')) {
        fprintf(stderr, "chatlings: cannot name this binary for restore_command\n");
        return 1;
    }
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/postgresql.auto.conf", dir);
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(stderr, "chatlings: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "\n# Written by chatlings restore (base backup %s)\n", m.stamp);
    /* The blob settings this restore used go into restore_command (never a key: a Shared Key
     * comes from the server's own environment, or managed identity needs none), so the
     * restored server reads the same archive without further setup. */
    static const char *const PASS[] = {"CHATLINGS_BLOB_DRIVER", "CHATLINGS_BLOB_DIR", "CHATLINGS_AZURE_STORAGE_ACCOUNT",
                                       "CHATLINGS_AZURE_BLOB_ENDPOINT", "CHATLINGS_AZURE_IDENTITY_ENDPOINT",
                                       "CHATLINGS_AZURE_CLIENT_ID", "CHATLINGS_AZURE_STORAGE_KEY_FILE"};
    char envs[4096] = "";
    size_t el = 0;
    for (size_t k = 0; k < sizeof PASS / sizeof PASS[0]; k++) {
        const char *v = getenv(PASS[k]);
        if (!v || !*v)
            continue;
        if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@-") != strlen(v)) {
            fprintf(stderr, "chatlings: note: %s has characters unsafe in restore_command; set it in the server's environment\n",
                    PASS[k]);
            continue;
        }
        el += (size_t)snprintf(envs + el, el < sizeof envs ? sizeof envs - el : 0, "%s=%s ", PASS[k], v);
    }
    if (el >= sizeof envs)
        envs[0] = '\0';
    fprintf(f, "restore_command = '%s%s%s wal-restore %%f %%p'\n", envs[0] ? "env " : "", envs, self);
    if (to) {
        /* backup_parse_time accepted only UTC spellings; PostgreSQL wants "+00" for all of them */
        char ts[64];
        snprintf(ts, sizeof ts, "%s", to);
        static const char *const ZONES[] = {"Z", " UTC", "+00:00", "+0000", "+00"};
        for (size_t z = 0; z < sizeof ZONES / sizeof ZONES[0]; z++) {
            size_t tl = strlen(ts), zl = strlen(ZONES[z]);
            if (tl > zl && !strcmp(ts + tl - zl, ZONES[z])) {
                ts[tl - zl] = '\0';
                break;
            }
        }
        fprintf(f, "recovery_target_time = '%s+00'\nrecovery_target_inclusive = on\n", ts);
    }
    fprintf(f, "recovery_target_action = 'promote'\n");
    int werr = fclose(f);
    snprintf(path, sizeof path, "%s/recovery.signal", dir);
    int sfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (werr || sfd < 0) {
        fprintf(stderr, "chatlings: cannot write the recovery settings in %s\n", dir);
        return 1;
    }
    close(sfd);
    char fin[32];
    iso(m.finished, fin, sizeof fin);
    printf("{\"restored\":\"base/%s\",\"base_finished\":\"%s\",\"target\":", m.stamp, fin);
    if (to)
        printf("\"%s\"", to);
    else
        printf("\"latest\"");
    printf(",\"data_dir\":\"%s\"}\n", dir);
    fprintf(stderr,
            "chatlings: start PostgreSQL on %s (as its owner, with this process's CHATLINGS_BLOB_* settings in its\n"
            "environment, so that restore_command can read the archive); it replays WAL up to the target and opens.\n",
            dir);
    return 0;
}

int cmd_restore(int argc, char **argv, const config_t *cfg)
{
    const char *to = NULL, *dir = NULL, *stamp = NULL, *db = NULL;
    int logical = 0;
    for (int i = 1; i < argc; i++) {
        const char **dst = !strcmp(argv[i], "--to")           ? &to
                           : !strcmp(argv[i], "--target-dir") ? &dir
                           : !strcmp(argv[i], "--stamp")      ? &stamp
                           : !strcmp(argv[i], "--database")   ? &db
                                                              : NULL;
        if (dst) {
            if (!(*dst = opt_value(argc, argv, &i)))
                return 2;
        } else if (!strcmp(argv[i], "--logical")) {
            logical = 1;
        } else {
            fprintf(stderr, "usage: chatlings restore [--to \"YYYY-MM-DD HH:MM:SSZ\"] --target-dir DIR [--stamp STAMP]\n"
                            "       chatlings restore --logical --database URL [--stamp STAMP]\n");
            return 2;
        }
    }
    if (logical ? !db : !dir) {
        fprintf(stderr, "chatlings: restore needs %s\n", logical ? "--database URL" : "--target-dir DIR");
        return 2;
    }
    if (to && strspn(to, "0123456789-:. TZU+") != strlen(to)) {
        fprintf(stderr, "chatlings: --to wants a UTC time like \"2026-01-31 14:05:00Z\"\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    blob_store_t *bs = open_store(cfg);
    if (!bs)
        return 1;
    int rc = logical ? restore_logical(bs, stamp, db) : restore_physical(bs, stamp, to, dir);
    blob_close(bs);
    return rc;
}

/* ---- archive_command / restore_command ---- */

int cmd_wal_archive(int argc, char **argv, const config_t *cfg)
{
    if (argc != 3) {
        fprintf(stderr, "usage: chatlings wal-archive %%p %%f   (archive_command)\n");
        return 2;
    }
    blob_store_t *bs = open_store(cfg);
    if (!bs)
        return 1;
    char err[512];
    int rc = backup_wal_put(bs, argv[1], argv[2], err, sizeof err);
    if (rc)
        log_error("wal_archive", "%s", err);
    blob_close(bs);
    return rc ? 1 : 0;
}

int cmd_wal_restore(int argc, char **argv, const config_t *cfg)
{
    if (argc != 3) {
        fprintf(stderr, "usage: chatlings wal-restore %%f %%p   (restore_command)\n");
        return 2;
    }
    blob_store_t *bs = open_store(cfg);
    if (!bs)
        return 128;
    char err[512];
    int rc = backup_wal_get(bs, argv[1], argv[2], err, sizeof err);
    blob_close(bs);
    if (rc == 1)
        return 0;
    if (rc == 0)
        return 1; /* not archived (yet): PostgreSQL takes it as the end of the archive */
    /* A failure to read the archive must not look like its end, or recovery would stop early
     * and open the database at the wrong point: an exit status above 125 makes PostgreSQL
     * stop instead. */
    log_error("wal_restore", "%s", err);
    return 128;
}
