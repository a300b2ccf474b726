/* oidc: the client side of OpenID Connect. The discovery document and the JWKS are cached for
 * an hour behind one mutex; fetches happen outside the lock and are swapped in, so a slow
 * provider delays only the threads that need it. A token signed with a kid we do not know
 * triggers one JWKS refetch (the provider rotated its keys). */
#include "integrations/oidc.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "integrations/httpc.h"
#include "integrations/jwt.h"
#include "integrations/oauth.h"

_Static_assert(OIDC_RANDOM_LEN == OAUTH_RANDOM_LEN, "one random length for state, nonce and PKCE");

#define DISCOVERY_MAX (256u << 10)
#define JWKS_MAX (256u << 10)

struct oidc {
    char issuer[512];
    char client_id[512];
    char client_secret[512];
    char redirect_uri[512];
    int allow_http;          /* http:// endpoints on loopback (tests), never in production */
    long timeout_ms;
    pthread_mutex_t mu;
    json_t *discovery;       /* guarded by mu; readers take a reference */
    time_t discovery_at;
    json_t *jwks;
    time_t jwks_at;
};

/* ---- small helpers ---- */

int oidc_url_encode(const char *s, char *out, size_t outlen)
{
    buf_t b;
    buf_init(&b, outlen ? outlen : 1);
    oauth_url_append(&b, s);
    int rc = b.overflow ? -1 : 0;
    if (!rc)
        memcpy(out, b.len ? b.data : "", b.len + 1);
    buf_free(&b);
    return rc;
}

/* "host" of scheme://host[:port]/..., lower-cased bracket form kept for IPv6. */
static void url_host(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = 0;
    if (*p == '[') {
        while (p[n] && p[n] != ']')
            n++;
        if (p[n] == ']')
            n++;
    } else {
        while (p[n] && p[n] != '/' && p[n] != ':' && p[n] != '?' && p[n] != '#')
            n++;
    }
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static int is_loopback_host(const char *h)
{
    return !strcmp(h, "localhost") || !strncmp(h, "127.", 4) || !strcmp(h, "[::1]");
}

/* Only https://, or http:// to loopback when the instance allows it (local provider in tests). */
static int url_allowed(const oidc_t *o, const char *url)
{
    if (!url)
        return 0;
    if (!strncmp(url, "https://", 8))
        return url[8] != '\0';
    if (!strncmp(url, "http://", 7) && o->allow_http) {
        char host[256];
        url_host(url, host, sizeof host);
        return is_loopback_host(host);
    }
    return 0;
}

void oidc_provider_name(const char *issuer, char *out, size_t outlen)
{
    if (!strcmp(issuer, OIDC_GOOGLE_ISSUER)) {
        snprintf(out, outlen, "google");
        return;
    }
    url_host(issuer, out, outlen);
}

/* GET url and parse it as a JSON object. */
static json_t *fetch_json(const oidc_t *o, const char *url, size_t max, char *err, size_t errlen)
{
    buf_t body;
    buf_init(&body, max);
    long status = 0;
    static const char *const headers[] = {"Accept: application/json", NULL};
    json_t *j = NULL;
    char herr[256];
    if (httpc_request("GET", url, headers, NULL, 0, o->timeout_ms, &status, &body, herr, sizeof herr)) {
        snprintf(err, errlen, "GET %s: %s", url, herr);
    } else if (status != 200) {
        snprintf(err, errlen, "GET %s: HTTP %ld", url, status);
    } else {
        j = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
        if (!json_is_object(j)) {
            json_decref(j);
            j = NULL;
            snprintf(err, errlen, "GET %s: not a JSON object", url);
        }
    }
    buf_free(&body);
    return j;
}

/* ---- lifecycle ---- */

oidc_t *oidc_create(const oidc_opts_t *opts, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium initialisation failed");
        return NULL;
    }
    if (!opts->issuer || !opts->issuer[0] || !opts->client_id || !opts->client_id[0] || !opts->redirect_uri ||
        !opts->redirect_uri[0]) {
        snprintf(err, errlen, "OIDC issuer, client id and redirect URI are required");
        return NULL;
    }
    oidc_t *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if ((size_t)snprintf(o->issuer, sizeof o->issuer, "%s", opts->issuer) >= sizeof o->issuer ||
        (size_t)snprintf(o->client_id, sizeof o->client_id, "%s", opts->client_id) >= sizeof o->client_id ||
        (size_t)snprintf(o->client_secret, sizeof o->client_secret, "%s",
                         opts->client_secret ? opts->client_secret : "") >= sizeof o->client_secret ||
        (size_t)snprintf(o->redirect_uri, sizeof o->redirect_uri, "%s", opts->redirect_uri) >=
            sizeof o->redirect_uri) {
        snprintf(err, errlen, "OIDC setting too long");
        free(o);
        return NULL;
    }
    o->allow_http = !opts->production;
    o->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 5000;
    if (!url_allowed(o, o->issuer)) {
        snprintf(err, errlen, "OIDC issuer must be an https:// URL%s",
                 o->allow_http ? " (or http:// on loopback)" : "");
        free(o);
        return NULL;
    }
    pthread_mutex_init(&o->mu, NULL);
    return o;
}

