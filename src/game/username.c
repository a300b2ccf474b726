/* username: name rules and the bad-word filter. The list is deliberately short and holds
 * only words that are unambiguous as substrings: "ass", "cock", "tit", "rape", "shit" and
 * the like hide inside everyday words and names (class, peacock, title, grape, Yoshitaka),
 * so only their unambiguous compounds are listed. The few innocent words that do contain a
 * listed word are masked before matching. */
#include "game/username.h"

#include <stdlib.h>
#include <string.h>

/* Folded spelling: lower-case, no digits, no underscores (see fold()). */
static const char *const BAD_WORDS[] = {
    "fuck",     "cunt",      "nigger",   "nigga",      "faggot",   "whore",   "slut",
    "bitch",    "wanker",    "asshole",  "arsehole",   "dickhead", "cocksucker",
    "bullshit", "shithead",  "shithole", "dipshit",    "horseshit", "bollocks",
    "jizz",     "dildo",     "retard",   "tranny",     "kike",     "wetback",
};

/* Innocent words (folded) that contain a listed word. */
static const char *const ALLOWED_WORDS[] = {
    "scunthorpe", /* cunt */
    "niggard",    /* nigga: niggard, niggardly */
    "retardant",  /* retard: fire retardant */
    "slutsk",     /* slut: Slutsk, Slutsky */
};

static char fold_char(unsigned char c)
{
    switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '@': return 'a';
    case '$': return 's';
    default:
        /* ASCII only: locale-independent, and UTF-8 bytes pass through unchanged */
        return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
}

/* Folds text into out (capacity >= strlen(text) + 1); underscores are dropped so that
 * "f_u_c_k" cannot slip past. */
static void fold(const char *text, char *out)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p != '_')
            out[o++] = fold_char(*p);
    out[o] = '\0';
}

static void mask_allowed(char *s)
{
    for (size_t i = 0; i < sizeof ALLOWED_WORDS / sizeof ALLOWED_WORDS[0]; i++) {
        size_t n = strlen(ALLOWED_WORDS[i]);
        for (char *hit = strstr(s, ALLOWED_WORDS[i]); hit; hit = strstr(hit + n, ALLOWED_WORDS[i]))
            memset(hit, '#', n);
    }
}

int username_has_bad_word(const char *text)
{
    if (!text || !*text)
        return 0;
    char small[512];
    size_t len = strlen(text);
    char *s = len < sizeof small ? small : malloc(len + 1);
    if (!s)
        abort(); /* out of memory: nothing sensible to answer */
    fold(text, s);
    mask_allowed(s);
    int found = 0;
    for (size_t i = 0; i < sizeof BAD_WORDS / sizeof BAD_WORDS[0] && !found; i++)
        found = strstr(s, BAD_WORDS[i]) != NULL;
    if (s != small)
        free(s);
    return found;
}

username_result_t username_validate(const char *name)
{
    if (!name || !*name)
        return USERNAME_EMPTY;
    size_t n = 0;
    int bad_char = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (!ok)
            bad_char = 1;
        if (n > USERNAME_MAX)
            break; /* long enough to know: do not walk a megabyte */
    }
    /* bytes, not characters: any non-ASCII byte is already a bad character */
    if (bad_char)
        return USERNAME_BAD_CHARS;
    if (n < USERNAME_MIN)
        return USERNAME_TOO_SHORT;
    if (n > USERNAME_MAX)
        return USERNAME_TOO_LONG;
    if (username_has_bad_word(name))
        return USERNAME_BAD_WORD;
    return USERNAME_OK;
}

const char *username_message(username_result_t r)
{
    switch (r) {
    case USERNAME_OK: return "";
    case USERNAME_EMPTY: return "username is required";
    case USERNAME_TOO_SHORT: return "username must be at least 3 characters";
    case USERNAME_TOO_LONG: return "username must be at most 20 characters";
    case USERNAME_BAD_CHARS: return "username may only contain letters A-Z, digits and underscores";
    case USERNAME_BAD_WORD: return "username contains a word that is not allowed";
    }
    return "username is not valid";
}
