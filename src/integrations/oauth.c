/* oauth: shared OAuth 2.0 client steps. The client secret only ever sits in buffers that are
 * wiped before they are freed. */
#include "integrations/oauth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrations/httpc.h"
#include "integrations/jwt.h"

int oauth_random(char out[OAUTH_RANDOM_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    int n = jwt_b64url_encode(raw, sizeof raw, out, OAUTH_RANDOM_LEN + 1);
    sodium_memzero(raw, sizeof raw);
    return n == OAUTH_RANDOM_LEN ? 0 : -1;
}

void oauth_pkce_challenge(const char *verifier, char out[OAUTH_RANDOM_LEN + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)verifier, strlen(verifier));
    jwt_b64url_encode(digest, sizeof digest, out, OAUTH_RANDOM_LEN + 1);
}

int oauth_valid_random(const char *s)
{
    size_t n = strlen(s);
    if (n != OAUTH_RANDOM_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

void oauth_url_append(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_unreserved(*p)) {
            buf_append(b, p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(b, e, 3);
        }
    }
}

static void wipe(buf_t *b)
{
    if (b->data)
        sodium_memzero(b->data, b->cap);
}

int oauth_token_request(const char *url, const char *client_id, const char *client_secret, oauth_auth_t auth,
                        const char *form, size_t form_len, long timeout_ms, long *status, json_t **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    buf_t full, body, cred, hdr;
    buf_init(&full, 32768);
    buf_init(&body, OAUTH_TOKEN_MAX);
    buf_init(&cred, 4096);
    buf_init(&hdr, 8192);
    int rc = -1;
    const char *headers[4] = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL,
                              NULL};
    buf_append(&full, form, form_len);
    if (auth == OAUTH_AUTH_POST) {
        buf_puts(&full, "&client_id=");
        oauth_url_append(&full, client_id);
        buf_puts(&full, "&client_secret=");
        oauth_url_append(&full, client_secret ? client_secret : "");
    } else {
        /* RFC 6749 2.3.1: id and secret are form-encoded before the Basic encoding */
        oauth_url_append(&cred, client_id);
        buf_puts(&cred, ":");
        oauth_url_append(&cred, client_secret ? client_secret : "");
        size_t b64len = sodium_base64_ENCODED_LEN(cred.len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64len);
        if (b64 && !cred.overflow) {
            sodium_bin2base64(b64, b64len, (const unsigned char *)cred.data, cred.len, sodium_base64_VARIANT_ORIGINAL);
            buf_printf(&hdr, "Authorization: Basic %s", b64);
            headers[2] = hdr.data;
            sodium_memzero(b64, b64len);
        }
        free(b64);
    }
    if (full.overflow || cred.overflow || hdr.overflow || (auth == OAUTH_AUTH_BASIC && !headers[2])) {
        snprintf(err, errlen, "token request too large");
        goto out;
    }
    char herr[256];
    if (httpc_request("POST", url, headers, full.data, full.len, timeout_ms, status, &body, herr, sizeof herr)) {
        snprintf(err, errlen, "token endpoint: %s", herr);
        goto out;
    }
    *out = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
    rc = 0;
out:
    wipe(&full);
    wipe(&cred);
    wipe(&hdr);
    wipe(&body); /* it carried tokens */
    buf_free(&full);
    buf_free(&body);
    buf_free(&cred);
    buf_free(&hdr);
    return rc;
}
