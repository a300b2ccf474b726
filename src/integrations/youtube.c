/* youtube: HTTP calls to Google's token endpoint and the YouTube Data API, and the pure
 * parsers behind them. Everything from the network is untrusted: ids are checked against
 * YouTube's alphabet before they become cache keys, titles are kept as opaque (bounded)
 * text, and a malformed answer is YT_BAD_RESPONSE, never a crash. */
#include "integrations/youtube.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "integrations/httpc.h"
#include "integrations/oauth.h"

#define API_RESPONSE_MAX (2u << 20)
#define DAY_MS 86400000LL

const char *youtube_status_name(yt_status_t st)
{
    switch (st) {
    case YT_OK: return "ok";
    case YT_UNAUTHORIZED: return "unauthorized";
    case YT_INVALID_GRANT: return "invalid_grant";
    case YT_QUOTA: return "quota_exceeded";
    case YT_TRANSIENT: return "transient";
    case YT_BAD_RESPONSE: return "bad_response";
    case YT_NOT_FOUND: return "not_found";
    case YT_FORBIDDEN: return "forbidden";
    case YT_CONFIG: return "client_misconfigured";
    }
    return "unknown";
}

void youtube_client_from_config(const config_t *cfg, youtube_client_t *out)
{
    *out = (youtube_client_t){.client_id = cfg->youtube_client_id,
                              .client_secret = cfg->youtube_client_secret,
                              .oauth_base = cfg->google_oauth_base_url,
                              .token_url = cfg->google_token_url,
                              .api_base = cfg->youtube_api_base_url,
                              .timeout_ms = 10000};
}

int youtube_configured(const config_t *cfg)
{
    return cfg->youtube_client_id[0] != '\0';
}

/* base without its trailing slashes, then path */
static void join_url(buf_t *b, const char *base, const char *path)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    buf_append(b, base, n);
    buf_puts(b, path);
}

int youtube_auth_url(const youtube_client_t *c, const char *redirect_uri, const char *state, const char *challenge,
                     char *out, size_t outlen)
{
    buf_t b;
    buf_init(&b, outlen);
    join_url(&b, c->oauth_base, "/o/oauth2/v2/auth?response_type=code&client_id=");
    oauth_url_append(&b, c->client_id);
    buf_puts(&b, "&redirect_uri=");
    oauth_url_append(&b, redirect_uri);
    buf_puts(&b, "&scope=");
    oauth_url_append(&b, YOUTUBE_SCOPE);
    /* offline: a refresh token for the worker; consent: Google sends one on every connection */
    buf_puts(&b, "&access_type=offline&prompt=consent&include_granted_scopes=true&state=");
    oauth_url_append(&b, state);
    buf_puts(&b, "&code_challenge=");
    oauth_url_append(&b, challenge);
    buf_puts(&b, "&code_challenge_method=S256");
    int rc = b.overflow ? -1 : 0;
    if (!rc)
        memcpy(out, b.data, b.len + 1);
    buf_free(&b);
    return rc;
}

/* ---- small parsing helpers ---- */

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* YouTube ids (videos, channels) are base64url-ish: [A-Za-z0-9_-], at most 63 characters. */
static int valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= YOUTUBE_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '_'))
            return 0;
    }
    return 1;
}

/* Copies s into out (outlen bytes), cutting at a UTF-8 character boundary. */
static void copy_utf8(char *out, size_t outlen, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= outlen) {
        n = outlen - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int youtube_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
        digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0)
            return -1;
        for (; nd < 3; nd++)
            frac_ms *= 10;
    }
    int64_t offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_min = (int64_t)(oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t days = clock_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 24 + h) * 60 + mi - offset_min) * 60000 + (int64_t)se * 1000 + frac_ms;
    return 0;
}

