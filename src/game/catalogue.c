/* catalogue: generates the creature catalogue from a seed, identically on every machine.
 * Only integer arithmetic and our own PRNG (game/rng: splitmix64 seeding xoshiro256**) are used, so
 * no libc rand(), no floating point, and no platform-dependent behaviour can leak in. */
#include "game/catalogue.h"
#include "game/rng.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct catalogue {
    int n;
    catalogue_creature_t *items;
};

/* ---- PRNG ---------------------------------------------------------------------------- */

/* Independent streams per purpose, so that e.g. a name collision (which consumes extra draws)
 * never shifts a creature's traits or colours. The generator itself is game/rng (shared with
 * the game rules); its stream seeding is the scheme this catalogue has always used. */
enum { STREAM_ID = 1, STREAM_TRAITS, STREAM_NAME, STREAM_LOOKS, STREAM_VIBE, STREAM_RARITY, STREAM_BODY };

#define PICK(r, arr) ((arr)[rng_below((r), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

static void shuffle_ints(rng_t *r, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint32_t)i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* ---- rarity mix ---------------------------------------------------------------------- */

/* Shares in tenths of a percent: 50 / 25 / 15 / 7 / 2.5 / 0.5 %. */
static const int RARITY_PERMILLE[RARITY_COUNT] = {500, 250, 150, 70, 25, 5};

/* Largest-remainder rounding: floors first, then the leftover creatures go to the largest
 * remainders (ties to the more common rarity), so the counts sum to n and each is within one
 * of its exact share. */
static void rarity_counts(int n, int counts[RARITY_COUNT])
{
    int rem[RARITY_COUNT], given = 0;
    for (int i = 0; i < RARITY_COUNT; i++) {
        long long q = (long long)n * RARITY_PERMILLE[i];
        counts[i] = (int)(q / 1000);
        rem[i] = (int)(q % 1000);
        given += counts[i];
    }
    while (given < n) {
        int best = 0;
        for (int i = 1; i < RARITY_COUNT; i++)
            if (rem[i] > rem[best])
                best = i;
        counts[best]++;
        rem[best] = -1;
        given++;
    }
}

/* ---- names --------------------------------------------------------------------------- */

static const char *const ONSETS[] = {
    "b", "bl", "br", "ch", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "h", "j",
    "k", "kl", "l", "m", "n", "p", "pl", "pr", "qu", "r", "s", "sh", "sk", "sl",
    "sn", "sp", "st", "t", "th", "tr", "v", "w", "wh", "y", "z",
};
/* After a syllable that ended in a consonant only plain onsets follow, so no "rnstr" pile-ups. */
static const char *const SIMPLE_ONSETS[] = {
    "b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
};
/* Plain vowels dominate; the few diphthongs and "y" add flavour without making names heavy. */
static const char *const NUCLEI[] = {
    "a", "a", "a", "a", "e", "e", "e", "i", "i", "i", "o", "o", "o", "u", "u",
    "oo", "ee", "ai", "ou", "au", "a", "e", "i", "o", "y",
};
static const char *const INNER_CODAS[] = {"", "", "", "", "", "n", "m", "l", "r", "s"};
static const char *const FINAL_CODAS[] = {
    "", "", "", "", "n", "m", "l", "r", "s", "x", "k", "sh", "nk", "mp", "ng", "ll", "ff",
    "b", "p", "z", "sk", "nd", "sh", "t",
};
/* Substrings that make a generated name unfit for a children's-game catalogue. */
static const char *const BLOCKED[] = {
    "fuck", "fuk", "shit", "cunt", "dick", "cock", "fag", "nig", "rape", "slut", "whor",
    "piss", "tit", "porn", "nazi", "sex", "cum", "anus", "anal", "poo", "puss", "twat",
    "wank", "bitch", "damn", "hell", "kill", "ass", "kkk", "butt", "fart", "turd", "boob",
};

#define MAX_SYLLABLES 5
#define SYL_LEN 8

