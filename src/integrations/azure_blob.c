/* azure_blob: the Blob service REST calls the blob store needs, Shared Key and SAS signing,
 * and managed-identity tokens. Requests are small and blocking (httpc); callers are handler
 * threads, the worker and CLI commands, never the HTTP loop. */
#include "integrations/azure_blob.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "integrations/httpc.h"
#include "store/blob.h"

#define TOKEN_MAX 8192
#define TOKEN_MARGIN_S 300 /* refresh this long before the token expires */
#define MAX_SIGN_HEADERS 24
#define LIST_PAGE_MAX (8u << 20)

struct azure_blob {
    char account[128];
    char key[256];               /* base64, "" = managed identity */
    char endpoint[512];          /* no trailing slash */
    char base_path[256];         /* path part of endpoint ("/devstoreaccount1" on Azurite, "" on Azure) */
    char identity_endpoint[512];
    char client_id[128];
    long timeout_ms;
    pthread_mutex_t mu;          /* guards the token cache */
    char token[TOKEN_MAX];
    time_t token_expires;
};

/* ---- small helpers ---- */

void azure_blob_http_date(time_t t, char out[40])
{
    static const char *const DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    /* by hand rather than strftime: the names must be English whatever the locale */
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", DAYS[tm.tm_wday], tm.tm_mday, MONTHS[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int64_t parse_http_date(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end)
        return 0;
    return (int64_t)timegm(&tm);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes in[0..len) into out; '+' stays '+' (Azure signs the decoded value). */
static int pct_decode(const char *in, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)in[i];
        if (c == '%' && i + 2 < len + 0 && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            c = hexval(in[i + 1]) * 16 + hexval(in[i + 2]);
            i += 2;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* Percent-encodes everything but RFC 3986 unreserved characters (and '/' when keep_slash). */
static void pct_encode(buf_t *b, const char *s, int keep_slash)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
            buf_append(b, s, 1);
        else
            buf_printf(b, "%%%02X", c);
    }
}

/* ---- Shared Key ---- */

typedef struct kv { char name[64]; char value[1024]; } kv_t;

