/* backup: the backups container's layout, manifests, retention and the WAL archive. Streams
 * are cut into parts so memory stays bounded; WAL is gzip'd (a segment closed early by
 * archive_timeout is mostly zeros and shrinks to a few kilobytes). */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- names and times ---- */

void backup_stamp(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y%m%dT%H%M%SZ", &tm);
}

int backup_parse_stamp(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = s ? strptime(s, "%Y%m%dT%H%M%SZ", &tm) : NULL;
    if (!end || *end || strlen(s) != 16)
        return -1;
    *out = timegm(&tm);
    return 0;
}

int backup_parse_time(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s)
        return -1;
    const char *p = strptime(s, "%Y-%m-%d", &tm);
    if (!p || (*p != ' ' && *p != 'T'))
        return -1;
    p = strptime(p + 1, "%H:%M:%S", &tm);
    if (!p)
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!strcmp(p, "") || !strcmp(p, "Z") || !strcmp(p, "+00") || !strcmp(p, "+00:00") || !strcmp(p, " UTC") ||
        !strcmp(p, "+0000")) {
        *out = timegm(&tm);
        return 0;
    }
    return -1;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

int backup_wal_name_valid(const char *f)
{
    if (!f)
        return 0;
    size_t n = strlen(f);
    if (n == 24 && all_hex(f, 24))
        return 1;
    if (n == 32 && all_hex(f, 24) && !strcmp(f + 24, ".partial"))
        return 1;
    if (n == 40 && all_hex(f, 24) && f[24] == '.' && all_hex(f + 25, 8) && !strcmp(f + 33, ".backup"))
        return 1;
    if (n == 16 && all_hex(f, 8) && !strcmp(f + 8, ".history"))
        return 1;
    return 0;
}

/* ---- manifests ---- */

static void manifest_name(const backup_manifest_t *m, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s/manifest.json", m->kind, m->stamp);
}

static void part_name(const backup_manifest_t *m, int i, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s/%s.%04d", m->kind, m->stamp, strcmp(m->kind, "base") ? "dump" : "base.tar", i);
}

static int manifest_put(blob_store_t *bs, const backup_manifest_t *m, char *err, size_t errlen)
{
    json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:s, s:s}", "kind", m->kind, "stamp", m->stamp, "started",
                            (json_int_t)m->started, "finished", (json_int_t)m->finished, "parts", m->parts, "bytes",
                            (json_int_t)m->bytes, "sha256", m->sha256, "start_wal", m->start_wal);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    if (!text) {
        snprintf(err, errlen, "backup: out of memory");
        return -1;
    }
    char name[BLOB_NAME_MAX + 1];
    manifest_name(m, name, sizeof name);
    int rc = blob_put(bs, BACKUP_CONTAINER, name, text, strlen(text), "application/json", NULL, err, errlen);
    free(text);
    return rc ? -1 : 0;
}

static int manifest_parse(const char *text, size_t len, backup_manifest_t *m)
{
    json_t *doc = json_loadb(text, len, 0, NULL);
    const char *kind = NULL, *stamp = NULL, *sha = NULL, *wal = "";
    json_int_t started = 0, finished = 0, bytes = 0;
    int parts = 0;
    int rc = doc && !json_unpack(doc, "{s:s, s:s, s:I, s:I, s:i, s:I, s:s, s?s}", "kind", &kind, "stamp", &stamp,
                                 "started", &started, "finished", &finished, "parts", &parts, "bytes", &bytes, "sha256",
                                 &sha, "start_wal", &wal)
                 ? 0
                 : -1;
    if (rc == 0) {
        memset(m, 0, sizeof *m);
        snprintf(m->kind, sizeof m->kind, "%s", kind);
        snprintf(m->stamp, sizeof m->stamp, "%s", stamp);
        snprintf(m->sha256, sizeof m->sha256, "%s", sha);
        snprintf(m->start_wal, sizeof m->start_wal, "%s", wal);
        m->started = started;
        m->finished = finished;
        m->parts = parts;
        m->bytes = (uint64_t)bytes;
        time_t t;
        if (parts < 0 || backup_parse_stamp(m->stamp, &t))
            rc = -1;
    }
    json_decref(doc);
    return rc;
}

