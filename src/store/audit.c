/* audit: one INSERT into audit_log (see audit.h). The address is checked here with the same
 * parser as the allow-list, so a strange X-Forwarded-For value cannot make the inet cast (and so
 * the admin's whole transaction) fail. */
#include "store/audit.h"

#include <string.h>

#include "core/cidr.h"
#include "core/log.h"

static const db_stmt_t STMT_AUDIT_INSERT = {
    "audit_insert",
    "INSERT INTO audit_log (actor_user_id, action, target, before, after, ip)"
    " VALUES ($1::uuid, $2, $3, $4::jsonb, $5::jsonb, $6::inet)",
    6};

static int valid_action(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    if (n == 0 || n > AUDIT_ACTION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') || a[i] == '_' || a[i] == '.'))
            return 0;
    return 1;
}

int audit_record(db_conn_t *conn, const char *actor_user_id, const char *action, const char *target,
                 const char *before_json, const char *after_json, const char *ip)
{
    if (!valid_action(action)) {
        log_error("audit", "refused to record malformed action name");
        return -1;
    }
    unsigned char a[16];
    const char *ip_param = ip && cidr_parse_addr(ip, a) == 0 ? ip : NULL;
    const char *params[] = {actor_user_id, action, target, before_json, after_json, ip_param};
    PGresult *r = db_exec(conn, &STMT_AUDIT_INSERT, params);
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        log_error("audit", "cannot write the audit row for %s: %s", action,
                  r ? PQresultErrorMessage(r) : "connection lost");
    PQclear(r);
    return ok ? 0 : -1;
}
