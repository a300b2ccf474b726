/* static: the built PWA (cfg->static_dir, web/dist) served by the loop thread itself, through
 * libh2o's own file handler (ETag, 304, ranges, pre-compressed .br/.gz with Vary), behind our
 * own path rules: paths are decoded and checked here (no dot segments, encoded slashes, NUL,
 * backslashes or dotfiles), and every file must resolve beneath the root (openat2
 * RESOLVE_BENEATH: no symlink may lead outside). Cache-Control follows the Front Door rules.
 * Owner: http/server.c creates one per listener and loop thread (never shared across threads). */
#ifndef CHATLINGS_STATIC_H
#define CHATLINGS_STATIC_H
#include <stddef.h>

#define STATIC_PATH_MAX 1024

struct st_h2o_globalconf_t;
struct st_h2o_req_t;
typedef struct static_files static_files_t;

/* A file tree rooted at dir. headers: name, value, ..., NULL added to every static response
 * (security headers with the pages' CSP); copied by reference, must outlive the server.
 * The directory may not exist yet (a front end built later): it is looked up when needed. */
static_files_t *static_create(struct st_h2o_globalconf_t *gc, const char *dir, const char *const *headers);
void static_destroy(static_files_t *sf);

/* Serves a GET or HEAD on the loop thread. Returns 0 when a response was started (200, 206,
 * 304, 416, ...), -1 when there is nothing to serve (the caller answers 404). */
int static_serve(static_files_t *sf, struct st_h2o_req_t *req, const char *request_id);

/* ---- pure parts (unit-tested) ---- */

/* Decodes and checks a raw request path (without the query). 0 with the clean path in out
 * (starts with '/', '//' merged, a trailing '/' kept), or -1 when the path must be refused. */
int static_normalize_path(const char *raw, size_t len, char *out, size_t outlen);
/* The Cache-Control value for a clean path. */
const char *static_cache_control(const char *clean_path);
/* 1 when a miss on this clean path should get index.html (SPA routes): its last segment has
 * no dot, the client accepts text/html, and it is not under /api/ or /auth/. */
int static_wants_index(const char *clean_path, const char *accept, size_t accept_len);

#endif
