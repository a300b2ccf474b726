/* blob: the driver switch and the filesystem driver. On disk, under the root:
 *   CONTAINER/NAME                  the bytes, replaced atomically (temp file + rename)
 *   .meta/CONTAINER/NAME            "content-type\ntier\n" (missing = guessed type, Hot)
 *   .deleted/CONTAINER/NAME@UNIX    a soft-deleted blob, and NAME@UNIX@meta its sidecar
 * '@' and leading dots never occur in valid names, so these never collide with a blob.
 * The ETag is derived from the file's inode, size and mtime (as nginx does): it is read from
 * the same open file as the bytes, so the two always agree without any locking. */
#include "store/blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "integrations/azure_blob.h"

const char *const BLOB_CONTAINERS[BLOB_CONTAINER_COUNT] = {"artwork", "thumbs", "avatars", "assets", "backups", "logs"};

enum { DRIVER_FS, DRIVER_AZURE };

struct blob_store {
    int driver;
    char root[1024];   /* fs: absolute root, no trailing slash */
    azure_blob_t *az;
};

/* ---- names ---- */

int blob_container_valid(const char *c)
{
    for (int i = 0; c && i < BLOB_CONTAINER_COUNT; i++)
        if (!strcmp(c, BLOB_CONTAINERS[i]))
            return 1;
    return 0;
}

