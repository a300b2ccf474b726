/* webpush: Web Push delivery to a browser's push service, with OpenSSL: the aes128gcm payload
 * encryption of RFC 8291 (ECDH P-256 + HKDF-SHA-256 + AES-128-GCM, one record), and VAPID
 * (RFC 8292: an ES256 JWT signed with the server's P-256 key, "Authorization: vapid t=, k=").
 * The VAPID key comes from CHATLINGS_VAPID_PRIVATE_KEY (PEM, or the base64url 32-byte private
 * scalar) or CHATLINGS_VAPID_PRIVATE_KEY_FILE; in development a key is generated once into
 * var/vapid-dev.pem, in production a missing key is an error.
 * Thread-safe: the key is loaded once and then only read. */
#ifndef CHATLINGS_WEBPUSH_H
#define CHATLINGS_WEBPUSH_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"

#define WEBPUSH_PUBLIC_KEY_LEN 65   /* uncompressed P-256 point: 0x04 || X || Y */
#define WEBPUSH_AUTH_LEN 16
#define WEBPUSH_SALT_LEN 16
#define WEBPUSH_HEADER_LEN (WEBPUSH_SALT_LEN + 4 + 1 + WEBPUSH_PUBLIC_KEY_LEN) /* 86 */
#define WEBPUSH_RECORD_SIZE 4096
/* The largest plaintext one record carries: rs - 16 (tag) - 1 (delimiter) - header. Push
 * services accept 4096-byte bodies, so the payload stays below 4096 - 86 - 17. */
#define WEBPUSH_MAX_PLAINTEXT 3993
#define WEBPUSH_B64_KEY_MAX 96      /* base64url of a 65-byte key, with room */

/* One browser subscription (PushSubscription.toJSON()): the endpoint URL, keys.p256dh
 * (base64url of the 65-byte point) and keys.auth (base64url of 16 bytes). */
typedef struct webpush_sub {
    const char *endpoint;
    const char *p256dh;
    const char *auth;
} webpush_sub_t;

/* ---- pure (test-vector checked) ---- */

/* Encrypts plaintext for one subscriber as an aes128gcm body (RFC 8188 header with keyid =
 * the sender's public key, then one record). as_private (32 bytes) and salt (16 bytes) are
 * the sender's ephemeral key and the salt; NULL draws fresh random ones, which is what every
 * real message must do (fixed values are for the RFC 8291 test vector only). The body is
 * appended to out. 0, or -1 with a message in err (bad key, too long, OpenSSL failure). */
int webpush_encrypt(const uint8_t *plaintext, size_t len, const uint8_t ua_public[WEBPUSH_PUBLIC_KEY_LEN],
                    const uint8_t auth[WEBPUSH_AUTH_LEN], const uint8_t *as_private, const uint8_t *salt, buf_t *out,
                    char *err, size_t errlen);

/* Decodes a subscription's p256dh and auth (base64url, padding tolerated). 0 or -1. */
int webpush_decode_keys(const char *p256dh, const char *auth, uint8_t ua_public[WEBPUSH_PUBLIC_KEY_LEN],
                        uint8_t auth_out[WEBPUSH_AUTH_LEN]);

/* ---- VAPID ---- */

typedef struct webpush_vapid webpush_vapid_t;

/* Loads a key from text: a PEM private key (EC P-256), or the base64url 32-byte private
 * scalar. subject is the JWT "sub" (mailto: or https: URL). NULL with err on failure. */
webpush_vapid_t *webpush_vapid_from_text(const char *text, const char *subject, char *err, size_t errlen);
void webpush_vapid_free(webpush_vapid_t *v);

/* The process-wide key for this configuration (see the header comment), loaded on first
 * use. NULL with err when there is none (production without CHATLINGS_VAPID_PRIVATE_KEY) or
 * it cannot be read; the next call tries again. */
const webpush_vapid_t *webpush_vapid_get(const config_t *cfg, char *err, size_t errlen);

/* The public key as base64url (the applicationServerKey browsers subscribe with). */
const char *webpush_vapid_public_b64(const webpush_vapid_t *v);

/* The signed VAPID JWT for a push service origin ("https://host[:port]"), valid until exp
 * (unix seconds; at most 24 h ahead). Written NUL-terminated to out. 0 or -1. */
int webpush_vapid_jwt(const webpush_vapid_t *v, const char *audience, long long exp, char *out, size_t outlen);

/* The origin (scheme://host[:port]) of an endpoint URL, lower-cased. 0 or -1. */
int webpush_origin(const char *endpoint, char *out, size_t outlen);

/* May the server send to this endpoint? Always https in production, and then only to the
 * push services named in CHATLINGS_PUSH_HOSTS (host suffixes, comma-separated; the browsers'
 * services by default), never to an IP literal or localhost. Development also allows http
 * (the tests' local push service). 1 allowed, 0 refused (reason in err). */
int webpush_endpoint_allowed(const config_t *cfg, const char *endpoint, char *err, size_t errlen);

/* ---- delivery ---- */

typedef enum {
    WEBPUSH_SENT = 0,      /* 2xx: the push service took it */
    WEBPUSH_GONE = 1,      /* 404 / 410: the subscription no longer exists: delete it */
    WEBPUSH_RETRY = 2,     /* 429, 5xx, network: may work later */
    WEBPUSH_REJECTED = 3,  /* any other answer (400, 401, 403, 413): this message will never pass */
} webpush_result_t;

/* Encrypts payload (JSON text the service worker reads) and POSTs it to the subscription's
 * endpoint with the VAPID authorization, TTL (seconds the service may keep it) and Urgency
 * "normal". *status receives the HTTP status (0 when none). Uses integrations/httpc. */
webpush_result_t webpush_send(const webpush_vapid_t *v, const webpush_sub_t *sub, const char *payload, size_t len,
                              int ttl, long *status, char *err, size_t errlen);

#endif
