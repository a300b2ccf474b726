/* config: reads the environment into config_t. NAME_FILE beats NAME for secrets, so that
 * orchestrators (systemd credentials, Kubernetes, Key Vault references) never put them in env. */
#include "core/config.h"

#include <errno.h>
#include "core/clock.h"
#include <stdlib.h>
#include <string.h>

#define DEV_DATABASE_URL "postgresql://chatlings@127.0.0.1:25320/chatlings"
#define DEV_REDIS_URL "redis://127.0.0.1:63790/0"
#define DEV_SESSION_SECRET "development-only-session-secret-change-me"
/* base64 of 32 bytes "chatlings-development-token-key!": fine for a laptop, refused in production */
#define DEV_TOKEN_KEY "Y2hhdGxpbmdzLWRldmVsb3BtZW50LXRva2VuLWtleSE="

/* Reads NAME_FILE (first line, trailing newline stripped) or NAME into out; else def. */
static int read_setting(const char *name, const char *def, char *out, size_t outlen, char *err, size_t errlen)
{
    char file_var[128];
    snprintf(file_var, sizeof file_var, "%s_FILE", name);
    const char *path = getenv(file_var);
    if (path && *path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            snprintf(err, errlen, "%s: cannot read %s: %s", file_var, path, strerror(errno));
            return -1;
        }
        size_t n = fread(out, 1, outlen - 1, f);
        int too_long = !feof(f) && fgetc(f) != EOF;
        fclose(f);
        if (too_long) {
            snprintf(err, errlen, "%s: %s is longer than %zu bytes", file_var, path, outlen - 1);
            return -1;
        }
        out[n] = '\0';
        out[strcspn(out, "\r\n")] = '\0';
        return 0;
    }
    const char *v = getenv(name);
    if (!v || !*v)
        v = def;
    if (strlen(v) >= outlen) {
        snprintf(err, errlen, "%s is longer than %zu bytes", name, outlen - 1);
        return -1;
    }
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