void oidc_destroy(oidc_t *o)
{
    if (!o)
        return;
    json_decref(o->discovery);
    json_decref(o->jwks);
    pthread_mutex_destroy(&o->mu);
    sodium_memzero(o->client_secret, sizeof o->client_secret);
    free(o);
}

/* ---- discovery and JWKS ---- */

static const char *dstr(const json_t *doc, const char *name)
{
    return json_string_value(json_object_get(doc, name));
}

/* The discovery document (a new reference), fetched when missing or older than an hour. */
static json_t *get_discovery(oidc_t *o, char *err, size_t errlen)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&o->mu);
    json_t *doc = o->discovery && now - o->discovery_at < OIDC_CACHE_TTL_S ? json_incref(o->discovery) : NULL;
    pthread_mutex_unlock(&o->mu);
    if (doc)
        return doc;

    /* OIDC Discovery 4: remove a terminating "/" from the issuer before appending */
    char url[700];
    size_t ilen = strlen(o->issuer);
    while (ilen > 0 && o->issuer[ilen - 1] == '/')
        ilen--;
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration", (int)ilen, o->issuer);
    doc = fetch_json(o, url, DISCOVERY_MAX, err, errlen);
    if (!doc)
        return NULL;
    /* the issuer the document names must be exactly the one configured (Discovery 4.3),
     * otherwise a compromised document could make us accept another issuer's tokens */
    if (!dstr(doc, "issuer") || strcmp(dstr(doc, "issuer"), o->issuer)) {
        snprintf(err, errlen, "discovery issuer %.200s differs from the configured %.200s",
                 dstr(doc, "issuer") ? dstr(doc, "issuer") : "(none)", o->issuer);
        json_decref(doc);
        return NULL;
    }
    static const char *const need[] = {"authorization_endpoint", "token_endpoint", "jwks_uri"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        if (!url_allowed(o, dstr(doc, need[i]))) {
            snprintf(err, errlen, "discovery %s missing or not an allowed URL", need[i]);
            json_decref(doc);
            return NULL;
        }
    }
    pthread_mutex_lock(&o->mu);
    json_decref(o->discovery);
    o->discovery = json_incref(doc);
    o->discovery_at = now;
    pthread_mutex_unlock(&o->mu);
    return doc;
}

/* The JWKS (a new reference). force: refetch now (a token named a kid we do not have). That
 * costs one GET per such token, and only the provider's own token endpoint hands us tokens. */
static json_t *get_jwks(oidc_t *o, const json_t *doc, int force, char *err, size_t errlen)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&o->mu);
    json_t *jwks = NULL;
    if (o->jwks && !force && now - o->jwks_at < OIDC_CACHE_TTL_S)
        jwks = json_incref(o->jwks);
    pthread_mutex_unlock(&o->mu);
    if (jwks)
        return jwks;
    jwks = fetch_json(o, dstr(doc, "jwks_uri"), JWKS_MAX, err, errlen);
    if (!jwks)
        return NULL;
    if (!json_is_array(json_object_get(jwks, "keys"))) {
        snprintf(err, errlen, "JWKS has no keys array");
        json_decref(jwks);
        return NULL;
    }
    pthread_mutex_lock(&o->mu);
    json_decref(o->jwks);
    o->jwks = json_incref(jwks);
    o->jwks_at = now;
    pthread_mutex_unlock(&o->mu);
    return jwks;
}

/* ---- the flow ---- */

int oidc_begin(oidc_t *o, oidc_flow_t *flow, char *url, size_t urllen, char *err, size_t errlen)
{
    json_t *doc = get_discovery(o, err, errlen);
    if (!doc)
        return -1;
    if (oauth_random(flow->state) || oauth_random(flow->nonce) || oauth_random(flow->verifier)) {
        json_decref(doc);
        snprintf(err, errlen, "random generation failed");
        return -1;
    }
    char challenge[OIDC_RANDOM_LEN + 1];
    oauth_pkce_challenge(flow->verifier, challenge);

    const char *ep = dstr(doc, "authorization_endpoint");
    buf_t b;
    buf_init(&b, urllen);
    buf_puts(&b, ep);
    buf_puts(&b, strchr(ep, '?') ? "&" : "?");
    buf_puts(&b, "response_type=code&client_id=");
    oauth_url_append(&b, o->client_id);
    buf_puts(&b, "&redirect_uri=");
    oauth_url_append(&b, o->redirect_uri);
    buf_puts(&b, "&scope=");
    oauth_url_append(&b, "openid email profile");
    buf_puts(&b, "&state=");
    oauth_url_append(&b, flow->state);
    buf_puts(&b, "&nonce=");
    oauth_url_append(&b, flow->nonce);
    buf_puts(&b, "&code_challenge=");
    oauth_url_append(&b, challenge);
    buf_puts(&b, "&code_challenge_method=S256");
    json_decref(doc);
    int rc = 0;
    if (b.overflow) {
        snprintf(err, errlen, "authorization URL longer than %zu bytes", urllen);
        rc = -1;
    } else {
        memcpy(url, b.data, b.len + 1);
    }
    buf_free(&b);
    return rc;
}

