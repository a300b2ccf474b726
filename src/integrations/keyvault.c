/* keyvault: managed-identity token + one GET per secret, at start-up only (so plain blocking
 * calls through httpc). Every buffer that held a token or a secret is wiped before it is freed. */
#include "integrations/keyvault.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "integrations/httpc.h"

const char KEYVAULT_DEFAULT_SECRETS[] =
    "DATABASE_URL=database-url,"
    "DATABASE_READ_URL=database-read-url,"
    "REDIS_URL=redis-url,"
    "CHATLINGS_SESSION_SECRET=session-secret,"
    "CHATLINGS_TOKEN_KEY=token-key,"
    "CHATLINGS_TOKEN_KEY_OLD=token-key-old,"
    "CHATLINGS_OIDC_CLIENT_SECRET=oidc-client-secret,"
    "CHATLINGS_YOUTUBE_CLIENT_SECRET=youtube-client-secret,"
    "CHATLINGS_AZURE_STORAGE_KEY=azure-storage-key,"
    "CHATLINGS_APPINSIGHTS_CONNECTION_STRING=appinsights-connection-string";

#define TIMEOUT_MS 5000L
#define ATTEMPTS 3

static void wipe_buf(buf_t *b)
{
    if (b->data)
        sodium_memzero(b->data, b->cap);
    buf_free(b);
}

int keyvault_parse_mapping(const char *spec, keyvault_mapping_t *out, int max, char *err, size_t errlen)
{
    int n = 0;
    for (const char *p = spec; p && *p;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        size_t el = eq ? (size_t)(eq - p) : 0, sl = eq ? len - el - 1 : 0;
        if (!eq || !el || !sl || el >= sizeof out[0].env || sl >= sizeof out[0].secret) {
            snprintf(err, errlen, "CHATLINGS_KEYVAULT_SECRETS: cannot read \"%.*s\" (want VAR=secret-name)", (int)len, p);
            return -1;
        }
        if (n >= max) {
            snprintf(err, errlen, "CHATLINGS_KEYVAULT_SECRETS: more than %d mappings", max);
            return -1;
        }
        for (size_t i = 0; i < el; i++) {
            char c = p[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                snprintf(err, errlen, "CHATLINGS_KEYVAULT_SECRETS: \"%.*s\" is not a variable name", (int)el, p);
                return -1;
            }
        }
        for (size_t i = 0; i < sl; i++) {
            char c = eq[1 + i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                snprintf(err, errlen, "CHATLINGS_KEYVAULT_SECRETS: \"%.*s\" is not a Key Vault secret name", (int)sl,
                         eq + 1);
                return -1;
            }
        }
        snprintf(out[n].env, sizeof out[n].env, "%.*s", (int)el, p);
        snprintf(out[n].secret, sizeof out[n].secret, "%.*s", (int)sl, eq + 1);
        n++;
        p += len;
        if (*p == ',')
            p++;
    }
    return n;
}

/* Percent-encodes s into out (RFC 3986 unreserved characters kept). -1 if it does not fit. */
static int url_encode(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                   c == '_' || c == '~';
        if (n + (keep ? 1 : 3) >= outlen)
            return -1;
        if (keep) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
    return 0;
}

/* Retries network errors, 429 and 5xx with a short back-off (IMDS can be slow right after boot). */
static int request_retry(const char *url, const char *const *headers, long *status, buf_t *resp, char *err,
                         size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        buf_reset(resp);
        int rc = httpc_request("GET", url, headers, NULL, 0, TIMEOUT_MS, status, resp, err, errlen);
        int transient = rc != 0 || *status == 429 || *status >= 500;
        if (!transient || attempt + 1 >= ATTEMPTS)
            return rc;
        usleep((useconds_t)(200000 << attempt));
    }
}