/* ---- streams ---- */

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[d[i] >> 4];
        out[2 * i + 1] = h[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Reads up to len bytes (fewer only at end of input). -1 on a read error. */
static ssize_t read_full(int fd, char *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int write_full(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int backup_upload_stream(blob_store_t *bs, int fd, backup_manifest_t *m, size_t part_size, char *err, size_t errlen)
{
    if (part_size == 0)
        part_size = BACKUP_PART_DEFAULT;
    char *part = malloc(part_size);
    if (!part) {
        snprintf(err, errlen, "backup: cannot allocate a %zu-byte part", part_size);
        return -1;
    }
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    m->parts = 0;
    m->bytes = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read_full(fd, part, part_size);
        if (n < 0) {
            snprintf(err, errlen, "backup: reading the backup stream: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0 && m->parts > 0)
            break;
        if (n == 0) {
            snprintf(err, errlen, "backup: the backup stream was empty");
            rc = -1;
            break;
        }
        char name[BLOB_NAME_MAX + 1];
        part_name(m, m->parts, name, sizeof name);
        if (blob_put(bs, BACKUP_CONTAINER, name, part, (size_t)n, "application/octet-stream", NULL, err, errlen)) {
            rc = -1;
            break;
        }
        crypto_hash_sha256_update(&sha, (const unsigned char *)part, (unsigned long long)n);
        m->parts++;
        m->bytes += (uint64_t)n;
        if ((size_t)n < part_size)
            break;
    }
    free(part);
    if (rc)
        return -1;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&sha, digest);
    hex(digest, sizeof digest, m->sha256);
    m->finished = (int64_t)time(NULL);
    return 0;
}

int backup_manifest_put(blob_store_t *bs, const backup_manifest_t *m, char *err, size_t errlen)
{
    return manifest_put(bs, m, err, errlen);
}

int backup_download(blob_store_t *bs, const backup_manifest_t *m, int fd, char *err, size_t errlen)
{
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    uint64_t total = 0;
    buf_t b;
    buf_init(&b, BACKUP_WAL_MAX);
    int rc = 0;
    for (int i = 0; i < m->parts && rc == 0; i++) {
        char name[BLOB_NAME_MAX + 1];
        part_name(m, i, name, sizeof name);
        buf_reset(&b);
        if (blob_get(bs, BACKUP_CONTAINER, name, &b, NULL, err, errlen)) {
            rc = -1;
            break;
        }
        crypto_hash_sha256_update(&sha, (const unsigned char *)(b.data ? b.data : ""), b.len);
        total += b.len;
        if (write_full(fd, b.data ? b.data : "", b.len)) {
            snprintf(err, errlen, "backup: writing %s: %s", name, strerror(errno));
            rc = -1;
        }
    }
    buf_free(&b);
    if (rc)
        return -1;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char got[65];
    crypto_hash_sha256_final(&sha, digest);
    hex(digest, sizeof digest, got);
    if (total != m->bytes || strcmp(got, m->sha256)) {
        snprintf(err, errlen, "backup %s/%s is damaged: %llu bytes with SHA-256 %.12s..., manifest says %llu and %.12s...",
                 m->kind, m->stamp, (unsigned long long)total, got, (unsigned long long)m->bytes, m->sha256);
        return -1;
    }
    return 0;
}

/* ---- listing ---- */

typedef struct names {
    char **v;
    size_t n, cap;
    int oom;
} names_t;

static int names_add(names_t *ns, const char *s)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        char **v = realloc(ns->v, cap * sizeof *v);
        if (!v) {
            ns->oom = 1;
            return 1;
        }
        ns->v = v;
        ns->cap = cap;
    }
    if (!(ns->v[ns->n] = strdup(s))) {
        ns->oom = 1;
        return 1;
    }
    ns->n++;
    return 0;
}

static void names_free(names_t *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    memset(ns, 0, sizeof *ns);
}

static int collect_name(const blob_info_t *info, void *arg)
{
    return names_add(arg, info->name);
}

static int list_names(blob_store_t *bs, const char *prefix, names_t *ns, char *err, size_t errlen)
{
    if (blob_list(bs, BACKUP_CONTAINER, prefix, collect_name, ns, err, errlen))
        return -1;
    if (ns->oom) {
        snprintf(err, errlen, "backup: out of memory listing %s", prefix);
        return -1;
    }
    return 0;
}

static int by_finished(const void *a, const void *b)
{
    const backup_manifest_t *x = a, *y = b;
    return x->finished < y->finished ? -1 : x->finished > y->finished ? 1 : strcmp(x->stamp, y->stamp);
}

int backup_list(blob_store_t *bs, const char *kind, backup_manifest_t *out, int max, char *err, size_t errlen)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s/", kind);
    names_t ns = {0};
    if (list_names(bs, prefix, &ns, err, errlen)) {
        names_free(&ns);
        return -1;
    }
    int n = 0;
    buf_t b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < ns.n && n < max; i++) {
        size_t len = strlen(ns.v[i]);
        if (len < 14 || strcmp(ns.v[i] + len - 14, "/manifest.json"))
            continue;
        buf_reset(&b);
        char e2[256];
        if (blob_get(bs, BACKUP_CONTAINER, ns.v[i], &b, NULL, e2, sizeof e2))
            continue; /* deleted under us, or unreadable: not a usable backup */
        if (manifest_parse(b.data ? b.data : "", b.len, &out[n]) == 0 && !strcmp(out[n].kind, kind))
            n++;
    }
    buf_free(&b);
    names_free(&ns);
    qsort(out, (size_t)n, sizeof *out, by_finished);
    return n;
}