int blob_name_valid(const char *name)
{
    if (!name)
        return 0;
    size_t n = strlen(name);
    if (n == 0 || n > BLOB_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
        return 0;
    int seg_start = 1;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '/') {
            if (seg_start) /* empty segment */
                return 0;
            seg_start = 1;
            continue;
        }
        if (seg_start && c == '.') /* ".", "..", dotfiles and our own temp files */
            return 0;
        seg_start = 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

const char *blob_type_for_name(const char *name)
{
    static const struct { const char *ext, *type; } TYPES[] = {
        {".svg", "image/svg+xml"}, {".png", "image/png"},        {".webp", "image/webp"},
        {".jpg", "image/jpeg"},    {".jpeg", "image/jpeg"},      {".gif", "image/gif"},
        {".json", "application/json"}, {".gz", "application/gzip"}, {".sql", "application/sql"},
        {".txt", "text/plain; charset=utf-8"}, {".log", "text/plain; charset=utf-8"},
        {".ndjson", "application/x-ndjson"}, {".css", "text/css"}, {".js", "text/javascript"},
    };
    const char *dot = name ? strrchr(name, '.') : NULL;
    const char *slash = name ? strrchr(name, '/') : NULL;
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
            if (!strcasecmp(dot, TYPES[i].ext))
                return TYPES[i].type;
    return "application/octet-stream";
}

static int check(const char *container, const char *name, char *err, size_t errlen)
{
    if (!blob_container_valid(container)) {
        snprintf(err, errlen, "unknown container \"%s\"", container ? container : "");
        return BLOB_INVALID;
    }
    if (name && !blob_name_valid(name)) {
        snprintf(err, errlen, "invalid blob name");
        return BLOB_INVALID;
    }
    return 0;
}

static int tier_valid(const char *t)
{
    return t && (!strcmp(t, "Hot") || !strcmp(t, "Cool") || !strcmp(t, "Cold") || !strcmp(t, "Archive"));
}

/* ---- the filesystem driver ---- */

static int mkdirs(char *path, size_t upto)
{
    /* creates every directory of path[0..upto) (path is modified and restored) */
    for (size_t i = 1; i <= upto; i++) {
        if (i == upto || path[i] == '/') {
            char save = path[i];
            path[i] = '\0';
            int r = mkdir(path, 0750);
            path[i] = save;
            if (r && errno != EEXIST)
                return -1;
        }
    }
    return 0;
}

/* Makes the parent directories of path. */
static int mkparents(char *path)
{
    char *slash = strrchr(path, '/');
    return slash ? mkdirs(path, (size_t)(slash - path)) : 0;
}

static int fs_path(const blob_store_t *bs, char *out, size_t outlen, const char *area, const char *container,
                   const char *name, const char *suffix)
{
    int n = snprintf(out, outlen, "%s%s%s/%s%s%s%s", bs->root, area ? "/" : "", area ? area : "", container,
                     name ? "/" : "", name ? name : "", suffix ? suffix : "");
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Opens path (absolute, under root) only if it resolves beneath root through no symlink at
 * all: names are validated, but a link planted inside the store must not lead out of it. */
static int open_beneath(const char *root, const char *path, int flags)
{
    size_t rl = strlen(root);
    if (strncmp(path, root, rl) || path[rl] != '/') {
        errno = EXDEV;
        return -1;
    }
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, rootfd, path + rl + 1, &how, sizeof how);
    int e = errno;
    close(rootfd);
    errno = e;
    return fd;
}

/* 0 when the directory that holds path is inside the root with no symlink on the way. */
static int parent_beneath(const char *root, char *path)
{
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int fd = open_beneath(root, path, O_PATH | O_DIRECTORY);
    *slash = '/';
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* Writes data to path atomically: a temp file beside it, fsync'd, then renamed over it. */
static int write_atomic(const char *root, char *path, const void *data, size_t len, char *err, size_t errlen)
{
    if (mkparents(path) || parent_beneath(root, path)) {
        snprintf(err, errlen, "cannot create directories for a blob: %s", strerror(errno));
        return BLOB_ERR;
    }
    char tmp[1200];
    char *slash = strrchr(path, '/');
    snprintf(tmp, sizeof tmp, "%.*s/.tmp-XXXXXX", (int)(slash - path), path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a blob file: %s", strerror(errno));
        return BLOB_ERR;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write a blob: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            return BLOB_ERR;
        }
        p += w;
        left -= (size_t)w;
    }
    fchmod(fd, 0640);
    if (fsync(fd) || close(fd) || rename(tmp, path)) {
        snprintf(err, errlen, "cannot store a blob: %s", strerror(errno));
        unlink(tmp);
        return BLOB_ERR;
    }
    return 0;
}

static void fs_read_meta(const blob_store_t *bs, const char *container, const char *name, blob_info_t *info)
{
    char path[1200], text[300] = "";
    snprintf(info->content_type, sizeof info->content_type, "%s", blob_type_for_name(name));
    snprintf(info->tier, sizeof info->tier, "Hot");
    if (fs_path(bs, path, sizeof path, ".meta", container, name, NULL))
        return;
    int fd = open_beneath(bs->root, path, O_RDONLY);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *nl = strchr(text, '\n');
    if (!nl)
        return;
    *nl = '\0';
    if (text[0])
        snprintf(info->content_type, sizeof info->content_type, "%.127s", text);
    char *tier = nl + 1;
    tier[strcspn(tier, "\n")] = '\0';
    if (tier_valid(tier))
        snprintf(info->tier, sizeof info->tier, "%s", tier);
}

static int fs_write_meta(const blob_store_t *bs, const char *container, const char *name, const char *type,
                         const char *tier, char *err, size_t errlen)
{
    char path[1200], text[300];
    if (fs_path(bs, path, sizeof path, ".meta", container, name, NULL)) {
        snprintf(err, errlen, "blob path too long");
        return BLOB_ERR;
    }
    int n = snprintf(text, sizeof text, "%s\n%s\n", type, tier);
    return write_atomic(bs->root, path, text, (size_t)n, err, errlen);
}

static void info_from_stat(const struct stat *st, const char *name, blob_info_t *info)
{
    size_t len = strnlen(name, sizeof info->name - 1); /* names were validated to fit */
    memcpy(info->name, name, len);
    info->name[len] = '\0';
    info->size = (size_t)st->st_size;
    info->last_modified = (int64_t)st->st_mtim.tv_sec;
    snprintf(info->etag, sizeof info->etag, "\"%lx-%lx-%lx\"", (unsigned long)st->st_ino, (unsigned long)st->st_size,
             (unsigned long)(st->st_mtim.tv_sec * 1000000000L + st->st_mtim.tv_nsec));
}

static int fs_put(blob_store_t *bs, const char *container, const char *name, const void *data, size_t len,
                  const char *type, blob_info_t *info, char *err, size_t errlen)
{
    char path[1200];
    if (fs_path(bs, path, sizeof path, NULL, container, name, NULL)) {
        snprintf(err, errlen, "blob path too long");
        return BLOB_ERR;
    }
    /* the sidecar first: a reader that sees the new bytes also sees their type */
    int rc = fs_write_meta(bs, container, name, type, "Hot", err, errlen);
    if (rc == 0)
        rc = write_atomic(bs->root, path, data, len, err, errlen);
    if (rc == 0 && info) {
        struct stat st;
        memset(info, 0, sizeof *info);
        if (stat(path, &st) == 0)
            info_from_stat(&st, name, info);
        snprintf(info->content_type, sizeof info->content_type, "%s", type);
        snprintf(info->tier, sizeof info->tier, "Hot");
    }
    return rc;
}

static int fs_open(blob_store_t *bs, const char *container, const char *name, struct stat *st, char *err,
                   size_t errlen)
{
    char path[1200];
    if (fs_path(bs, path, sizeof path, NULL, container, name, NULL)) {
        snprintf(err, errlen, "blob path too long");
        return BLOB_ERR;
    }
    int fd = open_beneath(bs->root, path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV)
            return BLOB_NOT_FOUND;
        snprintf(err, errlen, "cannot open a blob: %s", strerror(errno));
        return BLOB_ERR;
    }
    if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
        close(fd);
        return BLOB_NOT_FOUND;
    }
    return fd;
}

