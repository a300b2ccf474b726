/* session: Redis-backed sessions. The value is a small JSON document; GETEX reads it and
 * slides the expiry in one round trip. */
#include "store/session.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/pubsub.h"

static void random_b64(char *out, size_t outlen)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, outlen, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

static void token_hash(const char *token, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static int valid_token(const char *token)
{
    size_t n = strlen(token);
    if (n != SESSION_TOKEN_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = token[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static void copy_str(char *dst, size_t dstlen, json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    snprintf(dst, dstlen, "%s", v ? v : "");
}

int session_create(redis_t *r, session_t *s, char *token_out)
{
    char token[SESSION_TOKEN_LEN + 1];
    random_b64(token, sizeof token);
    token_hash(token, s->hash);
    random_b64(s->csrf, sizeof s->csrf);
    s->created_at = (long long)time(NULL);

    json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I}", "kind", (int)s->kind, "user_id", s->user_id, "csrf",
                            s->csrf, "provider", s->provider, "subject", s->subject, "email", s->email, "created_at",
                            (json_int_t)s->created_at);
    if (!doc)
        return -1;
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return -1;
    int rc = -1;
    if (s->kind == SESSION_USER && s->user_id[0]) {
        /* index first: a session missing from the index could outlive an account deletion */
        if (redis_append(r, "SADD user:%s:sessions %s", s->user_id, s->hash) ||
            redis_append(r, "EXPIRE user:%s:sessions %d", s->user_id, SESSION_TTL_S))
            goto out;
    }
    if (redis_append(r, "SET sess:%s %s EX %d", s->hash, text, SESSION_TTL_S))
        goto out;
    int replies = s->kind == SESSION_USER && s->user_id[0] ? 3 : 1;
    rc = 0;
    for (int i = 0; i < replies; i++) {
        redisReply *rep = redis_get_reply(r);
        if (!rep || rep->type == REDIS_REPLY_ERROR)
            rc = -1;
        redis_reply_free(rep);
    }
    if (rc == 0)
        memcpy(token_out, token, sizeof token);
out:
    free(text);
    sodium_memzero(token, sizeof token);
    return rc;
}

int session_load(redis_t *r, const char *token, session_t *out)
{
    if (!valid_token(token))
        return 0;
    memset(out, 0, sizeof *out);
    token_hash(token, out->hash);
    redisReply *rep = redis_command(r, "GETEX sess:%s EX %d", out->hash, SESSION_TTL_S);
    if (!rep)
        return -1;
    if (rep->type != REDIS_REPLY_STRING) {
        int rc = rep->type == REDIS_REPLY_NIL ? 0 : -1;
        redis_reply_free(rep);
        return rc;
    }
    json_t *doc = json_loadb(rep->str, rep->len, 0, NULL);
    redis_reply_free(rep);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return 0;
    }
    out->kind = (session_kind_t)json_integer_value(json_object_get(doc, "kind"));
    copy_str(out->user_id, sizeof out->user_id, doc, "user_id");
    copy_str(out->csrf, sizeof out->csrf, doc, "csrf");
    copy_str(out->provider, sizeof out->provider, doc, "provider");
    copy_str(out->subject, sizeof out->subject, doc, "subject");
    copy_str(out->email, sizeof out->email, doc, "email");
    out->created_at = (long long)json_integer_value(json_object_get(doc, "created_at"));
    json_decref(doc);
    if (out->kind != SESSION_USER && out->kind != SESSION_PENDING)
        return 0;
    if (out->kind == SESSION_USER && !out->user_id[0])
        return 0;
    return 1;
}

int session_destroy(redis_t *r, const session_t *s)
{
    redisReply *rep = redis_command(r, "DEL sess:%s", s->hash);
    if (!rep)
        return -1;
    redis_reply_free(rep);
    if (s->kind == SESSION_USER && s->user_id[0]) {
        rep = redis_command(r, "SREM user:%s:sessions %s", s->user_id, s->hash);
        redis_reply_free(rep);
    }
    return 0;
}

int session_destroy_user(redis_t *r, const char *user_id)
{
    redisReply *rep = redis_command(r, "SMEMBERS user:%s:sessions", user_id);
    if (!rep)
        return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < rep->elements; i++) {
            redisReply *e = rep->element[i];
            if (e->type != REDIS_REPLY_STRING)
                continue;
            redisReply *d = redis_command(r, "DEL sess:%b", e->str, e->len);
            if (!d)
                rc = -1;
            redis_reply_free(d);
        }
    }
    redis_reply_free(rep);
    rep = redis_command(r, "DEL user:%s:sessions", user_id);
    if (!rep)
        rc = -1;
    redis_reply_free(rep);
    /* the player's open WebSockets, on every instance, were authorised by those sessions */
    char topic[PUBSUB_TOPIC_MAX];
    snprintf(topic, sizeof topic, SESSION_CLOSE_TOPIC_PREFIX "%s", user_id);
    if (pubsub_publish(r, topic, user_id, strlen(user_id)))
        rc = -1;
    return rc;
}

int session_token_from_named_cookie(const char *cookie, size_t len, const char *cookie_name, char *token_out)
{
    const size_t nlen = strlen(cookie_name);
    size_t i = 0;
    while (i < len) {
        while (i < len && (cookie[i] == ' ' || cookie[i] == ';'))
            i++;
        size_t start = i;
        while (i < len && cookie[i] != ';')
            i++;
        size_t pair_len = i - start;
        if (pair_len > nlen + 1 && !memcmp(cookie + start, cookie_name, nlen) && cookie[start + nlen] == '=') {
            size_t vstart = start + nlen + 1, vlen = pair_len - nlen - 1;
            while (vlen && cookie[vstart + vlen - 1] == ' ')
                vlen--;
            if (vlen != SESSION_TOKEN_LEN)
                return -1;
            memcpy(token_out, cookie + vstart, vlen);
            token_out[vlen] = '\0';
            return 0;
        }
    }
    return -1;
}

int session_token_from_cookie(const char *cookie, size_t len, char *token_out)
{
    return session_token_from_named_cookie(cookie, len, SESSION_COOKIE, token_out);
}