yt_status_t youtube_classify_error(long status, const char *body, size_t len)
{
    if (status == 401)
        return YT_UNAUTHORIZED;
    if (status == 404)
        return YT_NOT_FOUND;
    if (status == 429 || status >= 500)
        return YT_TRANSIENT;
    if (status == 403) {
        json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
        const json_t *errs = json_object_get(json_object_get(doc, "error"), "errors");
        yt_status_t st = YT_FORBIDDEN;
        size_t i;
        const json_t *e;
        json_array_foreach(errs, i, e) {
            const char *reason = jstr(e, "reason");
            if (!reason)
                continue;
            if (!strcmp(reason, "quotaExceeded") || !strcmp(reason, "dailyLimitExceeded"))
                st = YT_QUOTA;
            else if (st != YT_QUOTA &&
                     (!strcmp(reason, "rateLimitExceeded") || !strcmp(reason, "userRateLimitExceeded")))
                st = YT_TRANSIENT;
        }
        json_decref(doc);
        return st;
    }
    if (status >= 400 && status < 500)
        return YT_BAD_RESPONSE; /* our request was wrong: sending it again will not help */
    return YT_TRANSIENT;
}

/* ---- tokens ---- */

yt_status_t youtube_parse_tokens(long status, const char *body, size_t len, youtube_tokens_t *out, char *err,
                                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *doc = json_loadb(body ? body : "", len, 0, NULL);
    yt_status_t st;
    if (status != 200) {
        const char *e = jstr(doc, "error");
        if (status >= 500 || status == 429)
            st = YT_TRANSIENT;
        else if (e && !strcmp(e, "invalid_grant"))
            st = YT_INVALID_GRANT;
        else if (e && (!strcmp(e, "invalid_client") || !strcmp(e, "unauthorized_client")))
            st = YT_CONFIG;
        else
            st = YT_BAD_RESPONSE;
        snprintf(err, errlen, "token endpoint: HTTP %ld %.64s", status, e ? e : "");
    } else if (!json_is_object(doc) || !jstr(doc, "access_token") || !jstr(doc, "access_token")[0] ||
               strlen(jstr(doc, "access_token")) >= sizeof out->access_token) {
        snprintf(err, errlen, "token endpoint: no usable access_token in the answer");
        st = YT_BAD_RESPONSE;
    } else {
        snprintf(out->access_token, sizeof out->access_token, "%s", jstr(doc, "access_token"));
        const char *rt = jstr(doc, "refresh_token");
        if (rt && strlen(rt) < sizeof out->refresh_token)
            snprintf(out->refresh_token, sizeof out->refresh_token, "%s", rt);
        json_t *exp = json_object_get(doc, "expires_in");
        out->expires_in = json_is_integer(exp) ? (long)json_integer_value(exp) : 3600;
        if (out->expires_in <= 0 || out->expires_in > 86400 * 30)
            out->expires_in = 3600;
        const char *scope = jstr(doc, "scope");
        copy_utf8(out->scope, sizeof out->scope, scope ? scope : "");
        st = YT_OK;
    }
    json_decref(doc);
    return st;
}