/* 1 when the discovery document lists method among token_endpoint_auth_methods_supported. */
static int lists_auth_method(const json_t *doc, const char *method)
{
    const json_t *m = json_object_get(doc, "token_endpoint_auth_methods_supported");
    size_t i;
    const json_t *v;
    json_array_foreach(m, i, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), method))
            return 1;
    }
    return 0;
}

/* POSTs the code to the token endpoint; returns the parsed response with an id_token. */
static json_t *exchange_code(oidc_t *o, const json_t *doc, const char *code, const char *verifier, char *err,
                             size_t errlen)
{
    /* client_secret_basic is the default (RFC 6749 2.3.1, OIDC Core 9); fall back to
     * client_secret_post only when the provider lists that and not basic */
    int use_post = !lists_auth_method(doc, "client_secret_basic") && lists_auth_method(doc, "client_secret_post");

    buf_t form;
    buf_init(&form, 16384);
    buf_puts(&form, "grant_type=authorization_code&code=");
    oauth_url_append(&form, code);
    buf_puts(&form, "&redirect_uri=");
    oauth_url_append(&form, o->redirect_uri);
    buf_puts(&form, "&code_verifier=");
    oauth_url_append(&form, verifier);
    json_t *res = NULL;
    long status = 0;
    if (form.overflow) {
        snprintf(err, errlen, "token request too large");
    } else if (oauth_token_request(dstr(doc, "token_endpoint"), o->client_id, o->client_secret,
                                   use_post ? OAUTH_AUTH_POST : OAUTH_AUTH_BASIC, form.data, form.len, o->timeout_ms,
                                   &status, &res, err, errlen) == 0) {
        if (status != 200) {
            const char *e = dstr(res, "error"), *d = dstr(res, "error_description");
            snprintf(err, errlen, "token endpoint: HTTP %ld %.64s %.200s", status, e ? e : "", d ? d : "");
            json_decref(res);
            res = NULL;
        } else if (!json_is_object(res) || !dstr(res, "id_token")) {
            snprintf(err, errlen, "token endpoint: response without an id_token");
            json_decref(res);
            res = NULL;
        }
    }
    if (form.data)
        sodium_memzero(form.data, form.cap);
    buf_free(&form);
    return res;
}

int oidc_finish(oidc_t *o, const char *code, const oidc_flow_t *flow, oidc_identity_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!code || !code[0] || strlen(code) > 4096) {
        snprintf(err, errlen, "missing or oversized authorization code");
        return -1;
    }
    json_t *doc = get_discovery(o, err, errlen);
    if (!doc)
        return -1;
    int rc = -1;
    json_t *tok = NULL, *jwks = NULL, *claims = NULL;
    tok = exchange_code(o, doc, code, flow->verifier, err, errlen);
    if (!tok)
        goto out;
    const char *id_token = dstr(tok, "id_token");
    jwks = get_jwks(o, doc, 0, err, errlen);
    if (!jwks)
        goto out;
    jwt_expect_t x = {
        .issuer = o->issuer,
        /* Google documents both spellings of its iss claim */
        .issuer_alt = !strcmp(o->issuer, OIDC_GOOGLE_ISSUER) ? "accounts.google.com" : NULL,
        .client_id = o->client_id,
        .nonce = flow->nonce,
    };
    int v = jwt_verify_id_token(id_token, strlen(id_token), jwks, &x, &claims, err, errlen);
    if (v == JWT_ERR_UNKNOWN_KID) {
        json_decref(jwks);
        jwks = get_jwks(o, doc, 1, err, errlen);
        if (!jwks)
            goto out;
        v = jwt_verify_id_token(id_token, strlen(id_token), jwks, &x, &claims, err, errlen);
    }
    if (v != JWT_OK)
        goto out;
    snprintf(out->subject, sizeof out->subject, "%s", dstr(claims, "sub"));
    const char *email = dstr(claims, "email");
    if (email && strlen(email) < sizeof out->email)
        snprintf(out->email, sizeof out->email, "%s", email);
    out->email_verified = json_is_true(json_object_get(claims, "email_verified"));
    oidc_provider_name(o->issuer, out->provider, sizeof out->provider);
    rc = 0;
out:
    json_decref(claims);
    json_decref(jwks);
    json_decref(tok);
    json_decref(doc);
    return rc;
}