typedef struct name_parts {
    int count;
    char syl[MAX_SYLLABLES][SYL_LEN]; /* lowercase */
    char core[MAX_SYLLABLES][SYL_LEN]; /* onset + nucleus of each syllable (no coda) */
} name_parts_t;

static void draw_name(rng_t *r, int syllables, name_parts_t *p)
{
    int after_consonant = 0;
    p->count = syllables;
    for (int i = 0; i < syllables; i++) {
        const char *onset, *nucleus, *coda;
        if (i == 0)
            onset = rng_below(r, 8) == 0 ? "" : PICK(r, ONSETS); /* some names open on a vowel */
        else if (after_consonant)
            onset = PICK(r, SIMPLE_ONSETS);
        else
            onset = PICK(r, ONSETS);
        do {
            nucleus = PICK(r, NUCLEI);
            /* "quu", "yy" and a bare "y" first syllable read badly. */
        } while ((strcmp(onset, "qu") == 0 && nucleus[0] == 'u') ||
                 (onset[0] == 'y' && nucleus[0] == 'y') || (onset[0] == '\0' && nucleus[0] == 'y'));
        coda = i == syllables - 1 ? PICK(r, FINAL_CODAS) : PICK(r, INNER_CODAS);
        snprintf(p->core[i], SYL_LEN, "%s%s", onset, nucleus);
        snprintf(p->syl[i], SYL_LEN, "%s%s", p->core[i], coda);
        after_consonant = coda[0] != '\0';
    }
}

static int blocked(const char *lower)
{
    for (size_t i = 0; i < sizeof(BLOCKED) / sizeof(BLOCKED[0]); i++)
        if (strstr(lower, BLOCKED[i]) != NULL)
            return 1;
    return 0;
}

/* Open-addressing set of the names taken so far, keyed case-insensitively. */
typedef struct name_set {
    uint32_t mask;
    int *slots; /* creature index + 1; 0 = empty */
    const catalogue_creature_t *items;
} name_set_t;

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint32_t)tolower((unsigned char)*s)) * 16777619u;
    return h;
}

static int name_set_init(name_set_t *set, int n, const catalogue_creature_t *items)
{
    uint32_t cap = 16;
    while (cap < (uint32_t)n * 2)
        cap <<= 1;
    set->slots = calloc(cap, sizeof(int));
    set->mask = cap - 1;
    set->items = items;
    return set->slots ? 0 : -1;
}

/* Returns 1 when name is already taken, else inserts it (as creature index) and returns 0. */
static int name_set_add(name_set_t *set, const char *name, int index)
{
    uint32_t i = name_hash(name) & set->mask;
    while (set->slots[i] != 0) {
        if (strcasecmp(set->items[set->slots[i] - 1].name, name) == 0)
            return 1;
        i = (i + 1) & set->mask;
    }
    set->slots[i] = index + 1;
    return 0;
}

static const char *const CUTE_SUFFIXES[] = {"bo", "boo", "bean", "pip", "kins", "loo", "bug", "pop", "dee", "mo"};

/* short_name: the first syllable, lengthened to at least four letters with the next
 * syllable's start, then sometimes a cute suffix ("Mirabun" -> "Mira", "Zoflink" -> "Zoflipip"). */
static void make_short_name(rng_t *r, const name_parts_t *p, char *out, size_t outlen)
{
    char base[SYL_LEN * 2 + 1];
    snprintf(base, sizeof(base), "%s", p->syl[0]);
    if (strlen(base) < 4 && p->count > 1) {
        /* Keep the first syllable's coda only if it has one; append just the next onset+vowel. */
        snprintf(base, sizeof(base), "%s%s", p->syl[0], p->core[1]);
    }
    const char *suffix = rng_below(r, 2) == 0 ? "" : PICK(r, CUTE_SUFFIXES);
    snprintf(out, outlen, "%s%s", base, suffix);
    out[0] = (char)toupper((unsigned char)out[0]);
}

/* ---- vibe ---------------------------------------------------------------------------- */

