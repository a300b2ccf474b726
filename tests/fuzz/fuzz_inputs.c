/* Fuzzes the small parsers that read what clients and operators send: the session cookie,
 * JSON request bodies (as api_json_body parses them), URL decoding and migration file names.
 * The first byte picks the parser, the rest is its input. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "store/migrate.h"
#include "store/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char *z = malloc(len + 1);
    memcpy(z, in, len);
    z[len] = '\0';
    switch (data[0] % 4) {
    case 0: {
        char token[SESSION_TOKEN_LEN + 1];
        session_token_from_cookie(in, len, token);
        break;
    }
    case 1: {
        json_error_t err;
        json_t *doc = json_loadb(in, len, JSON_REJECT_DUPLICATES, &err);
        if (doc) {
            char *back = json_dumps(doc, JSON_COMPACT);
            free(back);
            json_decref(doc);
        }
        break;
    }
    case 2: {
        char out[256];
        http_url_decode(in, len, out, sizeof out, 1);
        break;
    }
    case 3:
        migrate_valid_name(z);
        break;
    }
    free(z);
    return 0;
}