int keyvault_get_token(const char *endpoint, const char *identity_header, const char *client_id,
                       const char *resource, char *token, size_t toklen, char *err, size_t errlen)
{
    char res_enc[256], cid_enc[256] = "", url[2048];
    if (url_encode(resource, res_enc, sizeof res_enc) || (client_id && url_encode(client_id, cid_enc, sizeof cid_enc))) {
        snprintf(err, errlen, "keyvault: resource or client id too long");
        return -1;
    }
    int app_service = identity_header && *identity_header;
    int n = snprintf(url, sizeof url, "%s%capi-version=%s&resource=%s%s%s", endpoint, strchr(endpoint, '?') ? '&' : '?',
                     app_service ? "2019-08-01" : "2018-02-01", res_enc, cid_enc[0] ? "&client_id=" : "", cid_enc);
    if (n < 0 || (size_t)n >= sizeof url) {
        snprintf(err, errlen, "keyvault: token endpoint URL too long");
        return -1;
    }
    char hdr[600];
    if (app_service)
        snprintf(hdr, sizeof hdr, "X-IDENTITY-HEADER: %s", identity_header);
    else
        snprintf(hdr, sizeof hdr, "Metadata: true");
    const char *headers[] = {hdr, NULL};
    buf_t resp;
    buf_init(&resp, 64 * 1024);
    long status = 0;
    char herr[256];
    int rc = request_retry(url, headers, &status, &resp, herr, sizeof herr);
    sodium_memzero(hdr, sizeof hdr);
    if (rc) {
        snprintf(err, errlen, "keyvault: managed-identity token endpoint unreachable: %s", herr);
        wipe_buf(&resp);
        return -1;
    }
    if (status != 200) {
        snprintf(err, errlen, "keyvault: managed-identity token endpoint answered %ld", status);
        wipe_buf(&resp);
        return -1;
    }
    json_t *doc = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    const char *tok = json_string_value(json_object_get(doc, "access_token"));
    int ok = tok && *tok && strlen(tok) < toklen;
    if (ok)
        memcpy(token, tok, strlen(tok) + 1);
    else
        snprintf(err, errlen, "keyvault: the token endpoint's answer has no usable access_token");
    if (tok)
        sodium_memzero((void *)tok, strlen(tok));
    json_decref(doc);
    wipe_buf(&resp);
    return ok ? 0 : -1;
}

int keyvault_get_secret(const char *vault_url, const char *token, const char *name, char *out, size_t outlen,
                        char *err, size_t errlen)
{
    char url[1024];
    size_t vl = strlen(vault_url);
    while (vl && vault_url[vl - 1] == '/')
        vl--;
    int n = snprintf(url, sizeof url, "%.*s/secrets/%s?api-version=%s", (int)vl, vault_url, name, KEYVAULT_API_VERSION);
    if (n < 0 || (size_t)n >= sizeof url) {
        snprintf(err, errlen, "keyvault: vault URL too long");
        return -1;
    }
    size_t hl = strlen(token) + 32;
    char *auth = malloc(hl);
    if (!auth) {
        snprintf(err, errlen, "keyvault: out of memory");
        return -1;
    }
    snprintf(auth, hl, "Authorization: Bearer %s", token);
    const char *headers[] = {auth, "Accept: application/json", NULL};
    buf_t resp;
    buf_init(&resp, KEYVAULT_MAX_SECRET * 8);
    long status = 0;
    char herr[256];
    int rc = request_retry(url, headers, &status, &resp, herr, sizeof herr);
    sodium_memzero(auth, hl);
    free(auth);
    if (rc) {
        snprintf(err, errlen, "keyvault: secret %s: vault unreachable: %s", name, herr);
        wipe_buf(&resp);
        return -1;
    }
    if (status == 404) {
        wipe_buf(&resp);
        return 0;
    }
    if (status != 200) {
        /* the error code names the cause (Forbidden, Unauthorized, SecretDisabled) and holds no secret */
        json_t *doc = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
        const char *code = json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
        snprintf(err, errlen, "keyvault: secret %s: the vault answered %ld%s%s", name, status, code ? " " : "",
                 code ? code : "");
        json_decref(doc);
        wipe_buf(&resp);
        return -1;
    }
    json_t *doc = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    const char *v = json_string_value(json_object_get(doc, "value"));
    int found = -1;
    if (!v)
        snprintf(err, errlen, "keyvault: secret %s: the answer has no value", name);
    else if (strlen(v) >= outlen)
        snprintf(err, errlen, "keyvault: secret %s is longer than %zu bytes", name, outlen - 1);
    else {
        memcpy(out, v, strlen(v) + 1);
        found = 1;
    }
    if (v)
        sodium_memzero((void *)v, strlen(v));
    json_decref(doc);
    wipe_buf(&resp);
    return found;
}