static int kv_cmp(const void *a, const void *b)
{
    const kv_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Value of a standard header among "Name: value" lines, "" when absent. */
static const char *header_value(const char *const *headers, const char *name, char *tmp, size_t tmplen)
{
    size_t nl = strlen(name);
    tmp[0] = '\0';
    for (const char *const *h = headers; h && *h; h++) {
        if (!strncasecmp(*h, name, nl) && (*h)[nl] == ':') {
            const char *v = *h + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(tmp, tmplen, "%s", v);
            size_t n = strlen(tmp);
            while (n && (tmp[n - 1] == ' ' || tmp[n - 1] == '\r'))
                tmp[--n] = '\0';
            break;
        }
    }
    return tmp;
}

int azure_blob_string_to_sign(const char *method, const char *account, const char *path, const char *query,
                              const char *const *headers, buf_t *out)
{
    static const char *const STANDARD[] = {"Content-Encoding", "Content-Language", "Content-Length",
                                           "Content-MD5", "Content-Type", "Date", "If-Modified-Since",
                                           "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"};
    char tmp[1024];
    buf_puts(out, method);
    buf_puts(out, "\n");
    for (size_t i = 0; i < sizeof STANDARD / sizeof STANDARD[0]; i++) {
        const char *v = header_value(headers, STANDARD[i], tmp, sizeof tmp);
        /* since 2015-02-21 a zero Content-Length is signed as the empty string */
        if (!strcmp(STANDARD[i], "Content-Length") && !strcmp(v, "0"))
            v = "";
        buf_puts(out, v);
        buf_puts(out, "\n");
    }
    /* CanonicalizedHeaders: x-ms-* lower-cased, sorted, "name:value\n" */
    kv_t xs[MAX_SIGN_HEADERS];
    int nx = 0;
    for (const char *const *h = headers; h && *h; h++) {
        if (strncasecmp(*h, "x-ms-", 5))
            continue;
        const char *colon = strchr(*h, ':');
        if (!colon || nx == MAX_SIGN_HEADERS || (size_t)(colon - *h) >= sizeof xs[0].name)
            return -1;
        size_t nl = (size_t)(colon - *h);
        for (size_t k = 0; k < nl; k++)
            xs[nx].name[k] = (char)tolower((unsigned char)(*h)[k]);
        xs[nx].name[nl] = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        snprintf(xs[nx].value, sizeof xs[nx].value, "%s", v);
        size_t vl = strlen(xs[nx].value);
        while (vl && xs[nx].value[vl - 1] == ' ')
            xs[nx].value[--vl] = '\0';
        nx++;
    }
    qsort(xs, (size_t)nx, sizeof xs[0], kv_cmp);
    for (int i = 0; i < nx; i++)
        buf_printf(out, "%s:%s\n", xs[i].name, xs[i].value);
    /* CanonicalizedResource: /account/path, then each query parameter "\nname:v1,v2" sorted */
    buf_printf(out, "/%s%s", account, path);
    kv_t qs[MAX_SIGN_HEADERS];
    int nq = 0;
    const char *p = query ? query : "";
    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        if (nq == MAX_SIGN_HEADERS)
            return -1;
        if (pct_decode(p, klen, qs[nq].name, sizeof qs[nq].name))
            return -1;
        for (char *c = qs[nq].name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (pct_decode(eq ? eq + 1 : p + len, eq ? len - klen - 1 : 0, qs[nq].value, sizeof qs[nq].value))
            return -1;
        nq++;
        p += len;
        if (*p == '&')
            p++;
    }
    qsort(qs, (size_t)nq, sizeof qs[0], kv_cmp);
    for (int i = 0; i < nq; i++) {
        if (i > 0 && !strcmp(qs[i].name, qs[i - 1].name)) {
            buf_printf(out, ",%s", qs[i].value);
            continue;
        }
        buf_printf(out, "\n%s:%s", qs[i].name, qs[i].value);
    }
    return out->overflow ? -1 : 0;
}

int azure_blob_sign(const char *key_b64, const char *msg, size_t msg_len, char *out, size_t outlen)
{
    unsigned char key[128], mac[crypto_auth_hmacsha256_BYTES];
    size_t keylen;
    if (sodium_base642bin(key, sizeof key, key_b64, strlen(key_b64), NULL, &keylen, NULL,
                          sodium_base64_VARIANT_ORIGINAL))
        return -1;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, msg_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(key, sizeof key);
    if (outlen < sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL))
        return -1;
    sodium_bin2base64(out, outlen, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int azure_blob_sas_string_to_sign(const char *account, const char *container, const char *name,
                                  const char *permissions, const char *expiry_iso, const char *version, buf_t *out)
{
    /* sp, st, se, canonicalizedResource, si, sip, spr, sv, sr, snapshot time, encryption
     * scope, rscc, rscd, rsce, rscl, rsct: one per line, empty when unused */
    buf_printf(out, "%s\n\n%s\n/blob/%s/%s/%s\n\n\nhttps,http\n%s\nb\n\n\n\n\n\n\n", permissions, expiry_iso, account,
               container, name, version);
    return out->overflow ? -1 : 0;
}

/* ---- managed identity ---- */

/* Fetches a token for https://storage.azure.com/ from the instance metadata service (or the
 * App Service identity endpoint when IDENTITY_ENDPOINT/IDENTITY_HEADER are set). */
static int fetch_token(azure_blob_t *a, char *err, size_t errlen)
{
    char url[1200], hdr[600];
    const char *resource = "https%3A%2F%2Fstorage.azure.com%2F";
    const char *app_ep = getenv("IDENTITY_ENDPOINT"), *app_hdr = getenv("IDENTITY_HEADER");
    const char *headers[3] = {NULL};
    if (app_ep && *app_ep && app_hdr && *app_hdr && !strcmp(a->identity_endpoint, "http://169.254.169.254")) {
        snprintf(url, sizeof url, "%s?api-version=2019-08-01&resource=%s%s%s", app_ep, resource,
                 a->client_id[0] ? "&client_id=" : "", a->client_id);
        snprintf(hdr, sizeof hdr, "X-IDENTITY-HEADER: %s", app_hdr);
        headers[0] = hdr;
    } else {
        snprintf(url, sizeof url, "%s/metadata/identity/oauth2/token?api-version=2018-02-01&resource=%s%s%s",
                 a->identity_endpoint, resource, a->client_id[0] ? "&client_id=" : "", a->client_id);
        headers[0] = "Metadata: true";
    }
    buf_t body;
    buf_init(&body, 64 * 1024);
    long status = 0;
    char herr[256];
    int rc = -1;
    if (httpc_request("GET", url, headers, NULL, 0, a->timeout_ms, &status, &body, herr, sizeof herr)) {
        snprintf(err, errlen, "managed identity: %s", herr);
        goto out;
    }
    if (status != 200) {
        snprintf(err, errlen, "managed identity: token endpoint answered %ld", status);
        goto out;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body.data ? body.data : "", body.len, 0, &jerr);
    const char *tok = json_string_value(json_object_get(doc, "access_token"));
    json_t *exp_on = json_object_get(doc, "expires_on"), *exp_in = json_object_get(doc, "expires_in");
    long long expires = 0;
    if (json_is_string(exp_on))
        expires = atoll(json_string_value(exp_on));
    else if (json_is_integer(exp_on))
        expires = json_integer_value(exp_on);
    else if (json_is_string(exp_in))
        expires = (long long)time(NULL) + atoll(json_string_value(exp_in));
    else if (json_is_integer(exp_in))
        expires = (long long)time(NULL) + json_integer_value(exp_in);
    if (!tok || !*tok || strlen(tok) >= sizeof a->token || expires <= 0) {
        snprintf(err, errlen, "managed identity: the token response has no usable access_token/expires_on");
        json_decref(doc);
        goto out;
    }
    snprintf(a->token, sizeof a->token, "%s", tok);
    a->token_expires = (time_t)expires;
    json_decref(doc);
    rc = 0;
out:
    buf_free(&body);
    return rc;
}

/* "Authorization: Bearer ..." into out, refreshing the cached token when it is near expiry. */
static int bearer_header(azure_blob_t *a, char *out, size_t outlen, char *err, size_t errlen)
{
    pthread_mutex_lock(&a->mu);
    int rc = 0;
    if (!a->token[0] || time(NULL) + TOKEN_MARGIN_S >= a->token_expires)
        rc = fetch_token(a, err, errlen);
    if (rc == 0)
        snprintf(out, outlen, "Authorization: Bearer %s", a->token);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* ---- requests ---- */

azure_blob_t *azure_blob_create(const azure_blob_opts_t *o, char *err, size_t errlen)
{
    if (!o->account || !*o->account || strlen(o->account) >= 64 || strspn(o->account, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(o->account)) {
        snprintf(err, errlen, "azure blob: the storage account name must be 1-63 lower-case letters and digits");
        return NULL;
    }
    azure_blob_t *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(a->account, sizeof a->account, "%s", o->account);
    snprintf(a->key, sizeof a->key, "%s", o->key ? o->key : "");
    if (o->endpoint && *o->endpoint)
        snprintf(a->endpoint, sizeof a->endpoint, "%s", o->endpoint);
    else
        snprintf(a->endpoint, sizeof a->endpoint, "https://%s.blob.core.windows.net", a->account);
    size_t n = strlen(a->endpoint);
    while (n && a->endpoint[n - 1] == '/')
        a->endpoint[--n] = '\0';
    const char *scheme = strstr(a->endpoint, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (!scheme || (strncmp(a->endpoint, "http://", 7) && strncmp(a->endpoint, "https://", 8))) {
        snprintf(err, errlen, "azure blob: the endpoint must be an http(s):// URL");
        free(a);
        return NULL;
    }
    snprintf(a->base_path, sizeof a->base_path, "%s", slash ? slash : "");
    snprintf(a->identity_endpoint, sizeof a->identity_endpoint, "%s",
             o->identity_endpoint && *o->identity_endpoint ? o->identity_endpoint : "http://169.254.169.254");
    n = strlen(a->identity_endpoint);
    while (n && a->identity_endpoint[n - 1] == '/')
        a->identity_endpoint[--n] = '\0';
    snprintf(a->client_id, sizeof a->client_id, "%s", o->client_id ? o->client_id : "");
    a->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 15000;
    if (a->key[0]) {
        char probe[64];
        if (azure_blob_sign(a->key, "", 0, probe, sizeof probe)) {
            snprintf(err, errlen, "azure blob: the storage key is not valid base64");
            free(a);
            return NULL;
        }
    }
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void azure_blob_destroy(azure_blob_t *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    sodium_memzero(a->key, sizeof a->key);
    sodium_memzero(a->token, sizeof a->token);
    free(a);
}

typedef struct call {
    const char *method;
    const char *container;
    const char *name;        /* NULL for container-level calls */
    const char *query;       /* raw, without '?', may be NULL */
    const char *const *extra;/* more "Name: value" headers (x-ms-*) */
    const void *body;
    size_t body_len;
    const char *content_type;
    /* out */
    long status;
    buf_t *resp;
    buf_t resp_headers;
} call_t;

/* Sends one signed request. 0 when a response arrived (any status), -1 on transport failure. */
static int do_call(azure_blob_t *a, call_t *c, char *err, size_t errlen)
{
    buf_t path, url, sts;
    buf_init(&path, 2048);
    buf_init(&url, 4096);
    buf_init(&sts, 8192);
    buf_init(&c->resp_headers, 64 * 1024);
    int rc = -1;
    buf_printf(&path, "%s/%s", a->base_path, c->container);
    if (c->name) {
        buf_puts(&path, "/");
        pct_encode(&path, c->name, 1);
    }
    buf_printf(&url, "%s%s%s%s", a->endpoint, path.data + strlen(a->base_path), c->query && *c->query ? "?" : "",
               c->query ? c->query : "");

    char date[40], h_date[64], h_len[64], h_type[200], auth[TOKEN_MAX + 64];
    azure_blob_http_date(time(NULL), date);
    snprintf(h_date, sizeof h_date, "x-ms-date: %s", date);
    snprintf(h_len, sizeof h_len, "Content-Length: %zu", c->body_len);
    /* an empty Content-Type: line makes libcurl drop its form-encoding default, which would
     * otherwise be sent unsigned and break the signature */
    snprintf(h_type, sizeof h_type, "Content-Type:%s%s", c->content_type ? " " : "",
             c->content_type ? c->content_type : "");
    const char *headers[MAX_SIGN_HEADERS + 8];
    size_t nh = 0;
    headers[nh++] = h_date;
    headers[nh++] = "x-ms-version: " AZURE_BLOB_VERSION;
    for (const char *const *e = c->extra; e && *e && nh < MAX_SIGN_HEADERS; e++)
        headers[nh++] = *e;
    headers[nh++] = h_type;
    size_t sign_end = nh;
    headers[nh++] = h_len;
    headers[nh] = NULL;
    if (a->key[0]) {
        if (azure_blob_string_to_sign(c->method, a->account, path.data, c->query, headers, &sts)) {
            snprintf(err, errlen, "azure blob: request too large to sign");
            goto out;
        }
        char sig[64];
        if (azure_blob_sign(a->key, sts.data, sts.len, sig, sizeof sig)) {
            snprintf(err, errlen, "azure blob: bad storage key");
            goto out;
        }
        snprintf(auth, sizeof auth, "Authorization: SharedKey %s:%s", a->account, sig);
    } else if (bearer_header(a, auth, sizeof auth, err, errlen)) {
        goto out;
    }
    /* what is sent: the signed headers, the authorization, no Expect: 100-continue; libcurl
     * adds Content-Length itself */
    headers[sign_end] = auth;
    headers[sign_end + 1] = "Expect:";
    headers[sign_end + 2] = NULL;
    const char *body = c->body ? c->body : (!strcmp(c->method, "PUT") ? "" : NULL);
    if (httpc_request_h(c->method, url.data, headers, body, c->body_len, a->timeout_ms, &c->status, c->resp,
                        &c->resp_headers, err, errlen))
        goto out;
    rc = 0;
out:
    buf_free(&path);
    buf_free(&url);
    buf_free(&sts);
    return rc;
}

/* Maps a finished call to 0 / BLOB_NOT_FOUND / BLOB_ERR with the service's error code. */
static int call_result(call_t *c, const char *what, char *err, size_t errlen)
{
    if (c->status >= 200 && c->status < 300)
        return 0;
    if (c->status == 404)
        return BLOB_NOT_FOUND;
    char code[128];
    if (!httpc_header(&c->resp_headers, "x-ms-error-code", code, sizeof code))
        snprintf(code, sizeof code, "no error code");
    snprintf(err, errlen, "azure blob: %s answered %ld (%s)", what, c->status, code);
    return BLOB_ERR;
}

static void info_from_headers(const buf_t *h, const char *name, blob_info_t *info)
{
    char v[128];
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", name);
    if (httpc_header(h, "content-length", v, sizeof v))
        info->size = (size_t)strtoull(v, NULL, 10);
    httpc_header(h, "etag", info->etag, sizeof info->etag);
    httpc_header(h, "content-type", info->content_type, sizeof info->content_type);
    if (httpc_header(h, "last-modified", v, sizeof v))
        info->last_modified = parse_http_date(v);
    if (!httpc_header(h, "x-ms-access-tier", info->tier, sizeof info->tier))
        snprintf(info->tier, sizeof info->tier, "Hot");
}

int azure_blob_create_container(azure_blob_t *a, const char *container, char *err, size_t errlen)
{
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    call_t c = {.method = "PUT", .container = container, .query = "restype=container", .resp = &resp};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0 && c.status != 409) /* 409 ContainerAlreadyExists is success here */
        rc = call_result(&c, "create container", err, errlen);
    buf_free(&resp);
    buf_free(&c.resp_headers);
    return rc;
}

int azure_blob_put(azure_blob_t *a, const char *container, const char *name, const void *data, size_t len,
                   const char *content_type, blob_info_t *info, char *err, size_t errlen)
{
    static const char *const extra[] = {"x-ms-blob-type: BlockBlob", NULL};
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    call_t c = {.method = "PUT", .container = container, .name = name, .extra = extra, .body = data ? data : "",
                .body_len = len, .content_type = content_type, .resp = &resp};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0)
        rc = call_result(&c, "put blob", err, errlen);
    if (rc == 0 && info) {
        info_from_headers(&c.resp_headers, name, info);
        info->size = len;
        snprintf(info->content_type, sizeof info->content_type, "%s", content_type ? content_type : "");
    }
    buf_free(&resp);
    buf_free(&c.resp_headers);
    return rc;
}

int azure_blob_get(azure_blob_t *a, const char *container, const char *name, buf_t *out, blob_info_t *info,
                   char *err, size_t errlen)
{
    size_t before = out->len;
    call_t c = {.method = "GET", .container = container, .name = name, .resp = out};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0)
        rc = call_result(&c, "get blob", err, errlen);
    if (rc != 0) {
        out->len = before; /* an error body is not the blob */
        if (out->data)
            out->data[before] = '\0';
    } else if (info) {
        info_from_headers(&c.resp_headers, name, info);
    }
    buf_free(&c.resp_headers);
    return rc;
}

int azure_blob_head(azure_blob_t *a, const char *container, const char *name, blob_info_t *info, char *err,
                    size_t errlen)
{
    buf_t resp;
    /* no body comes, but libcurl compares Content-Length (the blob's size) with the limit */
    buf_init(&resp, (size_t)1 << 40);
    call_t c = {.method = "HEAD", .container = container, .name = name, .resp = &resp};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0)
        rc = call_result(&c, "get blob properties", err, errlen);
    if (rc == 0 && info)
        info_from_headers(&c.resp_headers, name, info);
    buf_free(&resp);
    buf_free(&c.resp_headers);
    return rc;
}

/* The text of <tag>...</tag> within [p, end) into out (XML entities decoded). 1 found. */
static int xml_text(const char *p, const char *end, const char *tag, char *out, size_t outlen)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = '\0';
    const char *s = memmem(p, (size_t)(end - p), open, strlen(open));
    if (!s)
        return 0;
    s += strlen(open);
    const char *e = memmem(s, (size_t)(end - s), close, strlen(close));
    if (!e)
        return 0;
    size_t o = 0;
    while (s < e && o + 1 < outlen) {
        static const struct { const char *ent; char c; } ENT[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        int hit = 0;
        for (size_t k = 0; k < sizeof ENT / sizeof ENT[0]; k++) {
            size_t l = strlen(ENT[k].ent);
            if ((size_t)(e - s) >= l && !memcmp(s, ENT[k].ent, l)) {
                out[o++] = ENT[k].c;
                s += l;
                hit = 1;
                break;
            }
        }
        if (!hit)
            out[o++] = *s++;
    }
    out[o] = '\0';
    return 1;
}

int azure_blob_list(azure_blob_t *a, const char *container, const char *prefix, azure_blob_list_fn fn, void *arg,
                    char *err, size_t errlen)
{
    char marker[1024] = "";
    buf_t resp, q;
    buf_init(&resp, LIST_PAGE_MAX);
    buf_init(&q, 4096);
    int rc = 0, stop = 0;
    do {
        buf_reset(&resp);
        buf_reset(&q);
        buf_puts(&q, "restype=container&comp=list&maxresults=1000");
        if (prefix && *prefix) {
            buf_puts(&q, "&prefix=");
            pct_encode(&q, prefix, 0);
        }
        if (marker[0]) {
            buf_puts(&q, "&marker=");
            pct_encode(&q, marker, 0);
        }
        call_t c = {.method = "GET", .container = container, .query = q.data, .resp = &resp};
        rc = do_call(a, &c, err, errlen);
        if (rc == 0)
            rc = call_result(&c, "list blobs", err, errlen);
        buf_free(&c.resp_headers);
        if (rc)
            break;
        const char *p = resp.data ? resp.data : "", *end = p + resp.len;
        const char *blobs_end = memmem(p, resp.len, "</Blobs>", 8);
        for (const char *b = p; !stop && (b = memmem(b, (size_t)(end - b), "<Blob>", 6)) != NULL;) {
            const char *be = memmem(b, (size_t)(end - b), "</Blob>", 7);
            if (!be)
                break;
            blob_info_t info;
            char v[128];
            memset(&info, 0, sizeof info);
            xml_text(b, be, "Name", info.name, sizeof info.name);
            if (xml_text(b, be, "Content-Length", v, sizeof v))
                info.size = (size_t)strtoull(v, NULL, 10);
            xml_text(b, be, "Content-Type", info.content_type, sizeof info.content_type);
            if (xml_text(b, be, "Etag", v, sizeof v))
                snprintf(info.etag, sizeof info.etag, "%s%.90s%s", v[0] == '"' ? "" : "\"", v, v[0] == '"' ? "" : "\"");
            if (xml_text(b, be, "Last-Modified", v, sizeof v))
                info.last_modified = parse_http_date(v);
            if (!xml_text(b, be, "AccessTier", info.tier, sizeof info.tier))
                snprintf(info.tier, sizeof info.tier, "Hot");
            if (fn(&info, arg))
                stop = 1;
            b = be + 7;
        }
        marker[0] = '\0';
        if (blobs_end)
            xml_text(blobs_end, end, "NextMarker", marker, sizeof marker);
    } while (!stop && marker[0]);
    buf_free(&resp);
    buf_free(&q);
    return rc;
}

int azure_blob_delete(azure_blob_t *a, const char *container, const char *name, char *err, size_t errlen)
{
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    call_t c = {.method = "DELETE", .container = container, .name = name, .resp = &resp};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0)
        rc = call_result(&c, "delete blob", err, errlen);
    buf_free(&resp);
    buf_free(&c.resp_headers);
    return rc;
}

int azure_blob_undelete(azure_blob_t *a, const char *container, const char *name, char *err, size_t errlen)
{
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    call_t c = {.method = "PUT", .container = container, .name = name, .query = "comp=undelete", .resp = &resp};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0)
        rc = call_result(&c, "undelete blob", err, errlen);
    buf_free(&resp);
    buf_free(&c.resp_headers);
    return rc;
}

