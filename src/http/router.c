/* router: linear segment matching over a small static table. Tens of routes make a trie
 * pointless; a linear scan of pre-split patterns costs well under a microsecond. */
#include "http/router.h"

#include <string.h>

typedef struct seg { const char *p; size_t n; } seg_t;

/* Splits "/a/b/c" into segments; returns count or -1 when there are too many. Empty segments
 * (double slashes, trailing slash) are kept so that "/api/creatures/" does not equal "/api/creatures". */
static int split(const char *path, size_t len, seg_t *segs)
{
    if (len == 0 || path[0] != '/')
        return -1;
    int n = 0;
    size_t i = 1, start = 1;
    for (; i <= len; i++) {
        if (i == len || path[i] == '/') {
            if (n == ROUTER_MAX_SEGMENTS)
                return -1;
            segs[n].p = path + start;
            segs[n].n = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int match_pattern(const char *pattern, const seg_t *segs, int nsegs, route_match_t *out)
{
    seg_t psegs[ROUTER_MAX_SEGMENTS];
    int np = split(pattern, strlen(pattern), psegs);
    if (np != nsegs)
        return 0;
    int nparams = 0;
    for (int i = 0; i < np; i++) {
        if (psegs[i].n > 0 && psegs[i].p[0] == ':') {
            if (segs[i].n == 0 || nparams == ROUTER_MAX_PARAMS)
                return 0;
            if (out) {
                out->params[nparams].start = segs[i].p;
                out->params[nparams].len = segs[i].n;
            }
            nparams++;
        } else if (psegs[i].n != segs[i].n || memcmp(psegs[i].p, segs[i].p, segs[i].n)) {
            return 0;
        }
    }
    if (out)
        out->nparams = nparams;
    return 1;
}

int router_match(const route_t *routes, size_t nroutes, const char *method, size_t method_len, const char *path,
                 size_t path_len, route_match_t *out)
{
    memset(out, 0, sizeof *out);
    seg_t segs[ROUTER_MAX_SEGMENTS];
    int nsegs = split(path, path_len, segs);
    if (nsegs < 0)
        return -1;
    size_t allow_len = 0;
    for (size_t i = 0; i < nroutes; i++) {
        const route_t *r = &routes[i];
        /* HEAD is GET without the body (RFC 9110 9.3.2); libh2o leaves the body out */
        int head_of_get = method_len == 4 && !memcmp(method, "HEAD", 4) && !strcmp(r->method, "GET");
        int same_method = head_of_get || (strlen(r->method) == method_len && !memcmp(r->method, method, method_len));
        if (same_method) {
            if (match_pattern(r->pattern, segs, nsegs, out)) {
                out->route = r;
                out->path_matched = 0;
                return 0;
            }
        } else if (match_pattern(r->pattern, segs, nsegs, NULL)) {
            out->path_matched = 1;
            size_t ml = strlen(r->method);
            if (!strstr(out->allow, r->method) && allow_len + ml + 2 < sizeof out->allow) {
                if (allow_len) {
                    memcpy(out->allow + allow_len, ", ", 2);
                    allow_len += 2;
                }
                memcpy(out->allow + allow_len, r->method, ml);
                allow_len += ml;
                out->allow[allow_len] = '\0';
            }
        }
    }
    /* whatever answers GET answers HEAD too */
    if (strstr(out->allow, "GET") && allow_len + 6 < sizeof out->allow)
        memcpy(out->allow + allow_len, ", HEAD", 7);
    out->nparams = 0;
    return -1;
}
