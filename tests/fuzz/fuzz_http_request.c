/* Fuzzes what our code does with a request after libh2o parsed it: routing over the real
 * route table, query-string decoding, path parameters and JSON escaping of echoed text.
 * Input: "METHOD PATH?QUERY\nBODY". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "core/buf.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    char *sp = memchr(in, ' ', size);
    if (!sp) {
        free(in);
        return 0;
    }
    size_t method_len = (size_t)(sp - in);
    char *target = sp + 1;
    size_t target_len = strcspn(target, "\n");
    char *q = memchr(target, '?', target_len);
    size_t path_len = q ? (size_t)(q - target) : target_len;

    http_req_t req;
    memset(&req, 0, sizeof req);
    req.method = in;
    req.method_len = method_len;
    req.path = target;
    req.path_len = path_len;
    req.query = q ? q + 1 : "";
    req.query_len = q ? target_len - path_len - 1 : 0;
    router_match(APP_PUBLIC_ROUTES, APP_PUBLIC_ROUTES_COUNT, req.method, req.method_len, req.path, req.path_len,
                 &req.match);
    char out[128];
    for (int i = 0; i < req.match.nparams; i++)
        http_req_param(&req, i, out, sizeof out);
    static const char *names[] = {"page", "limit", "rarity", "body_type", "q", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        http_req_query(&req, names[i], out, sizeof out);

    buf_t b;
    buf_init(&b, 1 << 20);
    buf_json_str(&b, in, size);
    http_res_t res;
    http_res_init(&res);
    http_res_error(&res, 400, NULL, in);
    http_res_free(&res);
    buf_free(&b);
    free(in);
    return 0;
}
