/* azure_blob: Azure Blob Storage over its REST API (x-ms-version 2021-08-06) through httpc.
 * Authorises each request with the account's Shared Key or, without a key, with a managed
 * identity token from the instance metadata service (cached until 5 minutes before expiry).
 * Also signs service SAS URLs. Works against Azurite with a path-style endpoint.
 * Owner: store/blob.c creates one per blob store; thread-safe (the token cache has a lock). */
#ifndef CHATLINGS_AZURE_BLOB_H
#define CHATLINGS_AZURE_BLOB_H
#include <stddef.h>
#include <time.h>

#include "core/buf.h"

#define AZURE_BLOB_VERSION "2021-08-06"

struct blob_info;
typedef struct azure_blob azure_blob_t;

typedef struct azure_blob_opts {
    const char *account;
    const char *key;               /* base64; NULL or "" = managed identity */
    const char *endpoint;          /* NULL or "" = https://ACCOUNT.blob.core.windows.net */
    const char *identity_endpoint; /* IMDS base URL, default http://169.254.169.254 */
    const char *client_id;         /* user-assigned identity; NULL = system-assigned */
    long timeout_ms;
} azure_blob_opts_t;

azure_blob_t *azure_blob_create(const azure_blob_opts_t *o, char *err, size_t errlen);
void azure_blob_destroy(azure_blob_t *a);

/* Each returns 0, BLOB_NOT_FOUND (-2) or BLOB_ERR (-1) with a message, like store/blob.h. */
int azure_blob_create_container(azure_blob_t *a, const char *container, char *err, size_t errlen);
int azure_blob_put(azure_blob_t *a, const char *container, const char *name, const void *data, size_t len,
                   const char *content_type, struct blob_info *info, char *err, size_t errlen);
int azure_blob_get(azure_blob_t *a, const char *container, const char *name, buf_t *out, struct blob_info *info,
                   char *err, size_t errlen);
int azure_blob_head(azure_blob_t *a, const char *container, const char *name, struct blob_info *info, char *err,
                    size_t errlen);
typedef int (*azure_blob_list_fn)(const struct blob_info *info, void *arg);
int azure_blob_list(azure_blob_t *a, const char *container, const char *prefix, azure_blob_list_fn fn, void *arg,
                    char *err, size_t errlen);
int azure_blob_delete(azure_blob_t *a, const char *container, const char *name, char *err, size_t errlen);
int azure_blob_undelete(azure_blob_t *a, const char *container, const char *name, char *err, size_t errlen);
int azure_blob_set_tier(azure_blob_t *a, const char *container, const char *name, const char *tier, char *err,
                        size_t errlen);
/* A read-only (sp=r) service SAS URL for one blob, valid until expires. Needs a Shared Key. */
int azure_blob_sas_url(azure_blob_t *a, const char *container, const char *name, time_t expires, char *out,
                       size_t outlen, char *err, size_t errlen);

/* ---- the pure parts, exposed for unit tests ---- */

/* The Shared Key string-to-sign (Blob service, version 2015-02-21 and later) for a request.
 * path is the URL path as sent (for Azurite it starts with /ACCOUNT); query is the raw query
 * string without '?' (may be ""); headers are "Name: value" lines (any case). 0 or -1. */
int azure_blob_string_to_sign(const char *method, const char *account, const char *path, const char *query,
                              const char *const *headers, buf_t *out);
/* base64(HMAC-SHA256(base64decode(key_b64), msg)) into out. 0, or -1 when the key is not base64. */
int azure_blob_sign(const char *key_b64, const char *msg, size_t msg_len, char *out, size_t outlen);
/* The service SAS string-to-sign (version 2020-12-06 and later) for a read-only blob SAS. */
int azure_blob_sas_string_to_sign(const char *account, const char *container, const char *name,
                                  const char *permissions, const char *expiry_iso, const char *version, buf_t *out);
/* RFC 1123 date for x-ms-date ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void azure_blob_http_date(time_t t, char out[40]);

#endif
