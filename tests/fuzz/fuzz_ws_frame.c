/* fuzz_ws_frame: arbitrary client bytes through wslay's server-side frame parser, set up the way
 * src/http/server.c uses it through libh2o (a server wslay_event context, a 4096-byte message
 * limit, text frames handed on as JSON, binary frames answered with a close), fed in chunks the
 * input chooses the way socket reads would split them. Replies are queued and sent too, so the
 * send path (pong, close, fragmentation) runs against the same context. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <wslay/wslay.h>

#define WS_MAX_MESSAGE 4096 /* as in src/http/server.c */

typedef struct {
    const uint8_t *data;
    size_t len, pos;
    size_t sent;
    int closed;
} feed_t;

/* Hands out the next chunk: its length is chosen by one byte of the input. */
static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void)flags;
    feed_t *f = user;
    if (f->pos >= f->len) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t chunk = 1 + f->data[f->pos] % 64;
    f->pos++;
    if (chunk > f->len - f->pos)
        chunk = f->len - f->pos;
    if (chunk > len)
        chunk = len;
    if (chunk == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    memcpy(buf, f->data + f->pos, chunk);
    f->pos += chunk;
    return (ssize_t)chunk;
}

/* The peer reads everything at once; the bytes are only counted. */
static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    (void)ctx;
    (void)flags;
    feed_t *f = user;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= data[i];
    (void)sink;
    f->sent += len;
    return (ssize_t)len;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    feed_t *f = user;
    assert(arg->msg_length <= WS_MAX_MESSAGE || arg->opcode == WSLAY_CONNECTION_CLOSE);
    if (arg->opcode == WSLAY_TEXT_FRAME) {
        /* what the frame's job does first: parse it as a JSON object */
        json_error_t err;
        json_t *doc = json_loadb((const char *)arg->msg, arg->msg_length, JSON_REJECT_DUPLICATES, &err);
        static const char reply[] = "{\"type\":\"error\",\"code\":\"bad_request\"}";
        struct wslay_event_msg m = {.opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)reply, .msg_length = sizeof reply - 1};
        wslay_event_queue_msg(ctx, &m);
        json_decref(doc);
    } else if (arg->opcode == WSLAY_BINARY_FRAME) {
        static const char why[] = "text frames only";
        wslay_event_queue_close(ctx, 1003, (const uint8_t *)why, sizeof why - 1);
    } else if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
        f->closed = 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed_t f = {.data = data, .len = size};
    struct wslay_event_callbacks cb = {.recv_callback = on_recv, .send_callback = on_send, .on_msg_recv_callback = on_msg};
    wslay_event_context_ptr ctx;
    if (wslay_event_context_server_init(&ctx, &cb, &f) != 0)
        return 0;
    wslay_event_config_set_max_recv_msg_length(ctx, WS_MAX_MESSAGE);
    /* a ping now and then, as the server's keep-alive does */
    struct wslay_event_msg ping = {.opcode = WSLAY_PING, .msg = NULL, .msg_length = 0};
    wslay_event_queue_msg(ctx, &ping);
    for (int rounds = 0; rounds < 10000 && f.pos < f.len; rounds++) {
        if (wslay_event_want_read(ctx) && wslay_event_recv(ctx) != 0)
            break;
        if (wslay_event_want_write(ctx) && wslay_event_send(ctx) != 0)
            break;
        if (!wslay_event_want_read(ctx) && !wslay_event_want_write(ctx))
            break;
    }
    /* flush what is left to send (a close frame, pongs) */
    for (int i = 0; i < 100 && wslay_event_want_write(ctx); i++)
        if (wslay_event_send(ctx) != 0)
            break;
    wslay_event_context_free(ctx);
    return 0;
}
