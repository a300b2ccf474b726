/* session: player sessions in Redis, shared by every instance.
 * The cookie carries a 256-bit random token; Redis only ever sees its SHA-256
 * (sess:{hex}), so a leaked Redis dump cannot be replayed as cookies.
 * Each user's live sessions are also listed in user:{id}:sessions so that deleting or
 * suspending an account ends all of them at once. 7 days, sliding. */
#ifndef CHATLINGS_SESSION_H
#define CHATLINGS_SESSION_H
#include <stddef.h>

#include "store/redis.h"

#define SESSION_TTL_S (7 * 24 * 3600)
#define SESSION_TOKEN_LEN 43      /* base64url of 32 bytes, no padding */
#define SESSION_COOKIE "__Host-chatlings"

typedef enum { SESSION_USER = 1, SESSION_PENDING = 2 } session_kind_t;

typedef struct session {
    char hash[65];          /* hex SHA-256 of the token: the Redis key suffix */
    session_kind_t kind;
    char user_id[37];       /* SESSION_USER */
    char csrf[44];          /* per-session CSRF token (base64url of 32 bytes) */
    /* SESSION_PENDING: an identity proven by the provider, waiting for a username */
    char provider[32];
    char subject[256];
    char email[256];
    long long created_at;   /* unix seconds */
} session_t;

/* Creates a session and writes the new cookie token into token_out (SESSION_TOKEN_LEN + 1).
 * 0 on success, -1 when Redis is unavailable. */
int session_create(redis_t *r, session_t *s, char *token_out);

/* Looks the token up (and slides its expiry). 1 found, 0 unknown/expired/malformed,
 * -1 Redis unavailable. */
int session_load(redis_t *r, const char *token, session_t *out);

/* Ends one session. 0 or -1. */
int session_destroy(redis_t *r, const session_t *s);

/* Ends every session of a user (account deleted or suspended) and asks every instance to
 * close the user's WebSockets (pub/sub topic SESSION_CLOSE_TOPIC_PREFIX + user id, payload
 * the user id). 0 or -1. */
#define SESSION_CLOSE_TOPIC_PREFIX "close:"
int session_destroy_user(redis_t *r, const char *user_id);

/* Extracts the session token from a Cookie header value; 0 found, -1 absent. */
int session_token_from_cookie(const char *cookie, size_t len, char *token_out);
/* The same for another cookie name (the admin portal's). */
int session_token_from_named_cookie(const char *cookie, size_t len, const char *cookie_name, char *token_out);

#endif
