/* config: the effective configuration, read once from the environment at start-up.
 * Every setting has a safe local default; secrets may come from NAME_FILE instead of NAME.
 * Owner: main.c holds the one config_t for the life of the process (read-only after load). */
#ifndef CHATLINGS_CONFIG_H
#define CHATLINGS_CONFIG_H
#include <stddef.h>
#include <stdio.h>

#define CONFIG_STR 1024

typedef struct config {
    char env[16];            /* CHATLINGS_ENV: development | production */
    int production;          /* env == production */
    char database_url[CONFIG_STR];      /* DATABASE_URL (secret: may contain a password) */
    char database_read_url[CONFIG_STR]; /* DATABASE_READ_URL, empty = use primary */
    char redis_url[CONFIG_STR];         /* REDIS_URL: redis:// or rediss:// (TLS) */
    char redis_ca_file[CONFIG_STR];     /* REDIS_CA_FILE: CA bundle for rediss:// */
    char listen[128];                   /* CHATLINGS_LISTEN host:port */
    char admin_listen[128];             /* CHATLINGS_ADMIN_LISTEN host:port */
    char ops_listen[128];               /* CHATLINGS_OPS_LISTEN host:port (/metrics) */
    char static_dir[CONFIG_STR];        /* CHATLINGS_STATIC_DIR */
    char migrations_dir[CONFIG_STR];    /* CHATLINGS_MIGRATIONS_DIR */
    char session_secret[256];           /* CHATLINGS_SESSION_SECRET (secret) */
    char public_url[512];               /* CHATLINGS_PUBLIC_URL: how players reach us (origin checks, redirects) */
    char cors_origins[CONFIG_STR];      /* CHATLINGS_CORS_ORIGINS: comma-separated extra origins allowed by CORS */
    char oidc_issuer[512];              /* CHATLINGS_OIDC_ISSUER, default Google */
    char oidc_client_id[512];           /* CHATLINGS_OIDC_CLIENT_ID */
    char oidc_client_secret[512];       /* CHATLINGS_OIDC_CLIENT_SECRET (secret) */
    char token_key[128];                /* CHATLINGS_TOKEN_KEY: base64 32-byte key for third-party tokens (secret) */
    char token_key_old[128];            /* CHATLINGS_TOKEN_KEY_OLD: previous key, read-only, during rotation (secret) */
    char rate_limits[512];              /* CHATLINGS_RATE_LIMITS: "signin=20/60,write=120/60,read=600/60,chat=30/60" */
    int trust_proxy;                    /* CHATLINGS_TRUST_PROXY=1: take the client IP from X-Forwarded-For */
    int handler_threads;     /* CHATLINGS_HANDLER_THREADS, default = db_pool_max */
    int loop_threads;        /* CHATLINGS_LOOP_THREADS, default 1 */
    int db_pool_max;         /* DB_POOL_MAX 20 */
    int db_pool_min;         /* DB_POOL_MIN 5 */
    int db_idle_timeout_ms;  /* DB_IDLE_TIMEOUT_MS 30000 */
    int db_connect_timeout_ms; /* DB_CONNECT_TIMEOUT_MS 2000 */
    int db_statement_timeout_ms; /* DB_STATEMENT_TIMEOUT_MS 5000 */
    size_t body_limit;       /* CHATLINGS_BODY_LIMIT bytes, 1 MiB */
    int header_timeout_ms;   /* CHATLINGS_HEADER_TIMEOUT_MS 10000 */
    int idle_timeout_ms;     /* CHATLINGS_IDLE_TIMEOUT_MS 60000 */
    char log_level[16];      /* CHATLINGS_LOG_LEVEL info */
} config_t;

/* Fills c from the environment. Returns 0, or -1 with a message in err
 * (bad value, or production with a development default). */
int config_load(config_t *c, char *err, size_t errlen);

/* Prints the effective configuration, one NAME=value per line, secrets masked. */
void config_print(const config_t *c, FILE *out);

/* Copies url with any password replaced by "***" (for logs and `config`). */
void config_mask_url(const char *url, char *out, size_t outlen);

#endif