static int fs_get(blob_store_t *bs, const char *container, const char *name, buf_t *out, blob_info_t *info,
                  char *err, size_t errlen)
{
    struct stat st;
    int fd = fs_open(bs, container, name, &st, err, errlen);
    if (fd < 0)
        return fd;
    size_t before = out->len;
    char chunk[65536];
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read a blob: %s", strerror(errno));
            rc = BLOB_ERR;
            break;
        }
        if (r == 0)
            break;
        if (buf_append(out, chunk, (size_t)r)) {
            snprintf(err, errlen, "blob larger than %zu bytes", out->max);
            rc = BLOB_ERR;
            break;
        }
    }
    close(fd);
    if (rc) {
        out->len = before;
        return rc;
    }
    if (info) {
        memset(info, 0, sizeof *info);
        info_from_stat(&st, name, info);
        fs_read_meta(bs, container, name, info);
    }
    return 0;
}

static int fs_head(blob_store_t *bs, const char *container, const char *name, blob_info_t *info, char *err,
                   size_t errlen)
{
    struct stat st;
    int fd = fs_open(bs, container, name, &st, err, errlen);
    if (fd < 0)
        return fd;
    close(fd);
    if (info) {
        memset(info, 0, sizeof *info);
        info_from_stat(&st, name, info);
        fs_read_meta(bs, container, name, info);
    }
    return 0;
}

typedef struct walk {
    blob_store_t *bs;
    const char *container;
    const char *prefix;
    blob_list_fn fn;
    void *arg;
    int stop;
} walk_t;

