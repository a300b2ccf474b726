/* conversation: the chatroom thread. The built-in generator writes 20-40 lines of a group chat
 * about a topic from a grammar of templates, deterministic for a seed and never repeating a
 * line within a room. A stored line is neutral text with two kinds of markup, resolved per
 * player when the thread is shown (conversation_voice): "{A}".."{D}" name the speaker roles
 * (each player's own chatlings voice them) and "[really]" marks an intensity adverb that the
 * player's attitude makes stronger or softer. Lines from an LLM are parsed and checked into the
 * same shape (conversation_from_json). Pure: no I/O. */
#ifndef CHATLINGS_CONVERSATION_H
#define CHATLINGS_CONVERSATION_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define CONV_MIN_LINES 20
#define CONV_MAX_LINES 40
#define CONV_MAX_ROLES 4
#define CONV_TEXT_MAX_CHARS 280 /* characters of one stored line (LLM lines longer are refused) */
#define CONV_LINE_MAX 1200      /* bytes: 280 UTF-8 characters of up to 4 bytes, plus the NUL */

typedef enum { SENTIMENT_POSITIVE, SENTIMENT_NEUTRAL, SENTIMENT_NEGATIVE, SENTIMENT_COUNT } sentiment_t;

/* "positive", "neutral", "negative" */
extern const char *const SENTIMENT_NAMES[SENTIMENT_COUNT];
/* -1 when unknown. */
int conversation_sentiment_from_name(const char *name);

typedef struct conv_line {
    int role;              /* 0..nroles-1: speaker A, B, C, D */
    sentiment_t sentiment;
    char text[CONV_LINE_MAX];
} conv_line_t;

typedef struct conversation {
    int nroles;            /* 2..4 */
    int nlines;            /* 20..40 */
    conv_line_t lines[CONV_MAX_LINES];
} conversation_t;

/* A noun phrase and whether it is plural ("puddles" are, "the Moon" is). */
typedef struct conv_noun {
    const char *text;
    int plural;
} conv_noun_t;

/* What a room talks about. nouns may be NULL (nnouns 0): generic ones are used. */
typedef struct conv_topic {
    const char *title;     /* "Rainy days" */
    const char *blurb;     /* one line for the room list */
    conv_noun_t phrase;    /* how the lines say the topic: {"rainy days", 1} */
    const conv_noun_t *nouns;
    int nnouns;
    int video;             /* a featured video: the generic nouns are about a video */
} conv_topic_t;

/* The built-in topics the worker opens daily rooms about when no admin featured anything. */
extern const conv_topic_t CONV_TOPICS[];
extern const int CONV_TOPICS_COUNT;

/* The built-in topic with this title (any case), or NULL. */
const conv_topic_t *conversation_topic_find(const char *title);

/* A topic for a free title (an admin's topic or a featured video): the title is the phrase,
 * the nouns are generic. t borrows title. */
void conversation_topic_custom(conv_topic_t *t, const char *title, int video);

/* A 64-bit seed from text (a room id): FNV-1a mixed through splitmix64. */
uint64_t conversation_seed(const char *text);

/* Writes a conversation about topic: 20..40 lines, 3 or 4 roles, every sentiment present, no
 * line twice (not even differing only in names or intensity adverbs). Deterministic per seed.
 * Returns 0. */
int conversation_generate(const conv_topic_t *topic, uint64_t seed, conversation_t *out);

/* Parses an LLM's answer: {"lines":[{"speaker":"A","sentiment":"positive","text":"..."}, ...]}
 * (or the bare array). Refuses (-1, reason in err) anything outside the rules the built-in
 * generator keeps: 20..40 lines, speakers A..D with at least two of them, known sentiments,
 * 1..280 characters of printable text, no repeated line, no bad words. Unknown {X} markup is
 * dropped. */
int conversation_from_json(const char *json, size_t len, conversation_t *out, char *err, size_t errlen);

/* The key two lines are compared by for "never the same line twice": the text with role
 * names and intensity adverbs blanked, lower-cased. out >= CONV_LINE_MAX. */
void conversation_line_key(const char *text, char *out, size_t outlen);

/* A player's tone (each 1..10, 5 = as written). */
typedef struct attitude {
    int enthusiasm;        /* positive lines: stronger adverbs, exclamations */
    int criticism;         /* negative lines: blunt or hedged */
    int humour;            /* the odd joke tag */
} attitude_t;

#define ATTITUDE_DEFAULT ((attitude_t){5, 5, 5})

/* Renders stored line number index (0-based) of a room for one player: role markup becomes
 * names[role] (NULL: "friend"), adverbs move up or down the intensity ladder by the attitude,
 * and enthusiasm / criticism / humour add exclamations, a blunt or hedging opener, or a joke
 * tag. Deterministic in (text, sentiment, index, attitude, seed, names). Appends to out. */
void conversation_voice(buf_t *out, const conv_line_t *line, int index, const attitude_t *att,
                        const char *const names[CONV_MAX_ROLES], uint64_t seed);

#endif
