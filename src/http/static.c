/* static: our path rules in front of libh2o's file handler. The handler is registered on a
 * private pathconf (never in the host's dispatch list) and called directly with a cleaned
 * req->path_normalized, because h2o 2.2.5's own normalisation decodes %2e%2e after removing
 * dot segments (so "/%2e%2e/" would survive) and follows symlinks anywhere. */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#define ROOT_RECHECK_S 1 /* how often the root is re-resolved (a deploy may swap web/dist) */
#define CHECK_SLOTS 256  /* remembered containment checks (per loop thread, cleared each second) */
#define CHECK_PATH_MAX 192

/* A containment check's answer for one path (and its variants), valid for the current second:
 * hot files then cost no extra syscalls, and a change on disk shows within a second. */
typedef struct check_slot {
    char path[CHECK_PATH_MAX];
    int types;   /* the encodings whose variants were checked too */
    int result;  /* 0 = serve; -ENOENT or -EPERM */
} check_slot_t;

struct static_files {
    char *dir;                  /* as configured (relative to the working directory, or absolute) */
    const char *const *headers;
    h2o_pathconf_t pathconf;    /* private: only for the file handler */
    h2o_handler_t *files;       /* libh2o's file handler on that pathconf */
    int root_fd;                /* O_PATH of dir, -1 while it does not exist */
    dev_t root_dev;
    ino_t root_ino;
    time_t root_checked;
    time_t second;              /* the second the caches below belong to */
    check_slot_t checks[CHECK_SLOTS];
};

/* ---- pure rules ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int static_normalize_path(const char *raw, size_t len, char *out, size_t outlen)
{
    if (len == 0 || raw[0] != '/' || outlen < 2)
        return -1;
    size_t o = 0;
    size_t seg = 0; /* where the current segment starts in out */
    out[o++] = '/';
    seg = o;
    for (size_t i = 1; i <= len; i++) {
        int c = i < len ? (unsigned char)raw[i] : '/';
        int from_escape = 0;
        if (i < len && c == '%') {
            if (i + 2 >= len + 0 || hexval(raw[i + 1]) < 0 || hexval(raw[i + 2]) < 0)
                return -1;
            c = hexval(raw[i + 1]) * 16 + hexval(raw[i + 2]);
            i += 2;
            from_escape = 1;
        }
        if (c == '/' && !from_escape) {
            size_t sl = o - seg;
            if (sl == 0) {
                /* "//" merges; the end of input after a '/' keeps the trailing slash */
                continue;
            }
            /* a finished segment: no ".", "..", nor any other dotfile */
            if (out[seg] == '.')
                return -1;
            if (i < len) {
                if (o + 1 >= outlen)
                    return -1;
                out[o++] = '/';
                seg = o;
            }
            continue;
        }
        /* encoded slashes, NUL and control bytes, backslashes: never */
        if (c == '/' || c < 0x20 || c == 0x7f || c == '\\')
            return -1;
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    /* the input ended with '/': keep it (a directory index) */
    if (len > 1 && raw[len - 1] == '/' && out[o - 1] != '/') {
        if (o + 1 >= outlen)
            return -1;
        out[o++] = '/';
    }
    out[o] = '\0';
    return 0;
}

const char *static_cache_control(const char *p)
{
    size_t n = strlen(p);
    if (!strncmp(p, "/assets/", 8))
        return "public, max-age=31536000, immutable"; /* hashed names: a new build has new names */
    if (!strncmp(p, "/user/components/", 17))
        return "public, max-age=86400";
    if ((n >= 5 && !strcmp(p + n - 5, ".html")) || p[n - 1] == '/')
        return "public, max-age=3600";
    /* everything else (service worker, manifest, icons) revalidates by ETag every time */
    return "no-cache";
}