/* Visits the regular files under dir (rel is the blob name prefix of dir, "" at the top). */
static int walk_dir(walk_t *w, const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int rc = 0;
    while (!w->stop && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') /* ., .., temp files */
            continue;
        char path[1200], name[BLOB_NAME_MAX + 2];
        int pn = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int nn = snprintf(name, sizeof name, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        if (pn < 0 || (size_t)pn >= sizeof path || nn < 0 || (size_t)nn >= sizeof name)
            continue;
        struct stat st;
        if (lstat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            /* only descend where the prefix can still match */
            size_t pl = w->prefix ? strlen(w->prefix) : 0, nl = strlen(name);
            if (pl && strncmp(name, w->prefix, nl < pl ? nl : pl))
                continue;
            if (walk_dir(w, path, name))
                rc = -1;
        } else if (S_ISREG(st.st_mode) && blob_name_valid(name) &&
                   (!w->prefix || !strncmp(name, w->prefix, strlen(w->prefix)))) {
            blob_info_t info;
            memset(&info, 0, sizeof info);
            info_from_stat(&st, name, &info);
            fs_read_meta(w->bs, w->container, name, &info);
            if (w->fn(&info, w->arg))
                w->stop = 1;
        }
    }
    closedir(d);
    return rc;
}

static int fs_list(blob_store_t *bs, const char *container, const char *prefix, blob_list_fn fn, void *arg,
                   char *err, size_t errlen)
{
    char dir[1200];
    fs_path(bs, dir, sizeof dir, NULL, container, NULL, NULL);
    walk_t w = {bs, container, prefix && *prefix ? prefix : NULL, fn, arg, 0};
    if (walk_dir(&w, dir, "")) {
        snprintf(err, errlen, "cannot list %s: %s", container, strerror(errno));
        return BLOB_ERR;
    }
    return 0;
}

static int fs_delete_at(blob_store_t *bs, const char *container, const char *name, time_t now, char *err,
                        size_t errlen)
{
    char path[1200], meta[1200], dpath[1300], dmeta[1310], suffix[40];
    snprintf(suffix, sizeof suffix, "@%lld", (long long)now);
    if (fs_path(bs, path, sizeof path, NULL, container, name, NULL) ||
        fs_path(bs, meta, sizeof meta, ".meta", container, name, NULL) ||
        fs_path(bs, dpath, sizeof dpath, ".deleted", container, name, suffix)) {
        snprintf(err, errlen, "blob path too long");
        return BLOB_ERR;
    }
    snprintf(dmeta, sizeof dmeta, "%s@meta", dpath);
    struct stat st;
    if (lstat(path, &st) || !S_ISREG(st.st_mode) || parent_beneath(bs->root, path))
        return BLOB_NOT_FOUND;
    if (mkparents(dpath) || parent_beneath(bs->root, dpath) || rename(path, dpath)) {
        if (errno == ENOENT)
            return BLOB_NOT_FOUND; /* deleted by someone else meanwhile */
        snprintf(err, errlen, "cannot delete a blob: %s", strerror(errno));
        return BLOB_ERR;
    }
    if (rename(meta, dmeta) && errno != ENOENT)
        unlink(meta);
    return 0;
}

/* Finds the newest soft-deleted version of name: its path (without @meta) in out. */
static int fs_newest_deleted(blob_store_t *bs, const char *container, const char *name, char *out, size_t outlen)
{
    char dir[1200], base[BLOB_NAME_MAX + 2];
    const char *slash = strrchr(name, '/');
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : name);
    if (fs_path(bs, dir, sizeof dir, ".deleted", container, name, NULL))
        return -1;
    char *ds = strrchr(dir, '/');
    *ds = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long long best = -1;
    struct dirent *e;
    size_t bl = strlen(base);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, bl) || e->d_name[bl] != '@')
            continue;
        char *end;
        long long t = strtoll(e->d_name + bl + 1, &end, 10);
        if (*end == '\0' && t > best)
            best = t;
    }
    closedir(d);
    if (best < 0)
        return -1;
    snprintf(out, outlen, "%s/%s@%lld", dir, base, best);
    return 0;
}

static int fs_undelete(blob_store_t *bs, const char *container, const char *name, char *err, size_t errlen)
{
    char dpath[1400], dmeta[1500], path[1200], meta[1200];
    if (fs_newest_deleted(bs, container, name, dpath, sizeof dpath))
        return BLOB_NOT_FOUND;
    snprintf(dmeta, sizeof dmeta, "%s@meta", dpath);
    fs_path(bs, path, sizeof path, NULL, container, name, NULL);
    fs_path(bs, meta, sizeof meta, ".meta", container, name, NULL);
    struct stat st;
    if (lstat(path, &st) == 0) {
        snprintf(err, errlen, "a live blob of that name exists");
        return BLOB_ERR;
    }
    if (mkparents(path) || mkparents(meta) || rename(dpath, path)) {
        snprintf(err, errlen, "cannot restore a blob: %s", strerror(errno));
        return BLOB_ERR;
    }
    rename(dmeta, meta);
    return 0;
}

static int fs_set_tier(blob_store_t *bs, const char *container, const char *name, const char *tier, char *err,
                       size_t errlen)
{
    blob_info_t info;
    int rc = fs_head(bs, container, name, &info, err, errlen);
    if (rc)
        return rc;
    return fs_write_meta(bs, container, name, info.content_type, tier, err, errlen);
}

/* Removes soft-deleted files older than the retention under dir. */
static void fs_purge_dir(const char *dir, time_t cutoff, int *purged)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[1400];
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            fs_purge_dir(path, cutoff, purged);
            rmdir(path); /* fails while not empty: fine */
            continue;
        }
        const char *at = strchr(e->d_name, '@');
        if (!at)
            continue;
        long long t = strtoll(at + 1, NULL, 10);
        if (t > 0 && t < (long long)cutoff) {
            int is_meta = strstr(at + 1, "@meta") != NULL;
            if (unlink(path) == 0 && !is_meta)
                (*purged)++;
        }
    }
    closedir(d);
}

