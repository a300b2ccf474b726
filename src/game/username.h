/* username: the rules for player names (3-20 characters of A-Z a-z 0-9 _, no bad words)
 * and the bad-word filter itself, which chat messages reuse. Pure: no I/O, no state.
 * Uniqueness (ignoring case) is the database's job: idx_users_username_lower. */
#ifndef CHATLINGS_USERNAME_H
#define CHATLINGS_USERNAME_H

#define USERNAME_MIN 3
#define USERNAME_MAX 20

typedef enum {
    USERNAME_OK = 0,
    USERNAME_EMPTY = -1,       /* NULL or "" */
    USERNAME_TOO_SHORT = -2,
    USERNAME_TOO_LONG = -3,
    USERNAME_BAD_CHARS = -4,   /* anything outside [A-Za-z0-9_] (spaces, accents, emoji) */
    USERNAME_BAD_WORD = -5,
} username_result_t;

/* USERNAME_OK, or the first rule the name breaks. */
username_result_t username_validate(const char *name);

/* A player-facing sentence for a username_validate result ("" for USERNAME_OK). */
const char *username_message(username_result_t r);

/* 1 when text contains a word from the built-in list, else 0. Matching is on substrings,
 * case-insensitive, after folding leetspeak (0->o 1->i 3->e 4->a 5->s 7->t @->a $->s)
 * and dropping underscores; a few known innocent words that contain a listed word
 * ("Scunthorpe") are masked first. Works on any NUL-terminated text (chat messages too);
 * bytes outside ASCII are compared as they are. */
int username_has_bad_word(const char *text);

#endif