int static_wants_index(const char *p, const char *accept, size_t accept_len)
{
    /* the API's unknown paths stay JSON 404s whatever the client accepts */
    if (!strncmp(p, "/api/", 5) || !strcmp(p, "/api") || !strncmp(p, "/auth/", 6))
        return 0;
    const char *last = strrchr(p, '/');
    if (strchr(last ? last : p, '.'))
        return 0;
    return accept && memmem(accept, accept_len, "text/html", 9) != NULL;
}

/* ---- the file tree ---- */

static h2o_mimemap_t *make_mimemap(void)
{
    static const char *const TYPES[][2] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
        {"woff", "font/woff"},
        {"wasm", "application/wasm"},
    };
    h2o_mimemap_t *m = h2o_mimemap_create();
    h2o_mimemap_set_default_type(m, "application/octet-stream", NULL);
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        h2o_mimemap_define_mimetype(m, TYPES[i][0], TYPES[i][1], NULL);
    return m;
}

static_files_t *static_create(h2o_globalconf_t *gc, const char *dir, const char *const *headers)
{
    static_files_t *sf = calloc(1, sizeof *sf);
    if (!sf)
        return NULL;
    sf->dir = strdup(dir);
    sf->headers = headers;
    sf->root_fd = -1;
    h2o_mimemap_t *mm = make_mimemap();
    h2o_config_init_pathconf(&sf->pathconf, gc, "/", mm);
    static const char *no_index[] = {NULL};
    sf->files = (h2o_handler_t *)h2o_file_register(&sf->pathconf, dir, no_index, mm, H2O_FILE_FLAG_SEND_COMPRESSED);
    h2o_mem_release_shared(mm);
    return sf;
}

void static_destroy(static_files_t *sf)
{
    if (!sf)
        return;
    if (sf->root_fd >= 0)
        close(sf->root_fd);
    h2o_config_dispose_pathconf(&sf->pathconf);
    free(sf->dir);
    free(sf);
}

/* The root directory's fd, opened on first use and re-resolved at most once a second so that
 * swapping web/dist (a deploy) is noticed. -1 while there is no such directory. */
static int root_fd(static_files_t *sf)
{
    time_t now = time(NULL);
    if (sf->root_fd >= 0 && now - sf->root_checked < ROOT_RECHECK_S)
        return sf->root_fd;
    sf->root_checked = now;
    struct stat st;
    if (stat(sf->dir, &st) || !S_ISDIR(st.st_mode)) {
        if (sf->root_fd >= 0)
            close(sf->root_fd);
        sf->root_fd = -1;
        return -1;
    }
    if (sf->root_fd >= 0 && st.st_dev == sf->root_dev && st.st_ino == sf->root_ino)
        return sf->root_fd;
    int fd = open(sf->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sf->root_fd;
    if (sf->root_fd >= 0)
        close(sf->root_fd);
    memset(sf->checks, 0, sizeof sf->checks); /* answers about the old tree */
    sf->root_fd = fd;
    sf->root_dev = st.st_dev;
    sf->root_ino = st.st_ino;
    return fd;
}

/* 0: a regular file beneath the root; -ENOENT: nothing there (or a directory); -EPERM: there
 * is something, but it escapes the root or is not a plain file. */
static int check_beneath(int dirfd, const char *rel)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EPERM;
    struct stat st;
    int rc = fstat(fd, &st) ? -EPERM : S_ISREG(st.st_mode) ? 0 : S_ISDIR(st.st_mode) ? -ENOENT : -EPERM;
    close(fd);
    return rc;
}

static const char *req_header(h2o_req_t *req, const h2o_token_t *token, size_t *len)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    if (i < 0)
        return NULL;
    *len = req->headers.entries[i].value.len;
    return req->headers.entries[i].value.base;
}

/* Checks the .br/.gz variants the handler may pick for this client: a variant that escapes the
 * root refuses the whole request rather than letting libh2o open it. */
