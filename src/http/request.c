/* request/response helpers shared by every handler. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

const char *http_req_header(const http_req_t *req, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->nheaders; i++) {
        if (req->headers[i].name_len == n && !memcmp(req->headers[i].name, name, n)) {
            if (len)
                *len = req->headers[i].value_len;
            return req->headers[i].value;
        }
    }
    return NULL;
}

int http_req_param(const http_req_t *req, int i, char *out, size_t outlen)
{
    if (i < 0 || i >= req->match.nparams)
        return -1;
    size_t n = req->match.params[i].len;
    if (n + 1 > outlen)
        return -1;
    memcpy(out, req->match.params[i].start, n);
    out[n] = '\0';
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int http_url_decode(const char *in, size_t len, char *out, size_t outlen, int plus_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int h = hexval(in[i + 1]), l = hexval(in[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return (int)o;
}

int http_req_query(const http_req_t *req, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *q = req->query, *end = req->query + req->query_len;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pair_end - q));
        const char *key_end = eq ? eq : pair_end;
        if ((size_t)(key_end - q) == nlen && !memcmp(q, name, nlen)) {
            const char *v = eq ? eq + 1 : pair_end;
            return http_url_decode(v, (size_t)(pair_end - v), out, outlen, 1) < 0 ? -1 : 1;
        }
        q = pair_end + 1;
    }
    return 0;
}

void http_res_init(http_res_t *res)
{
    memset(res, 0, sizeof *res);
    res->status = 200;
    res->content_type = "application/json";
    buf_init(&res->body, 32u << 20);
    buf_init(&res->headers, HTTP_MAX_RES_HEADER_BYTES);
}

void http_res_free(http_res_t *res)
{
    buf_free(&res->body);
    buf_free(&res->headers);
}

void http_res_header(http_res_t *res, const char *name, const char *value)
{
    buf_append(&res->headers, name, strlen(name) + 1);
    buf_append(&res->headers, value, strlen(value) + 1);
}

void http_res_json(http_res_t *res, int status, const char *json, size_t len)
{
    res->status = status;
    res->content_type = "application/json";
    buf_reset(&res->body);
    buf_append(&res->body, json, len);
}

const char *http_status_code_name(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
    }
}

void http_res_error(http_res_t *res, int status, const char *code, const char *message)
{
    res->status = status;
    res->content_type = "application/json";
    buf_reset(&res->body);
    buf_puts(&res->body, "{\"error\":{\"code\":");
    buf_json_cstr(&res->body, code ? code : http_status_code_name(status));
    buf_puts(&res->body, ",\"message\":");
    buf_json_cstr(&res->body, message);
    buf_puts(&res->body, "}}");
}
