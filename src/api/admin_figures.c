/* admin_figures: a small reader for two metric families of the Prometheus text format
 * (see admin_figures.h). Label values are found by name inside the braces; no label value of
 * ours contains a quote, and a sample that does not parse is skipped rather than guessed. */
#include "api/admin_figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REQUESTS "chatlings_http_requests_total{"
#define BUCKETS "chatlings_http_request_duration_seconds_bucket{"

/* The value of label name inside [lb, le) (the braces' contents) into out. 0, or -1. */
static int label(const char *lb, const char *end, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    for (const char *p = lb; p + n + 2 <= end; p++) {
        if ((p == lb || p[-1] == ',' || p[-1] == '{') && !memcmp(p, name, n) && p[n] == '=' && p[n + 1] == '"') {
            const char *v = p + n + 2, *q = v;
            while (q < end && *q != '"')
                q++;
            if (q >= end || (size_t)(q - v) >= outlen)
                return -1;
            memcpy(out, v, (size_t)(q - v));
            out[q - v] = '\0';
            return 0;
        }
    }
    return -1;
}

/* The sample value after the closing brace: "} 123" -> 123. 0, or -1. */
static int sample_value(const char *close, const char *eol, double *out)
{
    char num[64];
    const char *p = close + 1;
    while (p < eol && *p == ' ')
        p++;
    size_t n = 0;
    while (p + n < eol && p[n] != ' ' && n < sizeof num - 1) {
        num[n] = p[n];
        n++;
    }
    num[n] = '\0';
    if (!n)
        return -1;
    char *end;
    double v = strtod(num, &end);
    if (*end || !(v >= 0) || isinf(v))
        return -1;
    *out = v;
    return 0;
}

static int add_bucket(admin_http_figures_t *f, double le, double count)
{
    for (int i = 0; i < f->nbuckets; i++) {
        if (f->le[i] == le) {
            f->count[i] += count;
            return 0;
        }
    }
    if (f->nbuckets == ADMIN_FIGURES_MAX_BUCKETS)
        return -1;
    int i = f->nbuckets++;
    while (i > 0 && f->le[i - 1] > le) { /* keep them sorted as they arrive */
        f->le[i] = f->le[i - 1];
        f->count[i] = f->count[i - 1];
        i--;
    }
    f->le[i] = le;
    f->count[i] = count;
    return 0;
}

int admin_figures_parse(const char *text, size_t len, admin_http_figures_t *out)
{
    memset(out, 0, sizeof *out);
    out->p95_s = -1;
    int rc = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        int is_req = (size_t)(eol - p) > sizeof REQUESTS && !memcmp(p, REQUESTS, sizeof REQUESTS - 1);
        int is_bucket = (size_t)(eol - p) > sizeof BUCKETS && !memcmp(p, BUCKETS, sizeof BUCKETS - 1);
        if (is_req || is_bucket) {
            const char *lb = p + (is_req ? sizeof REQUESTS : sizeof BUCKETS) - 2; /* at '{' */
            const char *close = lb;
            while (close < eol && *close != '}')
                close++;
            char v[32];
            double value;
            if (close < eol && sample_value(close, eol, &value) == 0) {
                if (is_req && label(lb, close, "status", v, sizeof v) == 0) {
                    int status = atoi(v);
                    out->requests += value;
                    if (status >= 500 && status <= 599)
                        out->errors_5xx += value;
                    else if (status >= 400 && status <= 499)
                        out->errors_4xx += value;
                } else if (is_bucket && label(lb, close, "le", v, sizeof v) == 0) {
                    char *e;
                    double le = !strcmp(v, "+Inf") ? INFINITY : strtod(v, &e);
                    if ((isinf(le) || (!*e && le >= 0)) && add_bucket(out, le, value))
                        rc = -1;
                }
            }
        }
        p = eol + 1;
    }
    out->p95_s = admin_figures_quantile(0.95, out->le, out->count, out->nbuckets);
    return rc;
}

double admin_figures_quantile(double q, const double *le, const double *cum, int n)
{
    if (n == 0 || cum[n - 1] <= 0)
        return -1;
    double rank = q * cum[n - 1];
    for (int i = 0; i < n; i++) {
        if (cum[i] < rank)
            continue;
        if (isinf(le[i]))
            return i > 0 ? le[i - 1] : -1;
        double lo = i > 0 ? le[i - 1] : 0, clo = i > 0 ? cum[i - 1] : 0;
        if (cum[i] == clo)
            return le[i];
        return lo + (le[i] - lo) * (rank - clo) / (cum[i] - clo);
    }
    return n > 1 && isinf(le[n - 1]) ? le[n - 2] : le[n - 1];
}