static int env_given(const char *name)
{
    char file_var[96];
    int n = snprintf(file_var, sizeof file_var, "%s_FILE", name);
    const char *v = getenv(name), *f = n > 0 && (size_t)n < sizeof file_var ? getenv(file_var) : NULL;
    return (v && *v) || (f && *f);
}

int keyvault_load_env(char *err, size_t errlen)
{
    const char *vault = getenv("CHATLINGS_KEYVAULT_URL");
    if (!vault || !*vault)
        return 0;
    const char *env = getenv("CHATLINGS_ENV");
    if (strncmp(vault, "https://", 8) && (env && !strcmp(env, "production"))) {
        snprintf(err, errlen, "production: CHATLINGS_KEYVAULT_URL must be an https:// URL");
        return -1;
    }
    if (strncmp(vault, "https://", 8) && strncmp(vault, "http://", 7)) {
        snprintf(err, errlen, "CHATLINGS_KEYVAULT_URL must be an https:// URL");
        return -1;
    }
    const char *spec = getenv("CHATLINGS_KEYVAULT_SECRETS");
    keyvault_mapping_t map[KEYVAULT_MAX_MAPPINGS];
    int n = keyvault_parse_mapping(spec && *spec ? spec : KEYVAULT_DEFAULT_SECRETS, map, KEYVAULT_MAX_MAPPINGS, err,
                                   errlen);
    if (n < 0)
        return -1;

    /* Which token service: ours if configured, else App Service's, else the VM metadata service. */
    const char *endpoint = getenv("CHATLINGS_MSI_ENDPOINT"), *identity_header = NULL;
    if (!endpoint || !*endpoint) {
        endpoint = getenv("IDENTITY_ENDPOINT");
        identity_header = getenv("IDENTITY_HEADER");
        if (!endpoint || !*endpoint || !identity_header || !*identity_header) {
            endpoint = KEYVAULT_DEFAULT_MSI_ENDPOINT;
            identity_header = NULL;
        }
    }
    const char *client_id = getenv("CHATLINGS_AZURE_CLIENT_ID");
    const char *resource = getenv("CHATLINGS_KEYVAULT_RESOURCE");
    if (httpc_global_init()) {
        snprintf(err, errlen, "keyvault: libcurl failed to initialise");
        return -1;
    }
    char token[8192];
    if (keyvault_get_token(endpoint, identity_header, client_id && *client_id ? client_id : NULL,
                           resource && *resource ? resource : KEYVAULT_RESOURCE, token, sizeof token, err, errlen))
        return -1;
    char *value = malloc(KEYVAULT_MAX_SECRET);
    if (!value) {
        sodium_memzero(token, sizeof token);
        snprintf(err, errlen, "keyvault: out of memory");
        return -1;
    }
    int rc = 0, loaded = 0, kept = 0, absent = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (env_given(map[i].env)) {
            kept++;
            continue;
        }
        int got = keyvault_get_secret(vault, token, map[i].secret, value, KEYVAULT_MAX_SECRET, err, errlen);
        if (got < 0) {
            rc = -1;
        } else if (got == 0) {
            absent++;
        } else {
            if (setenv(map[i].env, value, 1)) {
                snprintf(err, errlen, "keyvault: cannot set %s", map[i].env);
                rc = -1;
            }
            loaded++;
        }
        sodium_memzero(value, KEYVAULT_MAX_SECRET);
    }
    sodium_memzero(token, sizeof token);
    free(value);
    if (rc == 0)
        log_info("keyvault", "%d secrets loaded from Key Vault, %d kept from the environment, %d not in the vault",
                 loaded, kept, absent);
    return rc;
}
