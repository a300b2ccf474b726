/* chat_llm: asks an OpenAI-compatible chat-completions endpoint (POST {base}/chat/completions)
 * to write a chatroom conversation, and hands back the answer's text and the token usage it
 * reports. The caller checks the text (conversation_from_json) and keeps the daily spend; any
 * failure here means "use the built-in generator". Thread-safe (httpc). */
#ifndef CHATLINGS_CHAT_LLM_H
#define CHATLINGS_CHAT_LLM_H
#include <stddef.h>

#include "core/buf.h"

typedef struct chat_llm_opts {
    const char *base_url;  /* "https://api.openai.com/v1" (no trailing /chat/completions) */
    const char *model;
    const char *api_key;   /* sent as Authorization: Bearer; may be empty for local servers */
    long timeout_ms;
} chat_llm_opts_t;

typedef struct chat_llm_usage {
    long prompt_tokens;
    long completion_tokens;
} chat_llm_usage_t;

/* Builds the request body for a room about title / topic (both untrusted text, JSON-escaped)
 * into body. Exposed for tests. 0 or -1 (too long). */
int chat_llm_request_body(buf_t *body, const char *model, const char *title, const char *topic);

/* One call. On 0, *content holds the assistant message's text (the conversation JSON) and
 * *usage the tokens the answer reported (0 when it reported none). On -1, err says why
 * (network, status, not the expected shape); *usage still holds any usage the answer carried,
 * so spend is counted even for answers that are then refused. content's max bounds the answer. */
int chat_llm_generate(const chat_llm_opts_t *o, const char *title, const char *topic, buf_t *content,
                      chat_llm_usage_t *usage, char *err, size_t errlen);

#endif
