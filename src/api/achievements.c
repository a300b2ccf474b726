/* achievements: GET /api/user/achievements: every achievement with the player's progress
 * (computed live from the rows it measures, see store/achievements.c) and when it was
 * unlocked. Unlocking happens where progress is made (grants, box, daily hook), never here. */
#include <stdlib.h>

#include "api/api.h"
#include "api/handlers.h"
#include "store/achievements.h"

void api_achievements_list(http_ctx_t *ctx)
{
    db_conn_t *db = api_db(ctx); /* an unlock a moment ago must show */
    if (!db)
        return;
    PGresult *r = achievements_list(db, api_user_id(ctx));
    if (api_check(ctx, r))
        return;
    buf_t *b = &ctx->res->body;
    long points = 0, unlocked = 0;
    int rows = PQntuples(r);
    buf_puts(b, "{\"achievements\":[");
    for (int i = 0; i < rows; i++) {
        int done = !PQgetisnull(r, i, 7);
        buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        buf_json_cstr(b, PQgetvalue(r, i, 0));
        buf_puts(b, ",\"name\":");
        buf_json_cstr(b, PQgetvalue(r, i, 1));
        buf_puts(b, ",\"description\":");
        buf_json_cstr(b, PQgetvalue(r, i, 2));
        buf_puts(b, ",\"category\":");
        buf_json_cstr(b, PQgetvalue(r, i, 3));
        buf_printf(b, ",\"points\":%s,\"threshold\":%s,\"progress\":%s,\"unlocked\":%s,\"unlocked_at\":",
                   PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), done ? "true" : "false");
        api_json_time(b, r, i, 7);
        buf_puts(b, "}");
        if (done) {
            unlocked++;
            points += atol(PQgetvalue(r, i, 4));
        }
    }
    buf_printf(b, "],\"unlocked\":%ld,\"total\":%d,\"points\":%ld}", unlocked, rows, points);
    PQclear(r);
}