/* ---- the interface ---- */

blob_store_t *blob_open(const blob_opts_t *o, char *err, size_t errlen)
{
    blob_store_t *bs = calloc(1, sizeof *bs);
    if (!bs) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!o->driver || !strcmp(o->driver, "fs")) {
        bs->driver = DRIVER_FS;
        const char *root = o->fs_root && *o->fs_root ? o->fs_root : "var/blobs";
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", root);
        size_t n = strlen(tmp);
        while (n > 1 && tmp[n - 1] == '/')
            tmp[--n] = '\0';
        if (mkdirs(tmp, n) || !realpath(tmp, bs->root)) {
            snprintf(err, errlen, "blob root %s: %s", root, strerror(errno));
            free(bs);
            return NULL;
        }
        return bs;
    }
    if (!strcmp(o->driver, "azure")) {
        bs->driver = DRIVER_AZURE;
        azure_blob_opts_t ao = {.account = o->account,
                                .key = o->key,
                                .endpoint = o->endpoint,
                                .identity_endpoint = o->identity_endpoint,
                                .client_id = o->client_id,
                                .timeout_ms = o->timeout_ms};
        bs->az = azure_blob_create(&ao, err, errlen);
        if (!bs->az) {
            free(bs);
            return NULL;
        }
        return bs;
    }
    snprintf(err, errlen, "unknown blob driver \"%s\" (fs or azure)", o->driver);
    free(bs);
    return NULL;
}

blob_store_t *blob_open_config(const config_t *cfg, char *err, size_t errlen)
{
    blob_opts_t o = {.driver = cfg->blob_driver,
                     .fs_root = cfg->blob_dir,
                     .account = cfg->azure_storage_account,
                     .key = cfg->azure_storage_key,
                     .endpoint = cfg->azure_blob_endpoint,
                     .identity_endpoint = cfg->azure_identity_endpoint,
                     .client_id = cfg->azure_client_id};
    return blob_open(&o, err, errlen);
}

void blob_close(blob_store_t *bs)
{
    if (!bs)
        return;
    azure_blob_destroy(bs->az);
    free(bs);
}

const char *blob_driver_name(const blob_store_t *bs)
{
    return bs->driver == DRIVER_AZURE ? "azure" : "fs";
}

int blob_ensure_containers(blob_store_t *bs, char *err, size_t errlen)
{
    for (int i = 0; i < BLOB_CONTAINER_COUNT; i++) {
        if (bs->driver == DRIVER_AZURE) {
            int rc = azure_blob_create_container(bs->az, BLOB_CONTAINERS[i], err, errlen);
            if (rc)
                return rc;
        } else {
            char dir[1200];
            fs_path(bs, dir, sizeof dir, NULL, BLOB_CONTAINERS[i], NULL, NULL);
            if (mkdir(dir, 0750) && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
                return BLOB_ERR;
            }
        }
    }
    return 0;
}

int blob_put(blob_store_t *bs, const char *container, const char *name, const void *data, size_t len,
             const char *content_type, blob_info_t *info, char *err, size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    const char *type = content_type && *content_type ? content_type : blob_type_for_name(name);
    if (strlen(type) >= sizeof info->content_type || strpbrk(type, "\r\n")) {
        snprintf(err, errlen, "invalid content type");
        return BLOB_INVALID;
    }
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_put(bs->az, container, name, data, len, type, info, err, errlen);
    return fs_put(bs, container, name, data, len, type, info, err, errlen);
}

int blob_get(blob_store_t *bs, const char *container, const char *name, buf_t *out, blob_info_t *info, char *err,
             size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_get(bs->az, container, name, out, info, err, errlen);
    return fs_get(bs, container, name, out, info, err, errlen);
}

int blob_head(blob_store_t *bs, const char *container, const char *name, blob_info_t *info, char *err, size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_head(bs->az, container, name, info, err, errlen);
    return fs_head(bs, container, name, info, err, errlen);
}

