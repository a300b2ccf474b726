/* secretbox: sealing is nonce || crypto_secretbox_easy(ciphertext || MAC), base64url
 * without padding so a sealed value is safe in any text column, URL or log line (it never
 * is logged, but a mistake would not corrupt the line). The nonce and ciphertext buffers
 * hold nothing secret, so they come from plain malloc. */
#include "core/secretbox.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX_LEN (sizeof SECRETBOX_VERSION - 1 + 1 + SECRETBOX_KEYID_LEN + 1) /* "v1." id "." */
#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

static int decode_key(unsigned char out[SECRETBOX_KEY_BYTES], const char *b64)
{
    static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                                   sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    unsigned char tmp[SECRETBOX_KEY_BYTES + 8];
    size_t n = strlen(b64);
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        size_t got = 0;
        const char *end = NULL;
        if (sodium_base642bin(tmp, sizeof tmp, b64, n, " \t\r\n", &got, &end, variants[i]) == 0 && end == b64 + n &&
            got == SECRETBOX_KEY_BYTES) {
            memcpy(out, tmp, SECRETBOX_KEY_BYTES);
            sodium_memzero(tmp, sizeof tmp);
            return 0;
        }
    }
    sodium_memzero(tmp, sizeof tmp);
    return -1;
}

int secretbox_key_from_base64(secretbox_key_t *k, const char *b64)
{
    memset(k, 0, sizeof *k);
    if (!b64 || !*b64 || decode_key(k->key, b64))
        return -1;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, k->key, sizeof k->key);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    memcpy(k->id, hex, SECRETBOX_KEYID_LEN);
    k->id[SECRETBOX_KEYID_LEN] = '\0';
    return 0;
}

int secretbox_init(secretbox_t *sb, const char *key_b64, const char *old_b64, char *err, size_t errlen)
{
    memset(sb, 0, sizeof *sb);
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    if (secretbox_key_from_base64(&sb->current, key_b64)) {
        snprintf(err, errlen, "CHATLINGS_TOKEN_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)");
        return -1;
    }
    if (old_b64 && *old_b64) {
        if (secretbox_key_from_base64(&sb->old, old_b64)) {
            secretbox_wipe(sb);
            snprintf(err, errlen, "CHATLINGS_TOKEN_KEY_OLD must be base64 of exactly 32 bytes");
            return -1;
        }
        sb->has_old = 1;
    }
    return 0;
}

void secretbox_wipe(secretbox_t *sb)
{
    sodium_memzero(sb, sizeof *sb);
}

size_t secretbox_sealed_size(size_t len)
{
    size_t raw = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    return PREFIX_LEN + sodium_base64_ENCODED_LEN(raw, B64_VARIANT); /* ENCODED_LEN counts the NUL */
}

int secretbox_seal(const secretbox_t *sb, const void *plain, size_t len, char *out, size_t outlen)
{
    if (outlen < secretbox_sealed_size(len))
        return -1;
    size_t raw_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *raw = malloc(raw_len);
    if (!raw)
        return -1;
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, plain, len, raw, sb->current.key);
    int n = snprintf(out, outlen, SECRETBOX_VERSION ".%s.", sb->current.id);
    sodium_bin2base64(out + n, outlen - (size_t)n, raw, raw_len, B64_VARIANT);
    free(raw);
    return 0;
}

int secretbox_key_id(const char *sealed, char *id)
{
    if (!sealed || strncmp(sealed, SECRETBOX_VERSION ".", sizeof SECRETBOX_VERSION) ||
        strlen(sealed) < PREFIX_LEN || sealed[PREFIX_LEN - 1] != '.')
        return -1;
    const char *p = sealed + sizeof SECRETBOX_VERSION;
    for (int i = 0; i < SECRETBOX_KEYID_LEN; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return -1;
    memcpy(id, p, SECRETBOX_KEYID_LEN);
    id[SECRETBOX_KEYID_LEN] = '\0';
    return 0;
}

int secretbox_is_current(const secretbox_t *sb, const char *sealed)
{
    char id[SECRETBOX_KEYID_LEN + 1];
    return secretbox_key_id(sealed, id) == 0 && !strcmp(id, sb->current.id);
}

int secretbox_open(const secretbox_t *sb, const char *sealed, void *out, size_t outlen, size_t *len)
{
    char id[SECRETBOX_KEYID_LEN + 1];
    if (secretbox_key_id(sealed, id))
        return -1;
    const secretbox_key_t *k = !strcmp(id, sb->current.id)            ? &sb->current
                               : sb->has_old && !strcmp(id, sb->old.id) ? &sb->old
                                                                        : NULL;
    if (!k)
        return -1;
    const char *b64 = sealed + PREFIX_LEN;
    size_t b64_len = strlen(b64);
    size_t raw_cap = b64_len / 4 * 3 + 3;
    if (raw_cap < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return -1;
    unsigned char *raw = malloc(raw_cap);
    if (!raw)
        return -1;
    size_t raw_len = 0;
    const char *end = NULL;
    int rc = -1;
    if (sodium_base642bin(raw, raw_cap, b64, b64_len, NULL, &raw_len, &end, B64_VARIANT) == 0 && end == b64 + b64_len &&
        raw_len >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        size_t plain_len = raw_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
        if (outlen >= plain_len + 1 &&
            crypto_secretbox_open_easy(out, raw + crypto_secretbox_NONCEBYTES, raw_len - crypto_secretbox_NONCEBYTES,
                                       raw, k->key) == 0) {
            ((unsigned char *)out)[plain_len] = '\0';
            if (len)
                *len = plain_len;
            rc = 0;
        }
    }
    free(raw);
    return rc;
}