int youtube_scope_ok(const char *scope)
{
    static const char broad[] = "https://www.googleapis.com/auth/youtube";
    const char *p = scope ? scope : "";
    while (*p) {
        size_t n = strcspn(p, " ");
        if ((n == strlen(YOUTUBE_SCOPE) && !strncmp(p, YOUTUBE_SCOPE, n)) ||
            (n == strlen(broad) && !strncmp(p, broad, n)))
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

static yt_status_t token_call(const youtube_client_t *c, buf_t *form, youtube_tokens_t *out, char *err,
                              size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (form->overflow) {
        snprintf(err, errlen, "token request too large");
        return YT_BAD_RESPONSE;
    }
    long status = 0;
    json_t *doc = NULL;
    /* Google accepts client credentials in the form (client_secret_post) */
    if (oauth_token_request(c->token_url, c->client_id, c->client_secret, OAUTH_AUTH_POST, form->data, form->len,
                            c->timeout_ms, &status, &doc, err, errlen))
        return YT_TRANSIENT;
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    yt_status_t st = youtube_parse_tokens(status, text ? text : "", text ? strlen(text) : 0, out, err, errlen);
    if (text) {
        sodium_memzero(text, strlen(text));
        free(text);
    }
    return st;
}

yt_status_t youtube_exchange_code(const youtube_client_t *c, const char *code, const char *verifier,
                                  const char *redirect_uri, youtube_tokens_t *out, char *err, size_t errlen)
{
    buf_t form;
    buf_init(&form, 16384);
    buf_puts(&form, "grant_type=authorization_code&code=");
    oauth_url_append(&form, code);
    buf_puts(&form, "&redirect_uri=");
    oauth_url_append(&form, redirect_uri);
    buf_puts(&form, "&code_verifier=");
    oauth_url_append(&form, verifier);
    yt_status_t st = token_call(c, &form, out, err, errlen);
    if (form.data)
        sodium_memzero(form.data, form.cap);
    buf_free(&form);
    return st;
}

yt_status_t youtube_refresh(const youtube_client_t *c, const char *refresh_token, youtube_tokens_t *out, char *err,
                            size_t errlen)
{
    buf_t form;
    buf_init(&form, 8192);
    buf_puts(&form, "grant_type=refresh_token&refresh_token=");
    oauth_url_append(&form, refresh_token);
    yt_status_t st = token_call(c, &form, out, err, errlen);
    if (form.data)
        sodium_memzero(form.data, form.cap);
    buf_free(&form);
    return st;
}

/* ---- the API ---- */

/* GET url with the bearer token; the body into *body. YT_OK on 200, else the classification. */
static yt_status_t api_get(const youtube_client_t *c, const char *url, const char *access_token, buf_t *body,
                           long *status, char *err, size_t errlen)
{
    char auth[2200];
    if ((size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s", access_token) >= sizeof auth) {
        snprintf(err, errlen, "access token too long");
        return YT_BAD_RESPONSE;
    }
    const char *headers[] = {auth, "Accept: application/json", NULL};
    char herr[256];
    *status = 0;
    int rc = httpc_request("GET", url, headers, NULL, 0, c->timeout_ms > 0 ? c->timeout_ms : 10000, status, body,
                           herr, sizeof herr);
    sodium_memzero(auth, sizeof auth);
    if (rc) {
        snprintf(err, errlen, "YouTube API: %s", herr);
        return YT_TRANSIENT;
    }
    if (*status == 200)
        return YT_OK;
    yt_status_t st = youtube_classify_error(*status, body->data, body->len);
    snprintf(err, errlen, "YouTube API: HTTP %ld (%s)", *status, youtube_status_name(st));
    return st;
}

yt_status_t youtube_parse_liked_page(long status, const char *body, size_t len, youtube_page_t *out, char *err,
                                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (status != 200)
        return youtube_classify_error(status, body, len);
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr);
    const json_t *items = json_object_get(doc, "items");
    if (!json_is_object(doc) || !json_is_array(items)) {
        snprintf(err, errlen, "playlistItems: not a list answer (%.80s)", doc ? "no items array" : jerr.text);
        json_decref(doc);
        return YT_BAD_RESPONSE;
    }
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it) {
        if (out->n >= YOUTUBE_PAGE_MAX)
            break;
        const json_t *sn = json_object_get(it, "snippet");
        const char *vid = jstr(json_object_get(sn, "resourceId"), "videoId");
        int64_t ms;
        if (!valid_id(vid) || youtube_parse_time(jstr(sn, "publishedAt"), &ms))
            continue; /* not a video, or no usable time: nothing we could reward fairly */
        youtube_like_t *l = &out->items[out->n++];
        snprintf(l->video_id, sizeof l->video_id, "%s", vid);
        l->liked_ms = ms;
        const char *ch = jstr(sn, "videoOwnerChannelId");
        if (valid_id(ch))
            snprintf(l->channel_id, sizeof l->channel_id, "%s", ch);
        copy_utf8(l->title, sizeof l->title, jstr(sn, "title"));
    }
    const char *next = jstr(doc, "nextPageToken");
    if (next && strlen(next) < sizeof out->next_page_token)
        snprintf(out->next_page_token, sizeof out->next_page_token, "%s", next);
    json_decref(doc);
    return YT_OK;
}

yt_status_t youtube_liked_page(const youtube_client_t *c, const char *access_token, const char *page_token,
                               youtube_page_t *out, char *err, size_t errlen)
{
    buf_t url, body;
    buf_init(&url, 4096);
    buf_init(&body, API_RESPONSE_MAX);
    join_url(&url, c->api_base, "/playlistItems?part=snippet&playlistId=LL&maxResults=50");
    if (page_token && *page_token) {
        buf_puts(&url, "&pageToken=");
        oauth_url_append(&url, page_token);
    }
    long status;
    yt_status_t st = url.overflow ? YT_BAD_RESPONSE : api_get(c, url.data, access_token, &body, &status, err, errlen);
    if (st == YT_OK)
        st = youtube_parse_liked_page(status, body.data, body.len, out, err, errlen);
    else
        memset(out, 0, sizeof *out);
    buf_free(&url);
    buf_free(&body);
    return st;
}

yt_status_t youtube_parse_videos(long status, const char *body, size_t len, youtube_video_t *out, int max, int *nout,
                                 char *err, size_t errlen)
{
    *nout = 0;
    if (status != 200)
        return youtube_classify_error(status, body, len);
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr);
    const json_t *items = json_object_get(doc, "items");
    if (!json_is_object(doc) || !json_is_array(items)) {
        snprintf(err, errlen, "videos: not a list answer (%.80s)", doc ? "no items array" : jerr.text);
        json_decref(doc);
        return YT_BAD_RESPONSE;
    }
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it) {
        if (*nout >= max)
            break;
        const char *id = jstr(it, "id");
        const json_t *sn = json_object_get(it, "snippet");
        if (!valid_id(id))
            continue;
        youtube_video_t *v = &out[(*nout)++];
        memset(v, 0, sizeof *v);
        snprintf(v->id, sizeof v->id, "%s", id);
        const char *ch = jstr(sn, "channelId");
        if (valid_id(ch))
            snprintf(v->channel_id, sizeof v->channel_id, "%s", ch);
        copy_utf8(v->channel_title, sizeof v->channel_title, jstr(sn, "channelTitle"));
        copy_utf8(v->title, sizeof v->title, jstr(sn, "title"));
    }
    json_decref(doc);
    return YT_OK;
}