int azure_blob_set_tier(azure_blob_t *a, const char *container, const char *name, const char *tier, char *err,
                        size_t errlen)
{
    char h[64];
    snprintf(h, sizeof h, "x-ms-access-tier: %s", tier);
    const char *extra[] = {h, NULL};
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    call_t c = {.method = "PUT", .container = container, .name = name, .query = "comp=tier", .extra = extra,
                .resp = &resp};
    int rc = do_call(a, &c, err, errlen);
    if (rc == 0)
        rc = call_result(&c, "set blob tier", err, errlen);
    buf_free(&resp);
    buf_free(&c.resp_headers);
    return rc;
}

int azure_blob_sas_url(azure_blob_t *a, const char *container, const char *name, time_t expires, char *out,
                       size_t outlen, char *err, size_t errlen)
{
    if (!a->key[0]) {
        snprintf(err, errlen, "azure blob: a SAS needs the account key (managed identity cannot sign one)");
        return BLOB_ERR;
    }
    char se[32], sig[64];
    struct tm tm;
    gmtime_r(&expires, &tm);
    strftime(se, sizeof se, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_t sts, url;
    buf_init(&sts, 4096);
    buf_init(&url, 4096);
    int rc = BLOB_ERR;
    if (azure_blob_sas_string_to_sign(a->account, container, name, "r", se, AZURE_BLOB_VERSION, &sts) ||
        azure_blob_sign(a->key, sts.data, sts.len, sig, sizeof sig)) {
        snprintf(err, errlen, "azure blob: cannot sign the SAS");
        goto out;
    }
    buf_printf(&url, "%s/%s/", a->endpoint, container);
    pct_encode(&url, name, 1);
    buf_printf(&url, "?sv=%s&spr=https%%2Chttp&se=", AZURE_BLOB_VERSION);
    pct_encode(&url, se, 0);
    buf_puts(&url, "&sr=b&sp=r&sig=");
    pct_encode(&url, sig, 0);
    if (url.overflow || url.len >= outlen) {
        snprintf(err, errlen, "azure blob: SAS URL too long");
        goto out;
    }
    memcpy(out, url.data, url.len + 1);
    rc = 0;
out:
    buf_free(&sts);
    buf_free(&url);
    return rc;
}