static const char *const TRAIT_ADJ[TRAIT_COUNT][3] = {
    {"friendly", "warm-hearted", "welcoming"},
    {"playful", "bouncy", "mischievous"},
    {"inventive", "dreamy", "artistic"},
    {"kind", "gentle", "tender-hearted"},
    {"energetic", "zippy", "tireless"},
    {"bold", "fearless", "self-assured"},
    {"goofy", "witty", "cheeky"},
    {"curious", "inquisitive", "nosy"},
};
/* Third-person verb phrases: "<it> greets every stranger...". */
static const char *const TRAIT_ACT[TRAIT_COUNT][3] = {
    {"greets every stranger like an old friend", "saves a seat for whoever turns up late",
     "knows the name of every snail in the garden"},
    {"turns every chore into a game of tag", "hides in laundry baskets just to pop out",
     "has never met a puddle it didn't jump in"},
    {"doodles constellations on every wall", "builds castles out of spoons and string",
     "hums songs nobody has written yet"},
    {"always notices when someone is sad", "shares its last biscuit without a second thought",
     "listens far more than it talks"},
    {"runs three laps before breakfast", "bounces off the walls until bedtime",
     "never sits still for more than a minute"},
    {"walks into every room like it owns the place", "volunteers first for every adventure",
     "gives pep talks to anyone who will listen"},
    {"tells terrible jokes with perfect timing", "can make a grumpy cloud giggle",
     "collects puns the way others collect shells"},
    {"asks why until the sun goes down", "pokes its nose into every mystery",
     "reads old maps just for fun"},
};
static const char *const TRAIT_ROLE[TRAIT_COUNT] = {
    "social butterfly", "prankster", "daydreamer", "comforter",
    "whirlwind", "daredevil", "class clown", "explorer",
};
/* Said of the weakest trait when it is clearly low. */
static const char *const TRAIT_LOW[TRAIT_COUNT] = {
    "takes a while to warm up to strangers", "thinks tag is beneath it",
    "colours strictly inside the lines", "sometimes misses a hint or two",
    "naps at every opportunity", "hides behind bigger friends",
    "rarely gets the joke", "likes things exactly as they are",
};
static const char *const BODY_NOUN[BODY_TYPE_COUNT][2] = {
    {"fluffball", "puffball"},        {"little bean", "beanling"},      {"blob", "wobbly blob"},
    {"noodle", "wiggly noodle"},      {"squishy", "squishling"},        {"spiky critter", "pincushion"},
    {"athlete", "sporty sprinter"},   {"sleek glider", "stylish streak"}, {"knight", "tiny knight"},
    {"guardian", "sentinel"},         {"ranger", "trailblazer"},        {"mage", "spellcaster"},
    {"dragon", "dragonling"},         {"beast", "wild beast"},          {"mech", "clanky mech"},
    {"spirit", "wisp"},               {"titan", "gentle giant"},        {"robot", "tin-can buddy"},
    {"zombie", "sleepy zombie"},      {"goth", "gloomy goth"},
};
static const char *const BODY_TAIL[BODY_TYPE_COUNT] = {
    "leaves a trail of fluff wherever it goes", "fits neatly in a teacup", "wobbles when it laughs",
    "ties itself in knots when excited", "squeaks when hugged", "gives the pointiest hugs",
    "never skips leg day", "always has perfect hair", "polishes its armour every morning",
    "keeps watch while everyone sleeps", "always knows the way home", "sneezes sparkles",
    "hoards shiny buttons", "growls at thunder", "runs on tea and sunshine",
    "glows faintly in the dark", "ducks under every doorway", "beeps in three languages",
    "is not nearly as scary as it looks", "wears black, even to the beach",
};

static const char *article(const char *word)
{
    return strchr("aeiou", word[0]) != NULL ? "an" : "a";
}

