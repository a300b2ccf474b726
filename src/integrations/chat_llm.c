/* chat_llm: one chat-completions call per room. The prompt asks for exactly the shape the
 * built-in generator produces (speaker roles A..D, a sentiment per line, {X} to name another
 * speaker, [adverb] for intensity), so that stored lines are voiced the same way whoever wrote
 * them. */
#include "integrations/chat_llm.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrations/httpc.h"

#define LLM_MAX_RESPONSE (256u * 1024)

static const char SYSTEM_PROMPT[] =
    "You write short, friendly group chats between small creatures called chatlings for a family game. "
    "Answer with one JSON object and nothing else.";

static const char USER_PROMPT[] =
    "Write a group chat of 24 to 34 lines about the topic below.\n"
    "Rules:\n"
    "- Speakers are A, B, C and D. A opens and closes the chat. Nobody speaks twice in a row.\n"
    "- Each line has a sentiment: positive, neutral or negative. Use all three; at least 5 lines negative.\n"
    "- Each line is one or two sentences, at most 200 characters, plain text, no emoji, nothing unkind.\n"
    "- To name another speaker write {A}, {B}, {C} or {D}. Never write names.\n"
    "- Put intensity adverbs in square brackets: [fairly], [pretty], [really], [very].\n"
    "- Never repeat a line.\n"
    "Answer as {\"lines\":[{\"speaker\":\"A\",\"sentiment\":\"neutral\",\"text\":\"...\"}, ...]}.\n"
    "Topic: ";

int chat_llm_request_body(buf_t *body, const char *model, const char *title, const char *topic)
{
    char user[2048];
    int n = snprintf(user, sizeof user, "%s%s%s%s", USER_PROMPT, title, topic && *topic ? " - " : "",
                     topic ? topic : "");
    if (n < 0 || (size_t)n >= sizeof user)
        return -1;
    json_t *doc = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:f, s:i, s:{s:s}}", "model", model, "messages",
                            "role", "system", "content", SYSTEM_PROMPT, "role", "user", "content", user,
                            "temperature", 0.9, "max_tokens", 4000, "response_format", "type", "json_object");
    if (!doc)
        return -1;
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return -1;
    int rc = buf_puts(body, text);
    free(text);
    return rc;
}

int chat_llm_generate(const chat_llm_opts_t *o, const char *title, const char *topic, buf_t *content,
                      chat_llm_usage_t *usage, char *err, size_t errlen)
{
    memset(usage, 0, sizeof *usage);
    char url[1100];
    size_t bl = strlen(o->base_url);
    while (bl && o->base_url[bl - 1] == '/')
        bl--;
    snprintf(url, sizeof url, "%.*s/chat/completions", (int)bl, o->base_url);
    buf_t body, resp;
    buf_init(&body, 64 * 1024);
    buf_init(&resp, LLM_MAX_RESPONSE);
    int rc = -1;
    char auth[600];
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    if (o->api_key && *o->api_key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->api_key);
        headers[1] = auth;
    }
    if (chat_llm_request_body(&body, o->model, title, topic)) {
        snprintf(err, errlen, "cannot build the request");
        goto out;
    }
    long status = 0;
    if (httpc_request("POST", url, headers, body.data, body.len, o->timeout_ms, &status, &resp, err, errlen))
        goto out;
    json_error_t jerr;
    json_t *doc = resp.len ? json_loadb(resp.data, resp.len, 0, &jerr) : NULL;
    json_t *u = json_object_get(doc, "usage");
    if (json_is_object(u)) {
        json_int_t p = json_integer_value(json_object_get(u, "prompt_tokens"));
        json_int_t c = json_integer_value(json_object_get(u, "completion_tokens"));
        json_int_t t = json_integer_value(json_object_get(u, "total_tokens"));
        usage->prompt_tokens = p > 0 ? (long)p : 0;
        usage->completion_tokens = c > 0 ? (long)c : 0;
        if (!p && !c && t > 0)
            usage->completion_tokens = (long)t; /* only a total: count it all at the one price */
    }
    if (status != 200) {
        snprintf(err, errlen, "the chat endpoint answered HTTP %ld", status);
    } else if (!doc) {
        snprintf(err, errlen, "the chat endpoint's answer is not JSON");
    } else {
        json_t *choice = json_array_get(json_object_get(doc, "choices"), 0);
        const char *text = json_string_value(json_object_get(json_object_get(choice, "message"), "content"));
        if (!text) {
            snprintf(err, errlen, "no choices[0].message.content in the answer");
        } else {
            /* some models wrap JSON in a Markdown fence */
            const char *start = strchr(text, '{'), *end = strrchr(text, '}');
            const char *arr = strchr(text, '[');
            if (arr && (!start || arr < start)) {
                start = arr;
                end = strrchr(text, ']');
            }
            if (!start || !end || end < start) {
                snprintf(err, errlen, "the answer holds no JSON");
            } else if (buf_append(content, start, (size_t)(end - start + 1))) {
                snprintf(err, errlen, "the answer is too long");
            } else {
                rc = 0;
            }
        }
    }
    json_decref(doc);
out:
    buf_free(&body);
    buf_free(&resp);
    return rc;
}
