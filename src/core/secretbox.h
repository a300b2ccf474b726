/* secretbox: encryption at rest for third-party tokens (YouTube refresh and access tokens)
 * with libsodium's crypto_secretbox (XSalsa20-Poly1305, random 24-byte nonce per value).
 * A sealed value is text: "v1.<keyid>.<base64url(nonce || ciphertext)>", keyid = the first
 * 8 hex digits of SHA-256(key), so that during a key rotation values under the old and the
 * new key coexist and each is opened with the key it names.
 * Owner: whoever calls secretbox_init owns the keyring and wipes it with secretbox_wipe. */
#ifndef CHATLINGS_SECRETBOX_H
#define CHATLINGS_SECRETBOX_H
#include <stddef.h>

#define SECRETBOX_KEY_BYTES 32
#define SECRETBOX_KEYID_LEN 8
#define SECRETBOX_VERSION "v1"

typedef struct secretbox_key {
    unsigned char key[SECRETBOX_KEY_BYTES];
    char id[SECRETBOX_KEYID_LEN + 1];
} secretbox_key_t;

/* The current key (seals and opens) and optionally the previous one (opens only). */
typedef struct secretbox {
    secretbox_key_t current;
    secretbox_key_t old;
    int has_old;
} secretbox_t;

/* Decodes a base64 (standard or URL-safe, padding optional) 32-byte key and derives its id.
 * 0, or -1 when it is not base64 or not exactly 32 bytes. */
int secretbox_key_from_base64(secretbox_key_t *k, const char *b64);

/* Loads the keyring from cfg->token_key (required) and cfg->token_key_old (may be "" or NULL).
 * 0, or -1 with a message naming the setting (never the key). */
int secretbox_init(secretbox_t *sb, const char *key_b64, const char *old_b64, char *err, size_t errlen);
void secretbox_wipe(secretbox_t *sb);

/* Bytes needed to seal len bytes of plaintext, including the terminating NUL. */
size_t secretbox_sealed_size(size_t len);

/* Seals plain[0..len) under the current key into out (NUL-terminated). 0, or -1 when out is
 * too small. */
int secretbox_seal(const secretbox_t *sb, const void *plain, size_t len, char *out, size_t outlen);

/* Opens a sealed value with the key its keyid names. Writes the plaintext into out followed
 * by a NUL (so text tokens can be used as strings), its length into *len.
 * 0, or -1: malformed, unknown key, tampered or wrong key (authentication failed), or out
 * too small (needs the plaintext length + 1). */
int secretbox_open(const secretbox_t *sb, const char *sealed, void *out, size_t outlen, size_t *len);

/* The keyid of a sealed value into id (SECRETBOX_KEYID_LEN + 1). 0, or -1 when malformed. */
int secretbox_key_id(const char *sealed, char *id);

/* 1 when sealed is under the current key (nothing to rotate), else 0. */
int secretbox_is_current(const secretbox_t *sb, const char *sealed);

#endif