static void make_vibe(rng_t *r, const catalogue_creature_t *c, char *out, size_t outlen)
{
    int order[TRAIT_COUNT];
    for (int i = 0; i < TRAIT_COUNT; i++)
        order[i] = i;
    /* Stable selection sort, highest first (ties keep the canonical trait order). */
    for (int i = 0; i < TRAIT_COUNT; i++)
        for (int j = i + 1; j < TRAIT_COUNT; j++)
            if (c->traits[order[j]] > c->traits[order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    int t1 = order[0], t2 = order[1], lo = order[TRAIT_COUNT - 1];
    int has_low = c->traits[lo] < 40;
    const char *adj1 = TRAIT_ADJ[t1][rng_below(r, 3)];
    const char *adj2 = TRAIT_ADJ[t2][rng_below(r, 3)];
    const char *act1 = TRAIT_ACT[t1][rng_below(r, 3)];
    const char *act2 = TRAIT_ACT[t2][rng_below(r, 3)];
    const char *noun = BODY_NOUN[c->body_type][rng_below(r, 2)];
    const char *tail = BODY_TAIL[c->body_type];
    const char *name = c->name;
    int tpl = (int)rng_below(r, 8);
    if (!has_low && (tpl == 4 || tpl == 7))
        tpl = 1;

    switch (tpl) {
    case 0:
        snprintf(out, outlen, "%s %s, %s %s who %s.", article(adj1), adj1, adj2, noun, act1);
        break;
    case 1:
        snprintf(out, outlen, "%s is %s %s %s that %s and %s.", name, article(adj1), adj1, noun, act1, tail);
        break;
    case 2:
        snprintf(out, outlen, "%s and %s, this %s %s.", adj1, adj2, noun, act1);
        break;
    case 3:
        snprintf(out, outlen, "%s %s and %s.", name, act1, act2);
        break;
    case 4:
        snprintf(out, outlen, "%s %s %s who %s, though it %s.", article(adj1), adj1, noun, act1, TRAIT_LOW[lo]);
        break;
    case 5:
        snprintf(out, outlen, "Part %s, part %s: %s %s.", noun, TRAIT_ROLE[t1], name, act1);
        break;
    case 6:
        snprintf(out, outlen, "Every gang needs %s %s %s, and %s %s.", article(adj1), adj1, noun, name, tail);
        break;
    default:
        snprintf(out, outlen, "%s %s, %s, and %s.", name, tail, act1, TRAIT_LOW[lo]);
        break;
    }
    if (strlen(out) >= 150) /* GAME.md wants a one-liner: fall back to the shortest template */
        snprintf(out, outlen, "%s %s %s who %s.", article(adj1), adj1, noun, act1);
    out[0] = (char)toupper((unsigned char)out[0]);
}

/* ---- generation ---------------------------------------------------------------------- */

static const char *const COLOUR_SCHEMES[] = {
    "Peach Sorbet", "Midnight Teal", "Mint Julep",   "Lavender Haze", "Bubblegum Pop", "Lemon Drop",
    "Ocean Breeze", "Forest Moss",   "Sunset Ember", "Cotton Candy",  "Storm Grey",    "Cherry Blossom",
    "Golden Honey", "Arctic Frost",  "Plum Velvet",  "Coral Reef",    "Autumn Spice",  "Galaxy Violet",
    "Seafoam",      "Rose Quartz",   "Charcoal Neon", "Butterscotch", "Sky Blue",      "Ruby Glow",
};

static void make_uuid(uint64_t seed, int index, char out[37])
{
    rng_t r;
    unsigned char b[16];
    rng_seed_stream(&r, seed, (uint64_t)index, STREAM_ID);
    uint64_t hi = rng_next(&r), lo = rng_next(&r);
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (56 - 8 * i));
        b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void make_traits(uint64_t seed, int index, catalogue_creature_t *c)
{
    rng_t r;
    rng_seed_stream(&r, seed, (uint64_t)index, STREAM_TRAITS);
    for (int t = 0; t < TRAIT_COUNT; t++) {
        /* Sum of three uniform draws in -4..4: a bell-ish noise of -12..+12. */
        int noise = (int)rng_below(&r, 9) + (int)rng_below(&r, 9) + (int)rng_below(&r, 9) - 12;
        int v = BODY_TYPE_PROFILE[c->body_type][t] + RARITY_TRAIT_BONUS[c->rarity] + noise;
        c->traits[t] = v < 0 ? 0 : v > 100 ? 100 : v;
    }
}

static void make_name(uint64_t seed, int index, name_set_t *set, catalogue_creature_t *c, name_parts_t *parts)
{
    rng_t r;
    rng_seed_stream(&r, seed, (uint64_t)index, STREAM_NAME);
    for (int attempt = 0;; attempt++) {
        /* 2-3 syllables; after many collisions allow longer names, which always leave room. */
        int syl = attempt < 16 ? 2 + (int)rng_below(&r, 5) / 3 : 3 + (int)rng_below(&r, 3);
        char lower[MAX_SYLLABLES * SYL_LEN];
        draw_name(&r, syl, parts);
        lower[0] = '\0';
        for (int i = 0; i < parts->count; i++)
            strcat(lower, parts->syl[i]);
        if (strlen(lower) < 4 || blocked(lower))
            continue;
        snprintf(c->name, sizeof(c->name), "%s", lower);
        c->name[0] = (char)toupper((unsigned char)c->name[0]);
        if (name_set_add(set, c->name, index) == 0)
            return;
    }
}

catalogue_t *catalogue_generate(uint64_t seed, int n)
{
    if (n < 0 || n > CATALOGUE_MAX_SIZE)
        return NULL;
    catalogue_t *cat = calloc(1, sizeof(*cat));
    int *rarity = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *body = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    name_set_t set = {0};
    if (cat == NULL || rarity == NULL || body == NULL)
        goto oom;
    cat->n = n;
    cat->items = calloc((size_t)(n > 0 ? n : 1), sizeof(catalogue_creature_t));
    if (cat->items == NULL || name_set_init(&set, n, cat->items) < 0)
        goto oom;

    /* Rarities: exact counts laid out in order, then shuffled onto indices. */
    int counts[RARITY_COUNT], k = 0;
    rarity_counts(n, counts);
    for (int rr = 0; rr < RARITY_COUNT; rr++)
        for (int j = 0; j < counts[rr]; j++)
            rarity[k++] = rr;
    rng_t r;
    rng_seed_stream(&r, seed, 0, STREAM_RARITY);
    shuffle_ints(&r, rarity, n);

    /* Body types: dealt round-robin then shuffled, so every type appears once n >= 20 and the
     * types stay balanced (within one creature of each other). */
    for (int i = 0; i < n; i++)
        body[i] = i % BODY_TYPE_COUNT;
    rng_seed_stream(&r, seed, 0, STREAM_BODY);
    shuffle_ints(&r, body, n);

    for (int i = 0; i < n; i++) {
        catalogue_creature_t *c = &cat->items[i];
        name_parts_t parts;
        rng_t looks, vibe;
        c->rarity = rarity[i];
        c->body_type = body[i];
        make_uuid(seed, i, c->id);
        make_traits(seed, i, c);
        make_name(seed, i, &set, c, &parts);
        rng_seed_stream(&looks, seed, (uint64_t)i, STREAM_LOOKS);
        snprintf(c->colour_scheme, sizeof(c->colour_scheme), "%s", PICK(&looks, COLOUR_SCHEMES));
        make_short_name(&looks, &parts, c->short_name, sizeof(c->short_name));
        rng_seed_stream(&vibe, seed, (uint64_t)i, STREAM_VIBE);
        make_vibe(&vibe, c, c->vibe, sizeof(c->vibe));
    }
    free(set.slots);
    free(rarity);
    free(body);
    return cat;
oom:
    free(set.slots);
    free(rarity);
    free(body);
    catalogue_free(cat);
    return NULL;
}

int catalogue_size(const catalogue_t *c) { return c ? c->n : 0; }

const catalogue_creature_t *catalogue_get(const catalogue_t *c, int index)
{
    if (c == NULL || index < 0 || index >= c->n)
        return NULL;
    return &c->items[index];
}

void catalogue_free(catalogue_t *c)
{
    if (c == NULL)
        return;
    free(c->items);
    free(c);
}
