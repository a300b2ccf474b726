/* live_chat: saying a line in a chatroom, the one path shared by the WebSocket "say" frame and
 * POST /api/chatrooms/:id/messages, so both enforce the same rules in the same order: length
 * (1..500 characters), the per-player chat rate limit, the bad-word filter, mutes and
 * suspensions, an open room; then the line is stored and published to room:{id}. */
#ifndef CHATLINGS_LIVE_CHAT_H
#define CHATLINGS_LIVE_CHAT_H
#include "core/buf.h"
#include "http/http.h"

#define CHAT_MAX_CHARS 500

typedef enum {
    SAY_OK,
    SAY_BAD_LENGTH,   /* empty or over 500 characters */
    SAY_RATE_LIMITED, /* retry_after_s says when */
    SAY_BAD_WORDS,
    SAY_NO_ROOM,      /* no chatroom with this id */
    SAY_CLOSED,       /* the room exists but is closed */
    SAY_MUTED,
    SAY_FORBIDDEN,    /* suspended or deleted account */
    SAY_UNAVAILABLE,  /* PostgreSQL unavailable or failed */
} say_status_t;

typedef struct say_result {
    say_status_t status;
    long long id;        /* SAY_OK: the message id */
    long retry_after_s;  /* SAY_RATE_LIMITED */
} say_result_t;

/* Says text as user_id in room (a UUID). On SAY_OK the stored message, as the object
 * {"id","username","chatling":{"id","name"}|null,"text","created_at"}, is appended to message
 * (may be NULL) and {"type":"message","room":..,"message":..} has been published. */
say_status_t live_chat_say(http_ctx_t *ctx, const char *user_id, const char *room, const char *text, buf_t *message,
                           say_result_t *res);

/* A short English sentence for a status (for error messages). */
const char *live_chat_say_message(say_status_t s);

#endif