/* ---- retention ---- */

int backup_prune(blob_store_t *bs, time_t now, int retention_days, backup_prune_report_t *rep, char *err,
                 size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    time_t cutoff = now - (time_t)retention_days * 86400;
    static const char *const KINDS[] = {"base/", "logical/"};
    for (int k = 0; k < 2; k++) {
        names_t ns = {0};
        if (list_names(bs, KINDS[k], &ns, err, errlen)) {
            names_free(&ns);
            return -1;
        }
        char last_stamp[24] = "";
        for (size_t i = 0; i < ns.n; i++) {
            /* kind/STAMP/... : the stamp says how old the backup is, complete or not */
            const char *s = ns.v[i] + strlen(KINDS[k]);
            const char *slash = strchr(s, '/');
            char stamp[24];
            time_t t;
            if (!slash || (size_t)(slash - s) >= sizeof stamp)
                continue;
            snprintf(stamp, sizeof stamp, "%.*s", (int)(slash - s), s);
            if (backup_parse_stamp(stamp, &t) || t >= cutoff)
                continue;
            int d = blob_delete(bs, BACKUP_CONTAINER, ns.v[i], err, errlen);
            if (d && d != BLOB_NOT_FOUND) {
                names_free(&ns);
                return -1;
            }
            rep->blobs_deleted++;
            if (strcmp(stamp, last_stamp)) {
                rep->backups_deleted++;
                snprintf(last_stamp, sizeof last_stamp, "%s", stamp);
            }
        }
        names_free(&ns);
    }

    /* WAL older than the oldest base backup left can never be replayed: it goes too. */
    backup_manifest_t *bases = malloc(sizeof *bases * BACKUP_MAX_LIST);
    if (!bases) {
        snprintf(err, errlen, "backup: out of memory");
        return -1;
    }
    int nb = backup_list(bs, "base", bases, BACKUP_MAX_LIST, err, errlen);
    char oldest[32] = "";
    for (int i = 0; i < nb; i++)
        if (bases[i].start_wal[0] && (!oldest[0] || strcmp(bases[i].start_wal, oldest) < 0))
            snprintf(oldest, sizeof oldest, "%s", bases[i].start_wal);
    free(bases);
    if (nb < 0)
        return -1;
    if (!oldest[0] || strlen(oldest) != 24)
        return 0;
    names_t ns = {0};
    if (list_names(bs, "wal/", &ns, err, errlen)) {
        names_free(&ns);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < ns.n; i++) {
        const char *f = ns.v[i] + 4;
        /* segments only: history files are tiny and every later timeline needs them */
        if (strlen(f) < 24 || !all_hex(f, 24) || f[24] == '\0' || strncmp(f, oldest, 24) >= 0)
            continue;
        int d = blob_delete(bs, BACKUP_CONTAINER, ns.v[i], err, errlen);
        if (d && d != BLOB_NOT_FOUND) {
            rc = -1;
            break;
        }
        rep->wal_deleted++;
        rep->blobs_deleted++;
    }
    names_free(&ns);
    return rc;
}

/* ---- WAL archive ---- */

static int gzip_buf(const char *in, size_t len, buf_t *out, char *err, size_t errlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        snprintf(err, errlen, "gzip: deflateInit2 failed");
        return -1;
    }
    size_t bound = deflateBound(&z, (uLong)len) + 64;
    char *dst = malloc(bound);
    if (!dst) {
        deflateEnd(&z);
        snprintf(err, errlen, "gzip: out of memory");
        return -1;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)dst;
    z.avail_out = (uInt)bound;
    int zr = deflate(&z, Z_FINISH);
    size_t n = bound - z.avail_out;
    deflateEnd(&z);
    int rc = zr == Z_STREAM_END && buf_append(out, dst, n) == 0 ? 0 : -1;
    free(dst);
    if (rc)
        snprintf(err, errlen, "gzip: compression failed");
    return rc;
}