static int read_int(const char *name, long def, long min, long max, long *out, char *err, size_t errlen)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max) {
        snprintf(err, errlen, "%s must be an integer between %ld and %ld (got \"%s\")", name, min, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

int config_load(config_t *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    long n;
#define STR(field, name, def) \
    if (read_setting(name, def, c->field, sizeof c->field, err, errlen)) return -1
#define INT(field, name, def, min, max) \
    if (read_int(name, def, min, max, &n, err, errlen)) return -1; \
    c->field = (int)n

    STR(env, "CHATLINGS_ENV", "development");
    if (strcmp(c->env, "development") && strcmp(c->env, "production")) {
        snprintf(err, errlen, "CHATLINGS_ENV must be development or production (got \"%s\")", c->env);
        return -1;
    }
    c->production = !strcmp(c->env, "production");
    STR(database_url, "DATABASE_URL", DEV_DATABASE_URL);
    STR(database_read_url, "DATABASE_READ_URL", "");
    STR(redis_url, "REDIS_URL", DEV_REDIS_URL);
    STR(redis_ca_file, "REDIS_CA_FILE", "");
    STR(listen, "CHATLINGS_LISTEN", "127.0.0.1:8080");
    STR(admin_listen, "CHATLINGS_ADMIN_LISTEN", "127.0.0.1:8081");
    STR(ops_listen, "CHATLINGS_OPS_LISTEN", "127.0.0.1:9090");
    STR(admin_url, "CHATLINGS_ADMIN_URL", "");
    if (!c->admin_url[0])
        snprintf(c->admin_url, sizeof c->admin_url, "http://%s", c->admin_listen);
    STR(admin_allow, "CHATLINGS_ADMIN_ALLOW", "127.0.0.1/32,::1/128");
    STR(admin_static_dir, "CHATLINGS_ADMIN_STATIC_DIR", "web-admin/dist");
    STR(static_dir, "CHATLINGS_STATIC_DIR", "web/dist");
    STR(migrations_dir, "CHATLINGS_MIGRATIONS_DIR", "db/migrations");
    STR(session_secret, "CHATLINGS_SESSION_SECRET", DEV_SESSION_SECRET);
    STR(log_level, "CHATLINGS_LOG_LEVEL", "info");
    STR(public_url, "CHATLINGS_PUBLIC_URL", "http://127.0.0.1:8080");
    STR(cors_origins, "CHATLINGS_CORS_ORIGINS", "");
    STR(oidc_issuer, "CHATLINGS_OIDC_ISSUER", "https://accounts.google.com");
    STR(oidc_client_id, "CHATLINGS_OIDC_CLIENT_ID", "");
    STR(oidc_client_secret, "CHATLINGS_OIDC_CLIENT_SECRET", "");
    STR(token_key, "CHATLINGS_TOKEN_KEY", DEV_TOKEN_KEY);
    STR(token_key_old, "CHATLINGS_TOKEN_KEY_OLD", "");
    STR(rate_limits, "CHATLINGS_RATE_LIMITS", "signin=20/60,write=120/60,read=600/60,chat=30/60");
    STR(blob_driver, "CHATLINGS_BLOB_DRIVER", "fs");
    STR(blob_dir, "CHATLINGS_BLOB_DIR", "var/blobs");
    STR(azure_storage_account, "CHATLINGS_AZURE_STORAGE_ACCOUNT", "");
    STR(azure_storage_key, "CHATLINGS_AZURE_STORAGE_KEY", "");
    STR(azure_blob_endpoint, "CHATLINGS_AZURE_BLOB_ENDPOINT", "");
    STR(azure_identity_endpoint, "CHATLINGS_AZURE_IDENTITY_ENDPOINT", "http://169.254.169.254");
    STR(azure_client_id, "CHATLINGS_AZURE_CLIENT_ID", "");
    STR(cdn_base_url, "CHATLINGS_CDN_BASE_URL", "");
    STR(keyvault_url, "CHATLINGS_KEYVAULT_URL", "");
    STR(appinsights_connection_string, "CHATLINGS_APPINSIGHTS_CONNECTION_STRING", "");
    if (strcmp(c->blob_driver, "fs") && strcmp(c->blob_driver, "azure")) {
        snprintf(err, errlen, "CHATLINGS_BLOB_DRIVER must be fs or azure (got \"%s\")", c->blob_driver);
        return -1;
    }
    if (!strcmp(c->blob_driver, "azure") && !c->azure_storage_account[0]) {
        snprintf(err, errlen, "CHATLINGS_BLOB_DRIVER=azure needs CHATLINGS_AZURE_STORAGE_ACCOUNT");
        return -1;
    }
    INT(trust_proxy, "CHATLINGS_TRUST_PROXY", 0, 0, 1);
    INT(visitor_one_in, "CHATLINGS_VISITOR_ONE_IN", 7, 0, 1000000);
    INT(db_pool_max, "DB_POOL_MAX", 20, 1, 1000);
    INT(db_pool_min, "DB_POOL_MIN", 5, 0, 1000);
    INT(db_idle_timeout_ms, "DB_IDLE_TIMEOUT_MS", 30000, 100, 3600000);
    INT(db_connect_timeout_ms, "DB_CONNECT_TIMEOUT_MS", 2000, 100, 60000);
    INT(db_statement_timeout_ms, "DB_STATEMENT_TIMEOUT_MS", 5000, 10, 3600000);
    /* twice the pool: a request holds a connection only while it uses one (a box claim waiting
     * for its batch holds none), so more claims can share a batch */
    INT(handler_threads, "CHATLINGS_HANDLER_THREADS", 2 * c->db_pool_max, 1, 1024);
    INT(loop_threads, "CHATLINGS_LOOP_THREADS", 1, 1, 64);
    /* as long as a request may wait for a database connection: beyond it, a 503 is the answer */
    INT(queue_timeout_ms, "CHATLINGS_QUEUE_TIMEOUT_MS", c->db_connect_timeout_ms, 0, 600000);
    INT(header_timeout_ms, "CHATLINGS_HEADER_TIMEOUT_MS", 10000, 100, 600000);
    INT(appinsights_interval_ms, "CHATLINGS_APPINSIGHTS_INTERVAL_MS", 5000, 50, 600000);
    if (read_int("CHATLINGS_BODY_LIMIT", 1 << 20, 1024, 64L << 20, &n, err, errlen))
        return -1;
    c->body_limit = (size_t)n;
    /* Moves clock_now() for tests of weekly rollover and idle earnings (up to ~10 years either way). */
    if (read_int("CHATLINGS_CLOCK_OFFSET_S", 0, -315360000L, 315360000L, &n, err, errlen))
        return -1;
    if (c->production && getenv("CHATLINGS_CLOCK_OFFSET_S") && *getenv("CHATLINGS_CLOCK_OFFSET_S")) {
        snprintf(err, errlen, "production: CHATLINGS_CLOCK_OFFSET_S is for development only");
        return -1;
    }
    clock_set_offset_s(n);
    INT(worker_threads, "CHATLINGS_WORKER_THREADS", 4, 1, 64);
    INT(queue_reclaim_idle_ms, "CHATLINGS_QUEUE_RECLAIM_IDLE_MS", 120000, 500, 86400000);
    STR(worker_schedule, "CHATLINGS_WORKER_SCHEDULE", "");
    STR(youtube_client_id, "CHATLINGS_YOUTUBE_CLIENT_ID", "");
    STR(youtube_client_secret, "CHATLINGS_YOUTUBE_CLIENT_SECRET", "");
    STR(google_oauth_base_url, "CHATLINGS_GOOGLE_OAUTH_BASE_URL", "https://accounts.google.com");
    STR(google_token_url, "CHATLINGS_GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token");
    STR(youtube_api_base_url, "CHATLINGS_YOUTUBE_API_BASE_URL", "https://www.googleapis.com/youtube/v3");
    INT(youtube_daily_quota, "CHATLINGS_YOUTUBE_DAILY_QUOTA", 10000, 0, 100000000);
    STR(chat_llm_base_url, "CHATLINGS_CHAT_LLM_BASE_URL", "");
    STR(chat_llm_model, "CHATLINGS_CHAT_LLM_MODEL", "gpt-4o-mini");
    STR(chat_llm_api_key, "CHATLINGS_CHAT_LLM_API_KEY", "");
    INT(chat_llm_daily_cost_cap_cents, "CHATLINGS_CHAT_LLM_DAILY_COST_CAP_CENTS", 100, 0, 10000000);
    INT(chat_llm_price_per_mtok_cents, "CHATLINGS_CHAT_LLM_PRICE_PER_MTOK_CENTS", 60, 0, 100000000);
    INT(chat_llm_timeout_ms, "CHATLINGS_CHAT_LLM_TIMEOUT_MS", 30000, 100, 600000);
    if (c->chat_llm_base_url[0] && strncmp(c->chat_llm_base_url, "https://", 8) &&
        (c->production || strncmp(c->chat_llm_base_url, "http://", 7))) {
        snprintf(err, errlen, "CHATLINGS_CHAT_LLM_BASE_URL must be an https:// URL (http:// in development only)");
        return -1;
    }
    if (c->production && (strncmp(c->google_oauth_base_url, "https://", 8) || strncmp(c->google_token_url, "https://", 8) ||
                          strncmp(c->youtube_api_base_url, "https://", 8))) {
        snprintf(err, errlen, "production: the Google and YouTube base URLs must be https:// URLs");
        return -1;
    }
#undef STR
#undef INT
    if (c->db_pool_min > c->db_pool_max) {
        snprintf(err, errlen, "DB_POOL_MIN (%d) is larger than DB_POOL_MAX (%d)", c->db_pool_min, c->db_pool_max);
        return -1;
    }
    if (c->production) {
        /* Production must be configured on purpose: every development default is refused. */
        if (c->visitor_one_in != 7) {
            snprintf(err, errlen, "production: CHATLINGS_VISITOR_ONE_IN is for tests; the game's odds are 1 in 7");
            return -1;
        }
        if (!strcmp(c->database_url, DEV_DATABASE_URL) || (!getenv("DATABASE_URL") && !getenv("DATABASE_URL_FILE"))) {
            snprintf(err, errlen, "production: DATABASE_URL must be set (the development default is refused)");
            return -1;
        }
        if (!strcmp(c->redis_url, DEV_REDIS_URL) || (!getenv("REDIS_URL") && !getenv("REDIS_URL_FILE"))) {
            snprintf(err, errlen, "production: REDIS_URL must be set (the development default is refused)");
            return -1;
        }
        if (!strcmp(c->session_secret, DEV_SESSION_SECRET) || strlen(c->session_secret) < 32) {
            snprintf(err, errlen, "production: CHATLINGS_SESSION_SECRET must be set to at least 32 characters");
            return -1;
        }
        if (!strcmp(c->token_key, DEV_TOKEN_KEY)) {
            snprintf(err, errlen, "production: CHATLINGS_TOKEN_KEY must be set (the development key is refused)");
            return -1;
        }
        if (c->keyvault_url[0] && strncmp(c->keyvault_url, "https://", 8)) {
            snprintf(err, errlen, "production: CHATLINGS_KEYVAULT_URL must be an https:// URL");
            return -1;
        }
        if (strncmp(c->public_url, "https://", 8)) {
            snprintf(err, errlen, "production: CHATLINGS_PUBLIC_URL must be an https:// URL");
            return -1;
        }
    }
    return 0;
}

void config_mask_url(const char *url, char *out, size_t outlen)
{
    /* scheme://user:password@host -> scheme://user:***@host ; also password=... in key/value form */
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    if (scheme_end && at) {
        const char *colon = memchr(scheme_end + 3, ':', (size_t)(at - (scheme_end + 3)));
        if (colon) {
            snprintf(out, outlen, "%.*s:***%s", (int)(colon - url), url, at);
            return;
        }
    }
    const char *pw = strstr(url, "password=");
    if (pw) {
        const char *end = pw + strcspn(pw, " &");
        snprintf(out, outlen, "%.*spassword=***%s", (int)(pw - url), url, end);
        return;
    }
    snprintf(out, outlen, "%s", url);
}

void config_print(const config_t *c, FILE *out)
{
    char masked[CONFIG_STR + 8];
    fprintf(out, "CHATLINGS_ENV=%s\n", c->env);
    config_mask_url(c->database_url, masked, sizeof masked);
    fprintf(out, "DATABASE_URL=%s\n", masked);
    config_mask_url(c->database_read_url, masked, sizeof masked);
    fprintf(out, "DATABASE_READ_URL=%s\n", masked);
    config_mask_url(c->redis_url, masked, sizeof masked);
    fprintf(out, "REDIS_URL=%s\n", masked);
    fprintf(out, "REDIS_CA_FILE=%s\n", c->redis_ca_file);
    fprintf(out, "CHATLINGS_LISTEN=%s\n", c->listen);
    fprintf(out, "CHATLINGS_ADMIN_LISTEN=%s\n", c->admin_listen);
    fprintf(out, "CHATLINGS_OPS_LISTEN=%s\n", c->ops_listen);
    fprintf(out, "CHATLINGS_ADMIN_URL=%s\nCHATLINGS_ADMIN_ALLOW=%s\nCHATLINGS_ADMIN_STATIC_DIR=%s\n", c->admin_url,
            c->admin_allow, c->admin_static_dir);
    fprintf(out, "CHATLINGS_STATIC_DIR=%s\n", c->static_dir);
    fprintf(out, "CHATLINGS_MIGRATIONS_DIR=%s\n", c->migrations_dir);
    fprintf(out, "CHATLINGS_SESSION_SECRET=%s\n", c->session_secret[0] ? "***" : "");
    fprintf(out, "CHATLINGS_PUBLIC_URL=%s\n", c->public_url);
    fprintf(out, "CHATLINGS_CORS_ORIGINS=%s\n", c->cors_origins);
    fprintf(out, "CHATLINGS_OIDC_ISSUER=%s\n", c->oidc_issuer);
    fprintf(out, "CHATLINGS_OIDC_CLIENT_ID=%s\n", c->oidc_client_id);
    fprintf(out, "CHATLINGS_OIDC_CLIENT_SECRET=%s\n", c->oidc_client_secret[0] ? "***" : "");
    fprintf(out, "CHATLINGS_TOKEN_KEY=%s\n", c->token_key[0] ? "***" : "");
    fprintf(out, "CHATLINGS_TOKEN_KEY_OLD=%s\n", c->token_key_old[0] ? "***" : "");
    fprintf(out, "CHATLINGS_RATE_LIMITS=%s\n", c->rate_limits);
    fprintf(out, "CHATLINGS_TRUST_PROXY=%d\n", c->trust_proxy);
    fprintf(out, "CHATLINGS_VISITOR_ONE_IN=%d\n", c->visitor_one_in);
    fprintf(out, "CHATLINGS_HANDLER_THREADS=%d\n", c->handler_threads);
    fprintf(out, "CHATLINGS_LOOP_THREADS=%d\n", c->loop_threads);
    fprintf(out, "CHATLINGS_QUEUE_TIMEOUT_MS=%d\n", c->queue_timeout_ms);
    fprintf(out, "DB_POOL_MAX=%d\nDB_POOL_MIN=%d\n", c->db_pool_max, c->db_pool_min);
    fprintf(out, "DB_IDLE_TIMEOUT_MS=%d\nDB_CONNECT_TIMEOUT_MS=%d\nDB_STATEMENT_TIMEOUT_MS=%d\n",
            c->db_idle_timeout_ms, c->db_connect_timeout_ms, c->db_statement_timeout_ms);
    fprintf(out, "CHATLINGS_BODY_LIMIT=%zu\n", c->body_limit);
    fprintf(out, "CHATLINGS_HEADER_TIMEOUT_MS=%d\n", c->header_timeout_ms);
    fprintf(out, "CHATLINGS_LOG_LEVEL=%s\n", c->log_level);
    fprintf(out, "CHATLINGS_BLOB_DRIVER=%s\nCHATLINGS_BLOB_DIR=%s\n", c->blob_driver, c->blob_dir);
    fprintf(out, "CHATLINGS_AZURE_STORAGE_ACCOUNT=%s\n", c->azure_storage_account);
    fprintf(out, "CHATLINGS_AZURE_STORAGE_KEY=%s\n", c->azure_storage_key[0] ? "***" : "");
    fprintf(out, "CHATLINGS_AZURE_BLOB_ENDPOINT=%s\n", c->azure_blob_endpoint);
    fprintf(out, "CHATLINGS_AZURE_IDENTITY_ENDPOINT=%s\n", c->azure_identity_endpoint);
    fprintf(out, "CHATLINGS_AZURE_CLIENT_ID=%s\n", c->azure_client_id);
    config_mask_url(c->cdn_base_url, masked, sizeof masked);
    fprintf(out, "CHATLINGS_CDN_BASE_URL=%s\n", masked);
    fprintf(out, "CHATLINGS_KEYVAULT_URL=%s\n", c->keyvault_url);
    fprintf(out, "CHATLINGS_APPINSIGHTS_CONNECTION_STRING=%s\n", c->appinsights_connection_string[0] ? "***" : "");
    fprintf(out, "CHATLINGS_APPINSIGHTS_INTERVAL_MS=%d\n", c->appinsights_interval_ms);
    fprintf(out, "CHATLINGS_WORKER_THREADS=%d\nCHATLINGS_QUEUE_RECLAIM_IDLE_MS=%d\nCHATLINGS_WORKER_SCHEDULE=%s\n",
            c->worker_threads, c->queue_reclaim_idle_ms, c->worker_schedule);
    fprintf(out, "CHATLINGS_YOUTUBE_CLIENT_ID=%s\n", c->youtube_client_id);
    fprintf(out, "CHATLINGS_YOUTUBE_CLIENT_SECRET=%s\n", c->youtube_client_secret[0] ? "***" : "");
    fprintf(out, "CHATLINGS_GOOGLE_OAUTH_BASE_URL=%s\nCHATLINGS_GOOGLE_TOKEN_URL=%s\n", c->google_oauth_base_url,
            c->google_token_url);
    fprintf(out, "CHATLINGS_YOUTUBE_API_BASE_URL=%s\nCHATLINGS_YOUTUBE_DAILY_QUOTA=%d\n", c->youtube_api_base_url,
            c->youtube_daily_quota);
    fprintf(out, "CHATLINGS_CHAT_LLM_BASE_URL=%s\nCHATLINGS_CHAT_LLM_MODEL=%s\nCHATLINGS_CHAT_LLM_API_KEY=%s\n",
            c->chat_llm_base_url, c->chat_llm_model, c->chat_llm_api_key[0] ? "***" : "");
    fprintf(out, "CHATLINGS_CHAT_LLM_DAILY_COST_CAP_CENTS=%d\nCHATLINGS_CHAT_LLM_PRICE_PER_MTOK_CENTS=%d\n"
                 "CHATLINGS_CHAT_LLM_TIMEOUT_MS=%d\n",
            c->chat_llm_daily_cost_cap_cents, c->chat_llm_price_per_mtok_cents, c->chat_llm_timeout_ms);
    if (clock_offset_s())
        fprintf(out, "CHATLINGS_CLOCK_OFFSET_S=%lld\n", (long long)clock_offset_s());
}