int blob_list(blob_store_t *bs, const char *container, const char *prefix, blob_list_fn fn, void *arg, char *err,
              size_t errlen)
{
    int rc = check(container, NULL, err, errlen);
    if (rc)
        return rc;
    if (prefix && strlen(prefix) > BLOB_NAME_MAX) {
        snprintf(err, errlen, "prefix too long");
        return BLOB_INVALID;
    }
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_list(bs->az, container, prefix, fn, arg, err, errlen);
    return fs_list(bs, container, prefix, fn, arg, err, errlen);
}

int blob_delete(blob_store_t *bs, const char *container, const char *name, char *err, size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_delete(bs->az, container, name, err, errlen);
    return fs_delete_at(bs, container, name, time(NULL), err, errlen);
}

int blob_undelete(blob_store_t *bs, const char *container, const char *name, char *err, size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_undelete(bs->az, container, name, err, errlen);
    return fs_undelete(bs, container, name, err, errlen);
}

int blob_set_tier(blob_store_t *bs, const char *container, const char *name, const char *tier, char *err,
                  size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    if (!tier_valid(tier)) {
        snprintf(err, errlen, "tier must be Hot, Cool, Cold or Archive");
        return BLOB_INVALID;
    }
    if (bs->driver == DRIVER_AZURE)
        return azure_blob_set_tier(bs->az, container, name, tier, err, errlen);
    return fs_set_tier(bs, container, name, tier, err, errlen);
}

int blob_sas_url(blob_store_t *bs, const char *container, const char *name, time_t expires, char *out, size_t outlen,
                 char *err, size_t errlen)
{
    int rc = check(container, name, err, errlen);
    if (rc)
        return rc;
    if (bs->driver != DRIVER_AZURE) {
        snprintf(err, errlen, "the filesystem driver has no signed URLs");
        return BLOB_ERR;
    }
    return azure_blob_sas_url(bs->az, container, name, expires, out, outlen, err, errlen);
}

/* ---- lifecycle ---- */

typedef struct cool_item { char name[BLOB_NAME_MAX + 1]; } cool_item_t;

typedef struct cool_walk {
    time_t cutoff;
    int scanned;
    cool_item_t *items;
    size_t n, cap;
    int oom;
} cool_walk_t;

static int collect_old(const blob_info_t *info, void *arg)
{
    cool_walk_t *w = arg;
    w->scanned++;
    if (strcmp(info->tier, "Hot") || info->last_modified >= (int64_t)w->cutoff)
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        cool_item_t *p = realloc(w->items, cap * sizeof *p);
        if (!p) {
            w->oom = 1;
            return 1;
        }
        w->items = p;
        w->cap = cap;
    }
    snprintf(w->items[w->n++].name, sizeof w->items[0].name, "%s", info->name);
    return 0;
}

int blob_lifecycle_run(blob_store_t *bs, time_t now, blob_lifecycle_report_t *rep, char *err, size_t errlen)
{
    static const char *const COOLED[] = {"backups", "logs"};
    blob_lifecycle_report_t r = {0};
    int rc = 0;
    for (size_t c = 0; c < sizeof COOLED / sizeof COOLED[0] && rc == 0; c++) {
        /* collect first, then change: never modify what a listing is walking */
        cool_walk_t w = {.cutoff = now - (time_t)BLOB_COOL_AFTER_DAYS * 86400};
        rc = blob_list(bs, COOLED[c], NULL, collect_old, &w, err, errlen);
        if (rc == 0 && w.oom) {
            snprintf(err, errlen, "out of memory");
            rc = BLOB_ERR;
        }
        for (size_t i = 0; rc == 0 && i < w.n; i++) {
            int t = blob_set_tier(bs, COOLED[c], w.items[i].name, "Cool", err, errlen);
            if (t == 0)
                r.cooled++;
            else if (t != BLOB_NOT_FOUND) /* deleted meanwhile is fine */
                rc = t;
        }
        r.scanned += w.scanned;
        free(w.items);
    }
    if (rc == 0 && bs->driver == DRIVER_FS) {
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/.deleted", bs->root);
        fs_purge_dir(dir, now - (time_t)BLOB_SOFT_DELETE_DAYS * 86400, &r.purged);
    }
    if (rep)
        *rep = r;
    return rc;
}
