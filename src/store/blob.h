/* blob: blob storage behind one interface with two drivers: the filesystem (local runs, tests,
 * a single host) and Azure Blob Storage over its REST API (integrations/azure_blob.c).
 * Containers are fixed (BLOB_CONTAINERS); names are restricted so that they are safe as file
 * paths and as URL paths without escaping. Thread-safe: handler threads share one store.
 * Owner: whoever calls blob_open (serve, worker, a CLI command) calls blob_close. */
#ifndef CHATLINGS_BLOB_H
#define CHATLINGS_BLOB_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/config.h"

#define BLOB_ERR (-1)       /* I/O or service failure: message in err */
#define BLOB_NOT_FOUND (-2) /* no such blob */
#define BLOB_INVALID (-3)   /* unknown container, bad name, bad tier */

#define BLOB_NAME_MAX 512
#define BLOB_CONTAINER_COUNT 6
/* artwork, thumbs, avatars, assets, backups, logs */
extern const char *const BLOB_CONTAINERS[BLOB_CONTAINER_COUNT];

/* The seed's lifecycle rules (AZURE_ARCHITECTURE.md "Blob Storage"). */
#define BLOB_COOL_AFTER_DAYS 90  /* backups and logs move to the Cool tier */
#define BLOB_SOFT_DELETE_DAYS 7  /* deleted blobs can be restored this long */

typedef struct blob_info {
    char name[BLOB_NAME_MAX + 1];
    size_t size;
    char etag[96];          /* quoted, ready for an HTTP ETag header */
    char content_type[128];
    int64_t last_modified;  /* unix seconds */
    char tier[16];          /* Hot, Cool, Cold or Archive */
} blob_info_t;

typedef struct blob_store blob_store_t;

typedef struct blob_opts {
    const char *driver;            /* "fs" (default when NULL) or "azure" */
    const char *fs_root;           /* fs: root directory, created when missing */
    const char *account;           /* azure: storage account name */
    const char *key;               /* azure: base64 Shared Key; NULL/"" = managed identity */
    const char *endpoint;          /* azure: blob endpoint incl. account path for Azurite; NULL = public Azure */
    const char *identity_endpoint; /* azure: managed-identity token service base URL */
    const char *client_id;         /* azure: user-assigned identity, NULL = system-assigned */
    long timeout_ms;               /* azure: per request, default 15000 */
} blob_opts_t;

/* Opens a store. NULL with a message in err on a bad configuration. Opening never touches
 * the network; blob_ensure_containers does. */
blob_store_t *blob_open(const blob_opts_t *o, char *err, size_t errlen);
/* The store the configuration names (CHATLINGS_BLOB_DRIVER and friends). */
blob_store_t *blob_open_config(const config_t *cfg, char *err, size_t errlen);
void blob_close(blob_store_t *bs);
const char *blob_driver_name(const blob_store_t *bs);

/* Creates the six containers when missing (idempotent). */
int blob_ensure_containers(blob_store_t *bs, char *err, size_t errlen);

/* Stores data under container/name, replacing any blob there (Hot tier). info (may be NULL)
 * receives the new blob's properties. */
int blob_put(blob_store_t *bs, const char *container, const char *name, const void *data, size_t len,
             const char *content_type, blob_info_t *info, char *err, size_t errlen);
/* Appends the blob's bytes to out (bounded by out->max: a larger blob is BLOB_ERR). */
int blob_get(blob_store_t *bs, const char *container, const char *name, buf_t *out, blob_info_t *info, char *err,
             size_t errlen);
int blob_head(blob_store_t *bs, const char *container, const char *name, blob_info_t *info, char *err, size_t errlen);

/* Calls fn for every live blob whose name starts with prefix (NULL = all), in no promised
 * order; fn returning non-zero stops the walk (and blob_list returns 0). */
typedef int (*blob_list_fn)(const blob_info_t *info, void *arg);
int blob_list(blob_store_t *bs, const char *container, const char *prefix, blob_list_fn fn, void *arg, char *err,
              size_t errlen);

/* Soft delete: the blob disappears at once and can be restored with blob_undelete for
 * BLOB_SOFT_DELETE_DAYS (Azure: the account's soft-delete retention, set to 7 days in deploy/). */
int blob_delete(blob_store_t *bs, const char *container, const char *name, char *err, size_t errlen);
int blob_undelete(blob_store_t *bs, const char *container, const char *name, char *err, size_t errlen);
/* tier: "Hot", "Cool", "Cold" or "Archive". */
int blob_set_tier(blob_store_t *bs, const char *container, const char *name, const char *tier, char *err,
                  size_t errlen);

/* A read-only URL for one blob valid until expires (Azure with a Shared Key: a service SAS).
 * BLOB_ERR on the filesystem driver and with managed identity (no account key to sign with). */
int blob_sas_url(blob_store_t *bs, const char *container, const char *name, time_t expires, char *out, size_t outlen,
                 char *err, size_t errlen);

typedef struct blob_lifecycle_report {
    int scanned;   /* blobs looked at in backups and logs */
    int cooled;    /* moved to Cool */
    int purged;    /* soft-deleted blobs removed for good (filesystem driver) */
} blob_lifecycle_report_t;

/* Applies the lifecycle rules as of now: blobs in backups and logs last modified more than
 * BLOB_COOL_AFTER_DAYS ago move from Hot to Cool; on the filesystem, soft-deleted blobs older
 * than BLOB_SOFT_DELETE_DAYS are removed (Azure purges by itself). Idempotent. */
int blob_lifecycle_run(blob_store_t *bs, time_t now, blob_lifecycle_report_t *rep, char *err, size_t errlen);

/* 1 when c is one of BLOB_CONTAINERS. */
int blob_container_valid(const char *c);
/* 1 when name is a safe blob name: 1..BLOB_NAME_MAX bytes of [A-Za-z0-9._-] in '/'-separated
 * segments, no empty segment, no segment starting with '.', no leading or trailing '/'. */
int blob_name_valid(const char *name);
/* The content type a name's extension suggests (application/octet-stream when unknown). */
const char *blob_type_for_name(const char *name);

#endif
