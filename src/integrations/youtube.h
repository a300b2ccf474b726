/* youtube: the Google OAuth token endpoint and the two YouTube Data API v3 calls the game
 * needs (playlistItems.list on the "LL" liked-videos playlist, videos.list), each from a
 * configurable base URL so that tests run against a local fake. Responses are parsed by pure
 * functions (unit-tested); every answer is classified into a yt_status_t so that callers
 * decide retry / broken / dead-letter in one place. Thread-safe; no state.
 *
 * Quota (https://developers.google.com/youtube/v3/determine_quota_cost): both list calls cost
 * 1 unit; the token endpoint costs none. Google resets the daily quota at midnight Pacific
 * time; this code counts UTC days and, after a quotaExceeded, waits for the next UTC midnight:
 * simpler, and at worst a few hours of waiting more or less than strictly needed. */
#ifndef CHATLINGS_YOUTUBE_H
#define CHATLINGS_YOUTUBE_H
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define YOUTUBE_SCOPE "https://www.googleapis.com/auth/youtube.readonly"
#define YOUTUBE_PAGE_MAX 50          /* items per list call (the API's maximum) */
#define YOUTUBE_ID_MAX 64
#define YOUTUBE_TITLE_MAX 1024       /* bytes kept of a title (YouTube allows 100 characters) */
#define YOUTUBE_LIST_COST 1          /* quota units of playlistItems.list and videos.list */

typedef enum {
    YT_OK = 0,
    YT_UNAUTHORIZED = -1,   /* 401: the access token expired or was revoked: refresh it */
    YT_INVALID_GRANT = -2,  /* the refresh token was revoked or expired: the connection is broken */
    YT_QUOTA = -3,          /* 403 quotaExceeded / dailyLimitExceeded: wait for the next day */
    YT_TRANSIENT = -4,      /* network error, timeout, 5xx, 429, rate limits: retry later */
    YT_BAD_RESPONSE = -5,   /* malformed JSON or missing fields: retrying will not help */
    YT_NOT_FOUND = -6,      /* 404 (no liked-videos playlist: no channel, or it is private) */
    YT_FORBIDDEN = -7,      /* any other 403 (scope not granted, account suspended) */
    YT_CONFIG = -8,         /* 400/401 from the token endpoint for our client: misconfigured */
} yt_status_t;

const char *youtube_status_name(yt_status_t st);

typedef struct youtube_client {
    const char *client_id;
    const char *client_secret;
    const char *oauth_base;   /* authorization endpoint base (https://accounts.google.com) */
    const char *token_url;
    const char *api_base;     /* https://www.googleapis.com/youtube/v3 */
    long timeout_ms;          /* per call; 0 = 10000 */
} youtube_client_t;

void youtube_client_from_config(const config_t *cfg, youtube_client_t *out);
/* 1 when a client id is configured (YouTube is offered to players). */
int youtube_configured(const config_t *cfg);

/* The authorization URL: code flow, scope youtube.readonly, access_type=offline,
 * prompt=consent (so Google sends a refresh token every time), state and S256 challenge.
 * 0, or -1 when out is too small. */
int youtube_auth_url(const youtube_client_t *c, const char *redirect_uri, const char *state, const char *challenge,
                     char *out, size_t outlen);

typedef struct youtube_tokens {
    char access_token[2048];
    char refresh_token[1024];  /* "" when the response had none (refresh responses usually) */
    long expires_in;           /* seconds */
    char scope[1024];
} youtube_tokens_t;

/* Exchanges an authorization code (with its PKCE verifier). */
yt_status_t youtube_exchange_code(const youtube_client_t *c, const char *code, const char *verifier,
                                  const char *redirect_uri, youtube_tokens_t *out, char *err, size_t errlen);
/* A new access token for a refresh token. YT_INVALID_GRANT when Google no longer accepts it. */
yt_status_t youtube_refresh(const youtube_client_t *c, const char *refresh_token, youtube_tokens_t *out, char *err,
                            size_t errlen);
/* Parses a token-endpoint answer (pure). */
yt_status_t youtube_parse_tokens(long status, const char *body, size_t len, youtube_tokens_t *out, char *err,
                                 size_t errlen);
/* 1 when the space-separated scope list holds YOUTUBE_SCOPE (or the broader youtube scope). */
int youtube_scope_ok(const char *scope);

typedef struct youtube_like {
    char video_id[YOUTUBE_ID_MAX];
    int64_t liked_ms;                  /* snippet.publishedAt: when it was added to LL */
    char channel_id[YOUTUBE_ID_MAX];   /* snippet.videoOwnerChannelId ("" for deleted videos) */
    char title[YOUTUBE_TITLE_MAX];
} youtube_like_t;

typedef struct youtube_page {
    int n;
    youtube_like_t items[YOUTUBE_PAGE_MAX];
    char next_page_token[256];         /* "" on the last page */
} youtube_page_t;

/* One page of the liked-videos playlist (newest first). page_token NULL or "" = first page. */
yt_status_t youtube_liked_page(const youtube_client_t *c, const char *access_token, const char *page_token,
                               youtube_page_t *out, char *err, size_t errlen);
/* Parses a playlistItems.list answer (pure; status must be 200 for YT_OK). */
yt_status_t youtube_parse_liked_page(long status, const char *body, size_t len, youtube_page_t *out, char *err,
                                     size_t errlen);

typedef struct youtube_video {
    char id[YOUTUBE_ID_MAX];
    char channel_id[YOUTUBE_ID_MAX];
    char channel_title[256];
    char title[YOUTUBE_TITLE_MAX];
} youtube_video_t;

/* videos.list for up to YOUTUBE_PAGE_MAX ids; found videos go to out (*nout of them; private
 * and deleted videos are simply absent). */
yt_status_t youtube_videos(const youtube_client_t *c, const char *access_token, const char *const *ids, int n,
                           youtube_video_t *out, int *nout, char *err, size_t errlen);
yt_status_t youtube_parse_videos(long status, const char *body, size_t len, youtube_video_t *out, int max, int *nout,
                                 char *err, size_t errlen);

/* The status of a non-200 API answer (pure): 401, 403 quotaExceeded..., 404, 429/5xx. */
yt_status_t youtube_classify_error(long status, const char *body, size_t len);

/* RFC 3339 "2026-11-27T02:08:00Z" / "...00.123Z" / "...00+01:00" to epoch ms. 0 or -1. */
int youtube_parse_time(const char *s, int64_t *ms);

/* ---- quota (pure) ---- */

/* "YYYY-MM-DD" of the UTC day holding now_ms (the quota counter's key). */
void youtube_quota_day(int64_t now_ms, char out[11]);
/* When the quota of now_ms's day resets: the next UTC midnight. */
int64_t youtube_quota_reset_ms(int64_t now_ms);
/* How many players one sweep may sync: the units left today spread over the sweeps left today
 * (interval_ms apart, at least one), rounded up, so that the budget lasts the whole day. */
long youtube_round_budget(long units_left, int64_t now_ms, int64_t interval_ms);

#endif