static int gunzip_buf(const char *in, size_t len, buf_t *out, char *err, size_t errlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK) {
        snprintf(err, errlen, "gunzip: inflateInit2 failed");
        return -1;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    char chunk[1 << 16];
    int zr;
    do {
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END)
            break;
        if (buf_append(out, chunk, sizeof chunk - z.avail_out)) {
            zr = Z_MEM_ERROR;
            break;
        }
    } while (zr != Z_STREAM_END);
    inflateEnd(&z);
    if (zr != Z_STREAM_END) {
        snprintf(err, errlen, "gunzip: the archived file is damaged or too large");
        return -1;
    }
    return 0;
}

static int read_file(const char *path, buf_t *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char chunk[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || buf_append(out, chunk, (size_t)n)) {
            snprintf(err, errlen, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "too large");
            rc = -1;
            break;
        }
    }
    close(fd);
    return rc;
}

int backup_wal_put(blob_store_t *bs, const char *path, const char *fname, char *err, size_t errlen)
{
    if (!backup_wal_name_valid(fname)) {
        snprintf(err, errlen, "wal-archive: \"%s\" is not a WAL file name", fname ? fname : "");
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "wal/%s.gz", fname);
    buf_t raw, gz, old, oldraw;
    buf_init(&raw, BACKUP_WAL_MAX);
    buf_init(&gz, BACKUP_WAL_MAX);
    buf_init(&old, BACKUP_WAL_MAX);
    buf_init(&oldraw, BACKUP_WAL_MAX);
    int rc = read_file(path, &raw, err, errlen);
    if (rc == 0) {
        int got = blob_get(bs, BACKUP_CONTAINER, name, &old, NULL, err, errlen);
        if (got == 0) {
            /* archived before (a crash between our upload and PostgreSQL noting it): fine only
             * if it is the same WAL; never overwrite a different one */
            rc = gunzip_buf(old.data ? old.data : "", old.len, &oldraw, err, errlen);
            if (rc == 0 && (oldraw.len != raw.len || memcmp(oldraw.data ? oldraw.data : "", raw.data ? raw.data : "", raw.len))) {
                snprintf(err, errlen, "wal-archive: %s is already archived with different contents", fname);
                rc = -1;
            }
        } else if (got == BLOB_NOT_FOUND) {
            rc = gzip_buf(raw.data ? raw.data : "", raw.len, &gz, err, errlen);
            if (rc == 0)
                rc = blob_put(bs, BACKUP_CONTAINER, name, gz.data ? gz.data : "", gz.len, "application/gzip", NULL, err,
                              errlen)
                         ? -1
                         : 0;
        } else {
            rc = -1;
        }
    }
    buf_free(&raw);
    buf_free(&gz);
    buf_free(&old);
    buf_free(&oldraw);
    return rc;
}

int backup_wal_get(blob_store_t *bs, const char *fname, const char *path, char *err, size_t errlen)
{
    if (!backup_wal_name_valid(fname)) {
        snprintf(err, errlen, "wal-restore: \"%s\" is not a WAL file name", fname ? fname : "");
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "wal/%s.gz", fname);
    buf_t gz, raw;
    buf_init(&gz, BACKUP_WAL_MAX);
    buf_init(&raw, BACKUP_WAL_MAX);
    int got = blob_get(bs, BACKUP_CONTAINER, name, &gz, NULL, err, errlen);
    int rc;
    if (got == BLOB_NOT_FOUND) {
        rc = 0;
    } else if (got != 0) {
        rc = -1;
    } else if (gunzip_buf(gz.data ? gz.data : "", gz.len, &raw, err, errlen)) {
        rc = -1;
    } else {
        /* write beside the target, then rename: PostgreSQL must never see half a segment */
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.chatlings-tmp", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        rc = fd >= 0 && write_full(fd, raw.data ? raw.data : "", raw.len) == 0 && fsync(fd) == 0 ? 1 : -1;
        if (fd >= 0)
            close(fd);
        if (rc == 1 && rename(tmp, path)) {
            rc = -1;
        }
        if (rc < 0) {
            snprintf(err, errlen, "wal-restore: cannot write %s: %s", path, strerror(errno));
            unlink(tmp);
        }
    }
    buf_free(&gz);
    buf_free(&raw);
    return rc;
}
