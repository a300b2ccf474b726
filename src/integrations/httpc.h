/* httpc: a small blocking HTTP(S) client over libcurl for calls to outside services
 * (OIDC discovery and token endpoints, YouTube, ...). Thread-safe: each call uses its own
 * easy handle; libcurl's global state is initialised once. Every response is size-capped. */
#ifndef CHATLINGS_HTTPC_H
#define CHATLINGS_HTTPC_H
#include <stddef.h>

#include "core/buf.h"

#define HTTPC_DEFAULT_MAX_RESPONSE (4u << 20)

/* Initialises libcurl once (also done lazily by httpc_request); call early in main if you
 * want start-up to fail loudly rather than the first request. 0 or -1. */
int httpc_global_init(void);

/* One request. method "GET"/"POST"/...; headers is a NULL-terminated list of "Name: value"
 * lines (or NULL); body may be NULL (body_len 0). The response body is appended to
 * *response (whose max bounds its size; a larger response fails). Redirects are not followed.
 * On success returns 0 and sets *status; on failure (DNS, connect, TLS, timeout, too large)
 * returns -1 and writes a message into err. */
int httpc_request(const char *method, const char *url, const char *const *headers, const char *body,
                  size_t body_len, long timeout_ms, long *status, buf_t *response, char *err, size_t errlen);

/* httpc_request that also keeps the final response's header lines ("Name: value\r\n", as
 * received) in *resp_headers (bounded by its max; may be NULL). Blob storage needs ETag,
 * Content-Type and friends. */
int httpc_request_h(const char *method, const char *url, const char *const *headers, const char *body,
                    size_t body_len, long timeout_ms, long *status, buf_t *response, buf_t *resp_headers, char *err,
                    size_t errlen);

/* The value of header name (any case) in resp_headers, trimmed, copied into out.
 * 1 found, 0 absent (out = ""). */
int httpc_header(const buf_t *resp_headers, const char *name, char *out, size_t outlen);

#endif