static int variants_ok(int dirfd, int types, const char *rel)
{
    char v[STATIC_PATH_MAX + 32];
    if ((types & H2O_COMPRESSIBLE_BROTLI)) {
        snprintf(v, sizeof v, "%s.br", rel);
        if (check_beneath(dirfd, v) == -EPERM)
            return 0;
    }
    if ((types & H2O_COMPRESSIBLE_GZIP)) {
        snprintf(v, sizeof v, "%s.gz", rel);
        if (check_beneath(dirfd, v) == -EPERM)
            return 0;
    }
    return 1;
}

static uint32_t path_hash(const char *s, int types)
{
    uint32_t h = 2166136261u ^ (uint32_t)types;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The file and the variants this client may get: 0 when all are safe to serve, -ENOENT when
 * there is no such file, -EPERM when something escapes the root. Remembered for the second. */
static int check_file(static_files_t *sf, int dirfd, const char *rel, int types)
{
    check_slot_t *slot = NULL;
    if (strlen(rel) < CHECK_PATH_MAX) {
        slot = &sf->checks[path_hash(rel, types) % CHECK_SLOTS];
        if (slot->types == types && !strcmp(slot->path, rel))
            return slot->result;
    }
    int rc = check_beneath(dirfd, rel);
    if (rc == 0 && !variants_ok(dirfd, types, rel))
        rc = -EPERM;
    if (slot && rc != -ENOENT) { /* misses are not remembered: a new file shows at once */
        snprintf(slot->path, sizeof slot->path, "%s", rel);
        slot->types = types;
        slot->result = rc;
    }
    return rc;
}

static void add_header(h2o_req_t *req, const char *name, const char *value)
{
    /* libh2o keeps pointers, not copies: both go into the request's pool */
    h2o_iovec_t n = h2o_strdup(&req->pool, name, strlen(name));
    h2o_iovec_t v = h2o_strdup(&req->pool, value, strlen(value));
    h2o_add_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 1, NULL, v.base, v.len);
}

int static_serve(static_files_t *sf, h2o_req_t *req, const char *request_id)
{
    char clean[STATIC_PATH_MAX + 16];
    size_t raw_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    if (static_normalize_path(req->path.base, raw_len, clean, STATIC_PATH_MAX))
        return -1;
    /* once a second: forget remembered checks and libh2o's open files (h2o's own server clears
     * its file cache after every loop pass; a second keeps hot files open under load) */
    time_t now = time(NULL);
    if (now != sf->second) {
        sf->second = now;
        memset(sf->checks, 0, sizeof sf->checks);
        h2o_filecache_clear(req->conn->ctx->filecache);
    }
    int dirfd = root_fd(sf);
    if (dirfd < 0)
        return -1;
    size_t n = strlen(clean);
    if (clean[n - 1] == '/') /* a directory: its index.html */
        memcpy(clean + n, "index.html", sizeof "index.html");
    int types = h2o_get_compressible_types(&req->headers);
    int rc = check_file(sf, dirfd, clean + 1, types);
    if (rc == -ENOENT) {
        size_t alen = 0;
        const char *accept = req_header(req, H2O_TOKEN_ACCEPT, &alen);
        if (!static_wants_index(clean, accept, alen))
            return -1;
        snprintf(clean, sizeof clean, "/index.html");
        rc = check_file(sf, dirfd, clean + 1, types);
    }
    if (rc != 0)
        return -1;

    add_header(req, "x-request-id", request_id);
    for (const char *const *h = sf->headers; h && h[0]; h += 2)
        add_header(req, h[0], h[1]);
    add_header(req, "cache-control", static_cache_control(clean));
    /* hand the clean path to libh2o's handler, which maps it onto the same root */
    req->path_normalized = h2o_strdup(&req->pool, clean, strlen(clean));
    req->norm_indexes = NULL;
    if (sf->files->on_req(sf->files, req) == 0)
        return 0;
    /* vanished between the check and the open: nothing was sent, start over as a miss */
    req->res.headers = (h2o_headers_t){NULL, 0, 0};
    return -1;
}
