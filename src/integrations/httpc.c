/* httpc: libcurl easy handles, one per request. Only http and https are allowed (no file://,
 * no redirects to elsewhere), TLS peers are always verified, and the body is bounded by the
 * caller's buf_t maximum so a hostile server cannot exhaust memory. */
#include "integrations/httpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc = -1;

static void global_init(void)
{
    g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int httpc_global_init(void)
{
    pthread_once(&g_once, global_init);
    return g_init_rc;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buf_t *b = userdata;
    size_t n = size * nmemb;
    if (buf_append(b, ptr, n))
        return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
    return n;
}

/* Header lines of every response arrive here; a new status line (after 100 Continue or a
 * redirect) starts the collection over, so only the final response's headers remain. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buf_t *b = userdata;
    size_t n = size * nmemb;
    if (n >= 5 && !memcmp(ptr, "HTTP/", 5))
        buf_reset(b);
    if (buf_append(b, ptr, n))
        return 0;
    return n;
}

int httpc_header(const buf_t *resp_headers, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    const char *p = resp_headers->data, *end = p ? p + resp_headers->len : NULL;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1;
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = line_end;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            snprintf(out, outlen, "%.*s", (int)(ve - v), v);
            return 1;
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}

int httpc_request(const char *method, const char *url, const char *const *headers, const char *body,
                  size_t body_len, long timeout_ms, long *status, buf_t *response, char *err, size_t errlen)
{
    return httpc_request_h(method, url, headers, body, body_len, timeout_ms, status, response, NULL, err, errlen);
}

int httpc_request_h(const char *method, const char *url, const char *const *headers, const char *body,
                    size_t body_len, long timeout_ms, long *status, buf_t *response, buf_t *resp_headers, char *err,
                    size_t errlen)
{
    if (httpc_global_init()) {
        snprintf(err, errlen, "libcurl initialisation failed");
        return -1;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct curl_slist *list = NULL;
    int rc = -1;
    char cerr[CURL_ERROR_SIZE] = "";
    for (const char *const *p = headers; p && *p; p++) {
        struct curl_slist *n = curl_slist_append(list, *p);
        if (!n) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        list = n;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in a multithreaded process */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 && timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "chatlings/1");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, response);
    if (resp_headers) {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, resp_headers);
    }
    if (response->max)
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)response->max);
    if (list)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        /* POST is implied by POSTFIELDS; other verbs are named explicitly */
        if (strcmp(method, "POST"))
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (body || !strcmp(method, "POST")) {
            /* an explicit size makes the body binary-safe */
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        }
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        if (response->overflow || cc == CURLE_FILESIZE_EXCEEDED)
            snprintf(err, errlen, "response larger than %zu bytes", response->max);
        else
            snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (status)
        *status = code;
    rc = 0;
out:
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    return rc;
}
