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
    char admin_url[512];                /* CHATLINGS_ADMIN_URL: how admins reach the admin listener; default http://ADMIN_LISTEN */
    char admin_allow[CONFIG_STR];       /* CHATLINGS_ADMIN_ALLOW: CIDR list the admin listener answers (api/admin_gate.c) */
    char admin_static_dir[CONFIG_STR];  /* CHATLINGS_ADMIN_STATIC_DIR: the built admin front end, default web-admin/dist */
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
    int visitor_one_in;      /* CHATLINGS_VISITOR_ONE_IN: daily visitor odds 1 in N (7; 0 never, 1 always); development only */
    int handler_threads;     /* CHATLINGS_HANDLER_THREADS, default = db_pool_max */
    int queue_timeout_ms;    /* CHATLINGS_QUEUE_TIMEOUT_MS, default = db_connect_timeout_ms */
    int loop_threads;        /* CHATLINGS_LOOP_THREADS, default 1 */
    int db_pool_max;         /* DB_POOL_MAX 20 */
    int db_pool_min;         /* DB_POOL_MIN 5 */
    int db_idle_timeout_ms;  /* DB_IDLE_TIMEOUT_MS 30000 */
    int db_connect_timeout_ms; /* DB_CONNECT_TIMEOUT_MS 2000 */
    int db_statement_timeout_ms; /* DB_STATEMENT_TIMEOUT_MS 5000 */
    size_t body_limit;       /* CHATLINGS_BODY_LIMIT bytes, 1 MiB */
    int header_timeout_ms;   /* CHATLINGS_HEADER_TIMEOUT_MS 10000 */
    char log_level[16];      /* CHATLINGS_LOG_LEVEL info */
    /* blob storage (store/blob.c) and the CDN in front of it */
    char blob_driver[16];               /* CHATLINGS_BLOB_DRIVER: fs (default) | azure */
    char blob_dir[CONFIG_STR];          /* CHATLINGS_BLOB_DIR: root of the fs driver, default var/blobs */
    char azure_storage_account[128];    /* CHATLINGS_AZURE_STORAGE_ACCOUNT */
    char azure_storage_key[256];        /* CHATLINGS_AZURE_STORAGE_KEY: base64 Shared Key (secret); empty = managed identity */
    char azure_blob_endpoint[512];      /* CHATLINGS_AZURE_BLOB_ENDPOINT: default https://ACCOUNT.blob.core.windows.net (Azurite: http://127.0.0.1:10000/devstoreaccount1) */
    char azure_identity_endpoint[512];  /* CHATLINGS_AZURE_IDENTITY_ENDPOINT: managed-identity token service base URL (IMDS) */
    char azure_client_id[128];          /* CHATLINGS_AZURE_CLIENT_ID: user-assigned identity, empty = system-assigned */
    char cdn_base_url[512];             /* CHATLINGS_CDN_BASE_URL: artwork redirects here when set */
    /* operations (integrations/keyvault.c reads the vault before config_load; appinsights.c) */
    char keyvault_url[512];             /* CHATLINGS_KEYVAULT_URL: https://NAME.vault.azure.net, empty = no Key Vault */
    char appinsights_connection_string[1024]; /* CHATLINGS_APPINSIGHTS_CONNECTION_STRING (secret), empty = no exporter */
    int appinsights_interval_ms;        /* CHATLINGS_APPINSIGHTS_INTERVAL_MS 5000: between telemetry batches */
    /* the worker and its job queue (src/worker/, src/store/queue.c) */
    int worker_threads;                 /* CHATLINGS_WORKER_THREADS 4: consumer threads per worker process */
    int queue_reclaim_idle_ms;          /* CHATLINGS_QUEUE_RECLAIM_IDLE_MS 120000: a dead worker's jobs are taken over after this */
    char worker_schedule[512];          /* CHATLINGS_WORKER_SCHEDULE: overrides "name=15m,name=daily@03:30,name=off" */
    /* YouTube likes (src/integrations/youtube.c) */
    char youtube_client_id[512];        /* CHATLINGS_YOUTUBE_CLIENT_ID, empty = YouTube not offered */
    char youtube_client_secret[512];    /* CHATLINGS_YOUTUBE_CLIENT_SECRET (secret) */
    char google_oauth_base_url[512];    /* CHATLINGS_GOOGLE_OAUTH_BASE_URL https://accounts.google.com (authorization endpoint base) */
    char google_token_url[512];         /* CHATLINGS_GOOGLE_TOKEN_URL https://oauth2.googleapis.com/token */
    char youtube_api_base_url[512];     /* CHATLINGS_YOUTUBE_API_BASE_URL https://www.googleapis.com/youtube/v3 */
    int youtube_daily_quota;            /* CHATLINGS_YOUTUBE_DAILY_QUOTA 10000 units per UTC day */
    /* the chatroom conversation writer (src/integrations/chat_llm.c); empty base URL = built-in only */
    char chat_llm_base_url[512];        /* CHATLINGS_CHAT_LLM_BASE_URL: OpenAI-compatible, e.g. https://api.openai.com/v1 */
    char chat_llm_model[128];           /* CHATLINGS_CHAT_LLM_MODEL gpt-4o-mini */
    char chat_llm_api_key[512];         /* CHATLINGS_CHAT_LLM_API_KEY (secret) */
    int chat_llm_daily_cost_cap_cents;  /* CHATLINGS_CHAT_LLM_DAILY_COST_CAP_CENTS 100: no calls once spent */
    int chat_llm_price_per_mtok_cents;  /* CHATLINGS_CHAT_LLM_PRICE_PER_MTOK_CENTS 60: price of a million tokens */
    int chat_llm_timeout_ms;            /* CHATLINGS_CHAT_LLM_TIMEOUT_MS 30000 */
} config_t;

/* Fills c from the environment. Returns 0, or -1 with a message in err
 * (bad value, or production with a development default). */
int config_load(config_t *c, char *err, size_t errlen);

/* Prints the effective configuration, one NAME=value per line, secrets masked. */
void config_print(const config_t *c, FILE *out);

/* Copies url with any password replaced by "***" (for logs and `config`). */
void config_mask_url(const char *url, char *out, size_t outlen);

#endif