yt_status_t youtube_videos(const youtube_client_t *c, const char *access_token, const char *const *ids, int n,
                           youtube_video_t *out, int *nout, char *err, size_t errlen)
{
    *nout = 0;
    if (n <= 0)
        return YT_OK;
    buf_t url, body;
    buf_init(&url, 8192);
    buf_init(&body, API_RESPONSE_MAX);
    join_url(&url, c->api_base, "/videos?part=snippet&maxResults=50&id=");
    int added = 0;
    for (int i = 0; i < n && added < YOUTUBE_PAGE_MAX; i++) {
        if (!valid_id(ids[i]))
            continue;
        if (added++)
            buf_puts(&url, "%2C");
        buf_puts(&url, ids[i]);
    }
    long status;
    yt_status_t st = url.overflow ? YT_BAD_RESPONSE : api_get(c, url.data, access_token, &body, &status, err, errlen);
    if (st == YT_OK)
        st = youtube_parse_videos(status, body.data, body.len, out, n, nout, err, errlen);
    buf_free(&url);
    buf_free(&body);
    return st;
}

/* ---- quota ---- */

void youtube_quota_day(int64_t now_ms, char out[11])
{
    int64_t days = now_ms >= 0 ? now_ms / DAY_MS : -((-now_ms + DAY_MS - 1) / DAY_MS);
    int y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

int64_t youtube_quota_reset_ms(int64_t now_ms)
{
    int64_t days = now_ms >= 0 ? now_ms / DAY_MS : -((-now_ms + DAY_MS - 1) / DAY_MS);
    return (days + 1) * DAY_MS;
}

long youtube_round_budget(long units_left, int64_t now_ms, int64_t interval_ms)
{
    if (units_left <= 0)
        return 0;
    if (interval_ms <= 0)
        return units_left;
    int64_t left_ms = youtube_quota_reset_ms(now_ms) - now_ms;
    int64_t rounds = (left_ms + interval_ms - 1) / interval_ms;
    if (rounds < 1)
        rounds = 1;
    return (long)((units_left + rounds - 1) / rounds);
}
