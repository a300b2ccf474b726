/* conversation: the built-in chatroom writer (a small grammar of templates over a topic's
 * nouns, with speaker dispositions so that a room has cheerleaders and grumps), the checker
 * of LLM-written threads, and the per-player voicing of stored lines. */
#include "game/conversation.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "game/rng.h"
#include "game/username.h"

const char *const SENTIMENT_NAMES[SENTIMENT_COUNT] = {"positive", "neutral", "negative"};

int conversation_sentiment_from_name(const char *name)
{
    for (int i = 0; name && i < SENTIMENT_COUNT; i++)
        if (!strcmp(name, SENTIMENT_NAMES[i]))
            return i;
    return -1;
}

/* ---- topics ---- */

#define NOUNS(name, ...) static const conv_noun_t name[] = {__VA_ARGS__}
#define TOPIC(title, blurb, phrase, plural, nouns) \
    {title, blurb, {phrase, plural}, nouns, (int)(sizeof nouns / sizeof nouns[0]), 0}

NOUNS(N_RAIN, {"puddles", 1}, {"umbrellas", 1}, {"the sound on the roof", 0}, {"wet socks", 1}, {"cosy blankets", 1},
      {"grey skies", 1});
NOUNS(N_BREAKFAST, {"pancakes", 1}, {"cold cereal", 0}, {"toast with jam", 0}, {"second breakfast", 0},
      {"runny eggs", 1}, {"the first coffee", 0});
NOUNS(N_PETS, {"cats", 1}, {"dogs", 1}, {"toe beans", 1}, {"the zoomies", 1}, {"long walks", 1},
      {"the midnight chaos", 0});
NOUNS(N_SPACE, {"black holes", 1}, {"the Moon", 0}, {"astronauts", 1}, {"tiny satellites", 1},
      {"the idea of aliens", 0}, {"shooting stars", 1});
NOUNS(N_GAMES, {"boss fights", 1}, {"save points", 1}, {"speedruns", 1}, {"loading screens", 1},
      {"the final level", 0}, {"co-op mode", 0});
NOUNS(N_MUSIC, {"catchy choruses", 1}, {"drum solos", 1}, {"old vinyl records", 1}, {"the bass line", 0},
      {"karaoke night", 0}, {"songs stuck in my head", 1});
NOUNS(N_OCEAN, {"waves", 1}, {"jellyfish", 1}, {"sandcastles", 1}, {"the deep sea", 0}, {"seagulls", 1},
      {"salty air", 0});
NOUNS(N_SLEEP, {"naps", 1}, {"alarm clocks", 1}, {"weird dreams", 1}, {"fluffy pillows", 1},
      {"the snooze button", 0}, {"staying up late", 0});
NOUNS(N_COOKING, {"burnt toast", 0}, {"secret recipes", 1}, {"spicy food", 0}, {"doing the dishes", 0},
      {"the smell of fresh bread", 0}, {"kitchen disasters", 1});
NOUNS(N_AUTUMN, {"crunchy leaves", 1}, {"pumpkin soup", 0}, {"cosy jumpers", 1}, {"shorter days", 1},
      {"foggy mornings", 1}, {"conkers", 1});
NOUNS(N_ROBOTS, {"robot vacuums", 1}, {"friendly androids", 1}, {"beeping noises", 1}, {"the robot uprising", 0},
      {"tiny robot arms", 1});
NOUNS(N_DINOS, {"the T-rex", 0}, {"tiny arms", 1}, {"fossils", 1}, {"feathered dinosaurs", 1},
      {"the long-necked ones", 1}, {"museum skeletons", 1});
NOUNS(N_SNOW, {"snowmen", 1}, {"sledging", 0}, {"cold fingers", 1}, {"hot chocolate", 0}, {"snowball fights", 1},
      {"the quiet after snowfall", 0});
NOUNS(N_BOOKS, {"plot twists", 1}, {"the last chapter", 0}, {"libraries", 1}, {"dog-eared pages", 1},
      {"reading in bed", 0}, {"book clubs", 1});
NOUNS(N_MOVIES, {"popcorn", 0}, {"the opening credits", 1}, {"sequels", 1}, {"scary movies", 1},
      {"choosing what to watch", 0}, {"the snacks", 1});
NOUNS(N_GARDEN, {"tomato plants", 1}, {"weeds", 1}, {"muddy boots", 1}, {"sunflowers", 1}, {"snails", 1},
      {"the first sprout", 0});
NOUNS(N_BIRTHDAYS, {"cake", 0}, {"surprise parties", 1}, {"the birthday song", 0}, {"wrapping paper", 0},
      {"candles", 1}, {"being a year older", 0});
NOUNS(N_TRAINS, {"window seats", 1}, {"delays", 1}, {"the snack trolley", 0}, {"night trains", 1},
      {"the view", 0}, {"station announcements", 1});
NOUNS(N_MORNINGS, {"sunrise", 0}, {"early alarms", 1}, {"the first sip of tea", 0}, {"birdsong", 0},
      {"morning people", 1}, {"the school run", 0});
NOUNS(N_HOMEWORK, {"deadlines", 1}, {"group projects", 1}, {"maths problems", 1}, {"the last-minute panic", 0},
      {"sticky notes", 1}, {"highlighter pens", 1});
NOUNS(N_PIZZA, {"pineapple on pizza", 0}, {"the crust", 0}, {"extra cheese", 0}, {"cold leftover pizza", 0},
      {"pizza delivery", 0}, {"stuffed crusts", 1});
NOUNS(N_WEEKEND, {"lazy Saturdays", 1}, {"slow Sunday evenings", 1}, {"brunch", 0}, {"doing absolutely nothing", 0},
      {"weekend plans", 1}, {"lie-ins", 1});
NOUNS(N_ART, {"doodles", 1}, {"watercolours", 1}, {"blank pages", 1}, {"the colour yellow", 0},
      {"art galleries", 1}, {"glitter glue", 0});
NOUNS(N_SPORTS, {"penalty shoot-outs", 1}, {"team jerseys", 1}, {"the final whistle", 0}, {"stretching", 0},
      {"cheering crowds", 1}, {"sports day", 0});
NOUNS(N_BEACH, {"sunscreen", 0}, {"ice cream", 0}, {"sand in everything", 0}, {"beach towels", 1},
      {"the walk back from the beach", 0}, {"rock pools", 1});
NOUNS(N_INVENTIONS, {"the wheel", 0}, {"light bulbs", 1}, {"sliced bread", 0}, {"paper clips", 1},
      {"the internet", 0}, {"bubble wrap", 0});
NOUNS(N_FRIENDS, {"inside jokes", 1}, {"long phone calls", 1}, {"sharing snacks", 0},
      {"making up after a fight", 0}, {"best friends", 1}, {"group chats", 1});
NOUNS(N_BUGS, {"ladybirds", 1}, {"spiders", 1}, {"fireflies", 1}, {"ants", 1}, {"the buzzing at night", 0},
      {"butterflies", 1});
NOUNS(N_WEATHER, {"rainbows", 1}, {"thunderstorms", 1}, {"heatwaves", 1}, {"weather forecasts", 1}, {"wind", 0},
      {"fog", 0});
NOUNS(N_MEMES, {"cat videos", 1}, {"comment sections", 1}, {"dance trends", 1}, {"notifications", 1},
      {"the algorithm", 0}, {"reaction pictures", 1});
NOUNS(N_DRINKS, {"tea", 0}, {"coffee", 0}, {"biscuits for dunking", 1}, {"the perfect mug", 0},
      {"iced drinks", 1}, {"herbal tea", 0});
NOUNS(N_MUSEUMS, {"old maps", 1}, {"the gift shop", 0}, {"ancient coins", 1}, {"quiet galleries", 1},
      {"audio guides", 1}, {"the dinosaur hall", 0});

const conv_topic_t CONV_TOPICS[] = {
    TOPIC("Rainy days", "Puddles, umbrellas and the sound on the roof.", "rainy days", 1, N_RAIN),
    TOPIC("Breakfast", "Pancakes or cereal? The most important argument of the day.", "breakfast", 0, N_BREAKFAST),
    TOPIC("Cats and dogs", "Toe beans, zoomies and who really runs the house.", "cats and dogs", 1, N_PETS),
    TOPIC("Space", "Black holes, the Moon and whether anyone is out there.", "space", 0, N_SPACE),
    TOPIC("Video games", "Boss fights, save points and one more level.", "video games", 1, N_GAMES),
    TOPIC("Music", "Choruses you cannot shake and the joy of karaoke.", "music", 0, N_MUSIC),
    TOPIC("The ocean", "Waves, jellyfish and the mysteries of the deep.", "the ocean", 0, N_OCEAN),
    TOPIC("Sleep", "Naps, alarms and the dreams nobody can explain.", "sleep", 0, N_SLEEP),
    TOPIC("Cooking", "Secret recipes and kitchen disasters.", "cooking", 0, N_COOKING),
    TOPIC("Autumn", "Crunchy leaves, soup and cosy jumpers.", "autumn", 0, N_AUTUMN),
    TOPIC("Robots", "Helpful, beeping, slightly worrying.", "robots", 1, N_ROBOTS),
    TOPIC("Dinosaurs", "Tiny arms, big opinions.", "dinosaurs", 1, N_DINOS),
    TOPIC("Snow days", "Snowmen, sledging and hot chocolate.", "snow days", 1, N_SNOW),
    TOPIC("Books", "Plot twists and reading far too late.", "books", 1, N_BOOKS),
    TOPIC("Movie night", "Popcorn, sequels and picking what to watch.", "movie night", 0, N_MOVIES),
    TOPIC("Gardening", "Sunflowers, weeds and the first sprout.", "gardening", 0, N_GARDEN),
    TOPIC("Birthdays", "Cake, candles and surprise parties.", "birthdays", 1, N_BIRTHDAYS),
    TOPIC("Train journeys", "Window seats, delays and the snack trolley.", "train journeys", 1, N_TRAINS),
    TOPIC("Mornings", "Sunrise people versus snooze people.", "mornings", 1, N_MORNINGS),
    TOPIC("Homework", "Deadlines, group projects and panic.", "homework", 0, N_HOMEWORK),
    TOPIC("Pizza", "Crusts, cheese and the pineapple question.", "pizza", 0, N_PIZZA),
    TOPIC("The weekend", "Lie-ins, brunch and doing nothing at all.", "the weekend", 0, N_WEEKEND),
    TOPIC("Art", "Doodles, watercolours and blank pages.", "art", 0, N_ART),
    TOPIC("Sports", "Shoot-outs, jerseys and the final whistle.", "sports", 1, N_SPORTS),
    TOPIC("Beach holidays", "Sunscreen, ice cream and sand in everything.", "beach holidays", 1, N_BEACH),
    TOPIC("Inventions", "The wheel, light bulbs and bubble wrap.", "inventions", 1, N_INVENTIONS),
    TOPIC("Friendship", "Inside jokes and sharing snacks.", "friendship", 0, N_FRIENDS),
    TOPIC("Bugs", "Ladybirds, fireflies and the odd spider.", "bugs", 1, N_BUGS),
    TOPIC("The weather", "Rainbows, storms and forecasts that lie.", "the weather", 0, N_WEATHER),
    TOPIC("Memes", "Cat videos, comment sections and the algorithm.", "memes", 1, N_MEMES),
    TOPIC("Hot drinks", "Tea, coffee and the perfect mug.", "hot drinks", 1, N_DRINKS),
    TOPIC("Museums", "Old maps, quiet galleries and the gift shop.", "museums", 1, N_MUSEUMS),
};
const int CONV_TOPICS_COUNT = (int)(sizeof CONV_TOPICS / sizeof CONV_TOPICS[0]);

NOUNS(N_GENERIC, {"the whole idea", 0}, {"the details", 1}, {"the hype", 0}, {"the first impression", 0},
      {"the fans", 1}, {"the little things", 1});
NOUNS(N_VIDEO, {"the intro", 0}, {"the music", 0}, {"the editing", 0}, {"the ending", 0}, {"the thumbnail", 0},
      {"the comments", 1}, {"the jokes", 1}, {"the camera work", 0});
#define COUNT(a) ((int)(sizeof a / sizeof a[0]))

const conv_topic_t *conversation_topic_find(const char *title)
{
    for (int i = 0; title && i < CONV_TOPICS_COUNT; i++)
        if (!strcasecmp(CONV_TOPICS[i].title, title))
            return &CONV_TOPICS[i];
    return NULL;
}

void conversation_topic_custom(conv_topic_t *t, const char *title, int video)
{
    memset(t, 0, sizeof *t);
    t->title = title;
    t->blurb = "";
    t->phrase.text = video ? "this video" : title;
    t->phrase.plural = 0;
    t->video = video;
}

uint64_t conversation_seed(const char *text)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return rng_splitmix64(&h);
}

/* ---- the grammar ----
 * Slots: {T} the topic, {N} one of its nouns (both set the agreement of {is} {was} {has}
 * {it} {its} {them} {s} {does}), {L} the noun said last, {P} {G} {M} a positive / negative / mixed adjective, {V} an
 * intensity adverb ({Vc} capitalised), {prev} the previous speaker, {next} the one addressed,
 * {time} {span} small bits of time. */

typedef struct tpl {
    const char *text;
    sentiment_t s;
} tpl_t;

#define POS SENTIMENT_POSITIVE
#define NEU SENTIMENT_NEUTRAL
#define NEG SENTIMENT_NEGATIVE

enum { K_OPEN, K_OPINION, K_REACT, K_COUNTER, K_QUESTION, K_ANECDOTE, K_JOKE, K_TRANSITION, K_CLOSE_HOST,
       K_CLOSE_OTHER, K_ANSWER, K_COUNT };

static const tpl_t T_OPEN[] = {
    {"Okay, everyone: today it's {T}. Who wants to start?", NEU},
    {"Right, {T}. Let's see where this goes.", NEU},
    {"Topic of the day: {T}. {next}, you look like you have something to say.", NEU},
    {"Welcome, welcome! Today's room is about {T}, and I have opinions.", POS},
    {"So, {T}! I've been waiting all week to talk about {them}.", POS},
    {"I picked {T} for today. What do we think, {next}?", NEU},
    {"Gather round, everyone. We need to talk about {T}.", NEU},
    {"Good news: today we're talking about {T}. My favourite!", POS},
    {"Hello, hello! Who's ready to talk about {T}?", POS},
    {"Today's topic is {T}. Try to keep it civil.", NEU},
    {"Alright, {T}. I'll go easy on you all.", NEU},
};

static const tpl_t T_OPINION[] = {
    {"I {V} love {N}.", POS},
    {"{N} {is} {V} {P}, if you ask me.", POS},
    {"Honestly? {N} {is} the best part of {T}.", POS},
    {"Can we talk about how {V} {P} {N} {is}?", POS},
    {"Every time I think about {N}, I smile a little.", POS},
    {"I didn't expect to like {N} this much.", POS},
    {"You know what I like? {N}. Every single time.", POS},
    {"{N} {is} {V} {P}, and nobody can change my mind.", POS},
    {"My favourite thing about {T} is {N}.", POS},
    {"{N} made my whole day, to be honest.", POS},
    {"There is something {V} {P} about {N}.", POS},
    {"I could talk about {N} for hours.", POS},
    {"If I had to pick one thing, it would be {N}. {Vc} {P}.", POS},
    {"{N}? {Vc} {P}. No notes.", POS},
    {"I'm a big fan of {N}, for the record.", POS},
    {"{N} never let{s} me down.", POS},
    {"Whoever came up with {N} deserves a medal.", POS},
    {"{N} {is} {V} {P}. I said what I said.", POS},
    {"{N} {is} {V} {P}. That's it. That's the post.", POS},
    {"Nothing beats {N} on a good day.", POS},
    {"I'd pick {N} over almost anything.", POS},
    {"{N} {has} a special place in my heart.", POS},
    {"People underestimate how {V} {P} {N} {is}.", POS},
    {"I'm sorry, but {N} {is} {V} {G}.", NEG},
    {"{N}? Not for me. {Vc} {G}, actually.", NEG},
    {"Am I the only one who finds {N} a bit much?", NEG},
    {"I've tried to like {N}. I really have.", NEG},
    {"Honestly, {N} {is} the weakest part of {T}.", NEG},
    {"Everyone keeps praising {N} and I don't get it.", NEG},
    {"{N} {is} {V} overrated.", NEG},
    {"I find {N} {V} {G}, to be honest.", NEG},
    {"Can we skip {N}? Please?", NEG},
    {"I wanted to enjoy {N}, but {it} {was} {V} {G}.", NEG},
    {"Let's be honest: {N} could be so much better.", NEG},
    {"Something about {N} just bugs me.", NEG},
    {"I'm not convinced. {N} {is} {V} {G}.", NEG},
    {"{N} {is} {V} {G} and I'm tired of pretending otherwise.", NEG},
    {"{N} spoil{s} {T} for me a little.", NEG},
    {"I'd happily never hear about {N} again.", NEG},
    {"{N} {is} {V} {G}, and I will die on this hill.", NEG},
    {"I've had enough of {N} for one lifetime.", NEG},
    {"Who decided {N} {was} a good idea?", NEG},
    {"{N} just {does}n't work for me.", NEG},
    {"Every time someone mentions {N}, I sigh.", NEG},
    {"I don't feel strongly about {N} either way.", NEU},
    {"{N} {is} {V} {M}, I suppose.", NEU},
    {"Interesting. I never thought about {N} like that.", NEU},
    {"Hmm. {N} {is} {M}, I'll give {them} that.", NEU},
    {"Does anyone else think about {N} more than they should?", NEU},
    {"I read somewhere that {N} {is} more popular than people think.", NEU},
    {"It depends on the day, really.", NEU},
    {"I need to think about {N} a bit more.", NEU},
    {"So we're talking about {N} now? Okay.", NEU},
    {"I have questions about {N}. Mostly good ones.", NEU},
    {"I guess {N} {is} fine. Just fine.", NEU},
    {"{N} {is} {V} {M}, when you think about it.", NEU},
    {"I'm still making up my mind about {N}.", NEU},
    {"Fun fact: I had never once thought about {N} before today.", NEU},
    {"There are two kinds of chatlings: those who get {N} and those who don't.", NEU},
    {"{N}: not good, not bad, just there.", NEU},
    {"I'm on the fence about {N}.", NEU},
    {"Has anyone actually tried {N}? Asking for a friend.", NEU},
    {"{N} {is} {V} {M}, to be fair.", NEU},
    {"I keep changing my mind about {N}.", NEU},
};

static const tpl_t T_REACT[] = {
    {"Yes! Exactly what {prev} said about {L}.", POS},
    {"{prev} gets it. {L} {is} {V} {P}.", POS},
    {"I'm with {prev} on {L}.", POS},
    {"Couldn't have said it better, {prev}.", POS},
    {"See, this is why I like talking to {prev}.", POS},
    {"{prev}, you took the words right out of my mouth.", POS},
    {"Agreed, {prev}. {L} deserve{s} more love.", POS},
    {"Finally, someone else who appreciates {L}!", POS},
    {"Thank you, {prev}. {L} {is} so underrated.", POS},
    {"Sorry, {prev}, I can't agree with that.", NEG},
    {"Oh come on, {prev}, that's {V} harsh.", NEG},
    {"No offence, {prev}, but that's not how I see {L}.", NEG},
    {"I love you, {prev}, but you're wrong about {L}.", NEG},
    {"{prev}, we need to have a serious talk after this.", NEG},
    {"Hard disagree, {prev}. {L} {is} {V} {G}.", NEG},
    {"{prev}, I respect you, but {L}? No.", NEG},
    {"Really, {prev}? {L}? I can't.", NEG},
    {"Good point, {prev}. I hadn't thought of {L} like that.", NEU},
    {"Okay, {prev}, tell me more about {L}.", NEU},
    {"That's one way to look at {L}, {prev}.", NEU},
    {"Wait, {prev}, say that again?", NEU},
    {"Hmm, {prev}, I'm not so sure.", NEU},
    {"Noted, {prev}. Carry on.", NEU},
    {"Huh. I never knew you felt that way about {L}, {prev}.", NEU},
    {"{prev} has a point about {L}, I suppose.", NEU},
    {"{prev} said it. {L} {is} {V} {M}.", NEU},
    {"Oh, {prev}, not {L} again.", NEG},
    {"{prev}, you're my favourite. Carry on about {L}.", POS},
};

/* Said to someone who was just negative. */
static const tpl_t T_COUNTER[] = {
    {"Come on, {prev}, {L} {is} not that bad!", POS},
    {"Oh, {prev}, give {L} a chance.", POS},
    {"{prev}, you'll come around to {L}. Everyone does.", POS},
    {"Cheer up, {prev}! {L} {is} {V} {P} once you get used to {them}.", POS},
};

static const tpl_t T_QUESTION[] = {
    {"{next}, what do you think about {N}?", NEU},
    {"Be honest, {next}: {N}, yes or no?", NEU},
    {"{next}, you've been quiet. Thoughts on {N}?", NEU},
    {"Serious question, {next}: how do you feel about {N}?", NEU},
    {"{next}, rate {N} out of ten.", NEU},
    {"Over to you, {next}. {N}: love {them} or leave {them}?", NEU},
    {"What about you, {next}? Where do you stand on {N}?", NEU},
    {"Quick question for {next}: {N}, overrated or underrated?", NEU},
    {"{next}, settle this for us. {N}: good or bad?", NEU},
    {"I want to hear from {next}. {N}?", NEU},
};

static const tpl_t T_ANSWER_PREFIX[] = {
    {"Oh, easy. ", POS},   {"Love that question. ", POS}, {"Since you asked: ", POS},
    {"You won't like my answer. ", NEG}, {"Do I have to? Fine. ", NEG}, {"Well, if I'm honest... ", NEG},
    {"Good question. ", NEU}, {"Hmm, let me think. ", NEU}, {"Tough one. ", NEU},
};

static const tpl_t T_ANECDOTE[] = {
    {"Last {time}, I spent the whole {span} thinking about {N}. Worth it.", POS},
    {"I showed {N} to a friend last {time}, and they loved {them}.", POS},
    {"Once, {N} cheered me up on a {V} grey {span}.", POS},
    {"Last {time}, {N} ruined my whole {span}. Still not over it.", NEG},
    {"I once waited ages for {N}, and {it} {was} {V} {G}.", NEG},
    {"Last {time} I gave {N} another try. Big mistake.", NEG},
    {"This reminds me of something that happened last {time}. Never mind.", NEU},
    {"My cousin is obsessed with {N}. I just nod along.", NEU},
    {"I dreamed about {N} last {time}. No idea why.", NEU},
    {"Last {time} someone asked me about {N} and I just blinked.", NEU},
};

static const tpl_t T_JOKE[] = {
    {"If {N} could talk, {it} would never stop.", NEU},
    {"I'd write a song about {N}, but I only know two chords.", POS},
    {"{N} and I have an understanding. Mostly {it} ignore{s} me.", NEU},
    {"Plot twist: {N} {was} the real topic all along.", NEU},
    {"Breaking news: local chatling has feelings about {N}.", POS},
    {"I'm putting {N} on my CV. Special skills.", POS},
    {"My therapist says I need to stop talking about {N}.", NEG},
    {"{N} and I are not on speaking terms.", NEG},
    {"I wrote a poem about {N}. It's one word long: no.", NEG},
    {"Somebody should start a fan club for {N}. Not me, though.", NEU},
    {"I asked a wise old chatling about {N}. She just laughed.", NEU},
    {"If {N} {was} a snack, I'd eat {them} twice.", POS},
};

static const tpl_t T_TRANSITION[] = {
    {"Anyway, can we talk about {N} for a second?", NEU},
    {"Changing the subject slightly: {N}.", NEU},
    {"Okay, but what about {N}?", NEU},
    {"Back to {T} for a moment.", NEU},
    {"Can I just say something about {N}?", NEU},
    {"Slightly off topic, but: {N}.", NEU},
    {"Meanwhile, nobody has mentioned {N} yet.", NEU},
    {"Hot take incoming. It's about {N}.", NEU},
    {"Let's not forget {N}, everyone.", NEU},
};

static const tpl_t T_CLOSE_HOST[] = {
    {"Well, that's all the time we have. Same room tomorrow?", NEU},
    {"This was fun. Thanks, everyone!", POS},
    {"Great chat, everyone. Let's do {T} again sometime.", POS},
    {"Okay, wrapping up before {prev} starts another argument.", NEU},
    {"And that's {T} settled. Mostly. Goodnight, everyone!", POS},
    {"Okay, that's a wrap. Be kind to each other!", POS},
    {"Right, I think we've said everything there is to say about {L}.", NEU},
    {"Time's up, everyone. Thanks for talking {T} with me.", POS},
};

static const tpl_t T_CLOSE_OTHER[] = {
    {"Bye, everyone! This was {V} {P}.", POS},
    {"I'm still right about {N}, by the way.", NEG},
    {"Good talk. I think.", NEU},
    {"See you all tomorrow!", POS},
    {"Fine. But I'm not done talking about {N}.", NEG},
    {"Night, everyone!", POS},
    {"I'll be thinking about {L} all night now.", NEU},
    {"Fine. You win. This time.", NEG},
    {"Okay, bye. Still grumpy about {L}.", NEG},
};

static const char *const ADJ_POS[] = {"lovely", "brilliant", "charming", "wonderful", "delightful", "cosy",
                                      "clever", "fun", "gorgeous", "great", "magical", "sweet"};
static const char *const ADJ_NEG[] = {"boring", "annoying", "overdone", "tiring", "messy", "dull",
                                      "disappointing", "exhausting", "awkward", "forgettable"};
static const char *const ADJ_MIX[] = {"unusual", "complicated", "interesting", "surprising", "different",
                                      "curious", "strange", "unexpected"};
/* The intensity ladder: the generator writes the middle rungs, attitudes move along it. */
static const char *const LADDER[] = {"somewhat", "fairly", "pretty", "really", "very", "seriously", "incredibly"};
#define LADDER_N 7
static const char *const TIMES[] = {"week", "Tuesday", "summer", "month", "weekend", "Friday"};
static const char *const SPANS[] = {"evening", "afternoon", "morning", "bus ride", "lunch break"};

typedef struct kind_list {
    const tpl_t *t;
    int n;
} kind_list_t;

static const kind_list_t KINDS[K_COUNT] = {
    [K_OPEN] = {T_OPEN, COUNT(T_OPEN)},
    [K_OPINION] = {T_OPINION, COUNT(T_OPINION)},
    [K_REACT] = {T_REACT, COUNT(T_REACT)},
    [K_COUNTER] = {T_COUNTER, COUNT(T_COUNTER)},
    [K_QUESTION] = {T_QUESTION, COUNT(T_QUESTION)},
    [K_ANECDOTE] = {T_ANECDOTE, COUNT(T_ANECDOTE)},
    [K_JOKE] = {T_JOKE, COUNT(T_JOKE)},
    [K_TRANSITION] = {T_TRANSITION, COUNT(T_TRANSITION)},
    [K_CLOSE_HOST] = {T_CLOSE_HOST, COUNT(T_CLOSE_HOST)},
    [K_CLOSE_OTHER] = {T_CLOSE_OTHER, COUNT(T_CLOSE_OTHER)},
    [K_ANSWER] = {T_ANSWER_PREFIX, COUNT(T_ANSWER_PREFIX)},
};

/* Dispositions: how likely each sentiment is for a role (percent: positive, neutral). */
enum { D_SUNNY, D_BALANCED, D_GRUMPY, D_CURIOUS, D_COUNT };
static const int DISPOSITION[D_COUNT][2] = {
    [D_SUNNY] = {70, 25},    /* 5 % negative */
    [D_BALANCED] = {30, 40}, /* 30 % */
    [D_GRUMPY] = {5, 15},    /* 80 % */
    [D_CURIOUS] = {25, 60},  /* 15 % */
};

typedef struct gen {
    rng_t rng;
    const conv_topic_t *topic;
    int plural;        /* agreement of the last noun written */
    conv_noun_t last;  /* the noun said last: {L}, and {N} of an answer (it answers about that) */
    int sticky;        /* {N} repeats the last noun */
    int nroles;
    unsigned char used[K_COUNT][128]; /* templates used in this room */
} gen_t;

static int pick(gen_t *g, int n)
{
    return (int)rng_below(&g->rng, (uint32_t)n);
}

static conv_noun_t pick_noun(gen_t *g)
{
    const conv_noun_t *generic = g->topic->video ? N_VIDEO : N_GENERIC;
    int ngeneric = g->topic->video ? COUNT(N_VIDEO) : COUNT(N_GENERIC);
    conv_noun_t n = {0};
    for (int tries = 0; tries < 4; tries++) {
        if (g->topic->nnouns > 0 && rng_below(&g->rng, 100) < 85)
            n = g->topic->nouns[pick(g, g->topic->nnouns)];
        else
            n = generic[pick(g, ngeneric)];
        if (n.text != g->last.text)
            break;
    }
    g->last = n;
    return n;
}

typedef struct out {
    char *p;
    size_t len, cap;
} out_t;

static void put(out_t *o, const char *s)
{
    size_t n = strlen(s);
    if (o->len + n >= o->cap)
        n = o->cap - o->len - 1;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void put_role(out_t *o, int role)
{
    char r[4] = {'{', (char)('A' + role), '}', '\0'};
    put(o, r);
}

static void put_adverb(gen_t *g, out_t *o, int capital)
{
    char w[24];
    snprintf(w, sizeof w, "[%s]", LADDER[1 + pick(g, 4)]);
    if (capital)
        w[1] = (char)toupper((unsigned char)w[1]);
    put(o, w);
}

/* Upper-cases the first letter of the line and of each sentence (after ". ", "? ", "! "). */
static void capitalise(char *s)
{
    int start = 1;
    for (char *p = s; *p; p++) {
        if (start && *p >= 'a' && *p <= 'z') {
            *p = (char)(*p - 'a' + 'A');
            start = 0;
        } else if (start && *p != ' ' && *p != '"') {
            start = 0;
        }
        if ((*p == '.' || *p == '?' || *p == '!') && p[1] == ' ')
            start = 1;
    }
}

/* Expands tpl for speaker self; prev / next are roles (or -1). */
static void expand(gen_t *g, const char *tpl, int prev, int next, char *buf, size_t cap)
{
    out_t o = {buf, 0, cap};
    buf[0] = '\0';
    for (const char *p = tpl; *p;) {
        if (*p != '{') {
            const char *q = strchr(p, '{');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            char chunk[256];
            if (n >= sizeof chunk)
                n = sizeof chunk - 1;
            memcpy(chunk, p, n);
            chunk[n] = '\0';
            put(&o, chunk);
            p += n;
            continue;
        }
        const char *end = strchr(p, '}');
        char slot[16];
        size_t n = end ? (size_t)(end - p - 1) : 0;
        if (!end || n >= sizeof slot)
            break; /* templates are ours: cannot happen */
        memcpy(slot, p + 1, n);
        slot[n] = '\0';
        p = end + 1;
        int pl = g->plural;
        if (!strcmp(slot, "T")) {
            put(&o, g->topic->phrase.text);
            g->plural = g->topic->phrase.plural;
        } else if (!strcmp(slot, "N") || !strcmp(slot, "L")) {
            conv_noun_t nn = (slot[0] == 'L' || g->sticky) && g->last.text ? g->last
                             : slot[0] == 'L'                              ? g->topic->phrase
                                                                           : pick_noun(g);
            put(&o, nn.text);
            g->plural = nn.plural;
        } else if (!strcmp(slot, "is")) {
            put(&o, pl ? "are" : "is");
        } else if (!strcmp(slot, "was")) {
            put(&o, pl ? "were" : "was");
        } else if (!strcmp(slot, "has")) {
            put(&o, pl ? "have" : "has");
        } else if (!strcmp(slot, "does")) {
            put(&o, pl ? "do" : "does");
        } else if (!strcmp(slot, "it")) {
            put(&o, pl ? "they" : "it");
        } else if (!strcmp(slot, "its")) {
            put(&o, pl ? "they're" : "it's");
        } else if (!strcmp(slot, "them")) {
            put(&o, pl ? "them" : "it");
        } else if (!strcmp(slot, "s")) {
            put(&o, pl ? "" : "s");
        } else if (!strcmp(slot, "P")) {
            put(&o, ADJ_POS[pick(g, COUNT(ADJ_POS))]);
        } else if (!strcmp(slot, "G")) {
            put(&o, ADJ_NEG[pick(g, COUNT(ADJ_NEG))]);
        } else if (!strcmp(slot, "M")) {
            put(&o, ADJ_MIX[pick(g, COUNT(ADJ_MIX))]);
        } else if (!strcmp(slot, "V") || !strcmp(slot, "Vc")) {
            put_adverb(g, &o, slot[1] == 'c');
        } else if (!strcmp(slot, "prev")) {
            put_role(&o, prev >= 0 ? prev : 0);
        } else if (!strcmp(slot, "next")) {
            put_role(&o, next >= 0 ? next : 0);
        } else if (!strcmp(slot, "time")) {
            put(&o, TIMES[pick(g, COUNT(TIMES))]);
        } else if (!strcmp(slot, "span")) {
            put(&o, SPANS[pick(g, COUNT(SPANS))]);
        }
    }
    capitalise(buf);
}

void conversation_line_key(const char *text, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = text; *p && o + 4 < outlen; p++) {
        if (*p == '{' || *p == '[') {
            const char *end = strchr(p, *p == '{' ? '}' : ']');
            if (end) {
                out[o++] = *p;
                out[o++] = *end;
                p = end;
                continue;
            }
        }
        out[o++] = (char)tolower((unsigned char)*p);
    }
    out[o] = '\0';
}

static int seen(const conversation_t *c, int upto, const char *text)
{
    char key[CONV_LINE_MAX], other[CONV_LINE_MAX];
    conversation_line_key(text, key, sizeof key);
    for (int i = 0; i < upto; i++) {
        conversation_line_key(c->lines[i].text, other, sizeof other);
        if (!strcmp(key, other))
            return 1;
    }
    return 0;
}

/* A template of kind k with sentiment s, preferring ones not used yet in this room; -1 none. */
static int pick_template(gen_t *g, int k, sentiment_t s)
{
    const kind_list_t *kl = &KINDS[k];
    int cand[128], n = 0, fresh[128], nf = 0;
    for (int i = 0; i < kl->n && i < 128; i++)
        if (kl->t[i].s == s) {
            cand[n++] = i;
            if (!g->used[k][i])
                fresh[nf++] = i;
        }
    if (!n)
        return -1;
    return nf ? fresh[pick(g, nf)] : cand[pick(g, n)];
}

static sentiment_t draw_sentiment(gen_t *g, int disposition)
{
    int r = (int)rng_below(&g->rng, 100);
    if (r < DISPOSITION[disposition][0])
        return SENTIMENT_POSITIVE;
    if (r < DISPOSITION[disposition][0] + DISPOSITION[disposition][1])
        return SENTIMENT_NEUTRAL;
    return SENTIMENT_NEGATIVE;
}

static int other_role(gen_t *g, int not_this)
{
    int r = pick(g, g->nroles - 1);
    return r >= not_this ? r + 1 : r;
}

/* Writes one line of kind k (sentiment s) into c->lines[i]; 0, or -1 when that kind cannot
 * say s or the result was already said. *asked gets the role a question addressed. */
static int write_line(gen_t *g, conversation_t *c, int i, int k, sentiment_t s, int self, int prev, int *asked)
{
    int next = other_role(g, self);
    if (prev < 0 || prev == self)
        prev = other_role(g, self); /* nobody answers themselves */
    char text[CONV_LINE_MAX];
    int t;
    if (k == K_ANSWER) {
        t = pick_template(g, K_ANSWER, s);
        int o = pick_template(g, K_OPINION, s);
        if (t < 0 || o < 0)
            return -1;
        char body[CONV_LINE_MAX];
        g->sticky = 1; /* the answer is about what was asked */
        expand(g, T_OPINION[o].text, prev, next, body, sizeof body);
        g->sticky = 0;
        snprintf(text, sizeof text, "%s%s", T_ANSWER_PREFIX[t].text, body);
        if (seen(c, i, text))
            return -1;
        g->used[K_OPINION][o] = 1;
    } else {
        t = pick_template(g, k, s);
        if (t < 0)
            return -1;
        expand(g, KINDS[k].t[t].text, prev, next, text, sizeof text);
        if (seen(c, i, text))
            return -1;
    }
    g->used[k][t] = 1;
    conv_line_t *l = &c->lines[i];
    l->role = self;
    l->sentiment = s;
    snprintf(l->text, sizeof l->text, "%s", text);
    *asked = (k == K_QUESTION || (k == K_OPEN && strstr(KINDS[k].t[t].text, "{next}"))) ? next : -1;
    return 0;
}

/* The kind of an ordinary line: opinions mostly, with reactions, questions, stories, jokes. */
static int draw_kind(gen_t *g, int i, int last, int prev_role, int self)
{
    int r = (int)rng_below(&g->rng, 100);
    if (r < 48)
        return K_OPINION;
    if (r < 64)
        return prev_role >= 0 && prev_role != self && i > 1 ? K_REACT : K_OPINION;
    if (r < 74)
        return i < last - 3 ? K_QUESTION : K_OPINION;
    if (r < 84)
        return K_ANECDOTE;
    if (r < 92)
        return K_JOKE;
    return K_TRANSITION;
}

/* The same sentiment from another kind, for when a kind has no template of it. */
static int fallback_sentiment_ok(int k, sentiment_t s)
{
    for (int i = 0; i < KINDS[k].n; i++)
        if (KINDS[k].t[i].s == s)
            return 1;
    return 0;
}

/* Last resort for a unique line: walk opinions x fresh draws until one is new. */
static void write_any(gen_t *g, conversation_t *c, int i, sentiment_t s, int self, int prev)
{
    int asked;
    for (int tries = 0; tries < 2000; tries++)
        if (write_line(g, c, i, K_OPINION, s, self, prev, &asked) == 0)
            return;
    /* unreachable in practice (thousands of combinations); keep the line unique regardless */
    conv_line_t *l = &c->lines[i];
    l->role = self;
    l->sentiment = s;
    snprintf(l->text, sizeof l->text, "Let me say this one more time, for line %d.", i + 1);
}

int conversation_generate(const conv_topic_t *topic, uint64_t seed, conversation_t *out)
{
    gen_t g;
    memset(&g, 0, sizeof g);
    memset(out, 0, sizeof *out);
    rng_seed(&g.rng, seed);
    g.topic = topic;
    g.nroles = 3 + pick(&g, 2);
    int nlines = CONV_MIN_LINES + pick(&g, CONV_MAX_LINES - CONV_MIN_LINES + 1);
    out->nroles = g.nroles;
    out->nlines = nlines;

    /* Every room has a cheerleader and a grump; the others are drawn. A is the host. */
    int disp[CONV_MAX_ROLES] = {D_SUNNY, D_GRUMPY, pick(&g, D_COUNT), pick(&g, D_COUNT)};
    for (int i = g.nroles - 1; i > 0; i--) {
        int j = pick(&g, i + 1);
        int t = disp[i];
        disp[i] = disp[j];
        disp[j] = t;
    }
    int kinds[CONV_MAX_LINES];
    int asked = -1;
    write_line(&g, out, 0, K_OPEN, pick(&g, 3) == 0 ? SENTIMENT_POSITIVE : SENTIMENT_NEUTRAL, 0, -1, &asked);
    kinds[0] = K_OPEN;
    for (int i = 1; i < nlines; i++) {
        int prev = out->lines[i - 1].role;
        sentiment_t prev_s = out->lines[i - 1].sentiment;
        int closing_host = i == nlines - 1;
        int closing_other = i == nlines - 2 && asked < 0 && rng_below(&g.rng, 100) < 50;
        int self = closing_host ? 0 : asked >= 0 ? asked : other_role(&g, prev);
        if (closing_other && (self == 0 || self == prev)) {
            /* a goodbye from someone other than the host and the last speaker */
            int cand[CONV_MAX_ROLES], nc = 0;
            for (int r = 1; r < g.nroles; r++)
                if (r != prev)
                    cand[nc++] = r;
            self = nc ? cand[pick(&g, nc)] : other_role(&g, 0);
        }
        if (i == nlines - 2 && self == 0) {
            /* the host closes: someone else speaks just before */
            int r = pick(&g, g.nroles - 1) + 1;
            self = r == prev ? (r % (g.nroles - 1)) + 1 : r;
        }
        int done = 0;
        for (int attempt = 0; attempt < 40 && !done; attempt++) {
            sentiment_t s = draw_sentiment(&g, disp[self]);
            int k;
            if (closing_host)
                k = K_CLOSE_HOST;
            else if (closing_other)
                k = K_CLOSE_OTHER;
            else if (asked >= 0)
                k = K_ANSWER;
            else if (prev_s == SENTIMENT_NEGATIVE && prev != self && s == SENTIMENT_POSITIVE &&
                     rng_below(&g.rng, 100) < 40)
                k = K_COUNTER;
            else
                k = draw_kind(&g, i, nlines - 1, prev, self);
            if (k == K_QUESTION || k == K_TRANSITION)
                s = SENTIMENT_NEUTRAL;
            if (!fallback_sentiment_ok(k, s))
                continue;
            int next_asked;
            if (write_line(&g, out, i, k, s, self, prev, &next_asked) == 0) {
                kinds[i] = k;
                asked = next_asked;
                done = 1;
            }
        }
        if (!done) {
            write_any(&g, out, i, draw_sentiment(&g, disp[self]), self, prev);
            kinds[i] = K_OPINION;
            asked = -1;
        }
    }

    /* Every sentiment appears: a missing one replaces an ordinary opinion in the middle. */
    for (int s = 0; s < SENTIMENT_COUNT; s++) {
        int present = 0;
        for (int i = 0; i < nlines; i++)
            present |= out->lines[i].sentiment == (sentiment_t)s;
        if (present)
            continue;
        int at = -1;
        for (int i = 1; i < nlines - 2 && at < 0; i++)
            if (kinds[i] == K_OPINION)
                at = i;
        if (at < 0)
            at = 1 + pick(&g, nlines - 3);
        conv_line_t before = out->lines[at];
        for (int tries = 0; tries < 200; tries++) {
            int dummy;
            int prev = out->lines[at - 1].role;
            if (write_line(&g, out, at, K_OPINION, (sentiment_t)s, before.role, prev, &dummy) == 0) {
                /* write_line checked the lines before; the ones after must differ too */
                int clash = 0;
                char key[CONV_LINE_MAX], other[CONV_LINE_MAX];
                conversation_line_key(out->lines[at].text, key, sizeof key);
                for (int j = at + 1; j < nlines && !clash; j++) {
                    conversation_line_key(out->lines[j].text, other, sizeof other);
                    clash = !strcmp(key, other);
                }
                if (!clash)
                    break;
            }
            out->lines[at] = before;
        }
    }
    return 0;
}

/* ---- LLM answers ---- */

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

/* Copies an LLM line, keeping {A}..{D} and [word] markup, dropping other braces and control
 * characters. */
static void clean_text(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < outlen; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '{') {
            if (p[1] >= 'A' && p[1] <= 'D' && p[2] == '}') {
                if (o + 4 >= outlen)
                    break;
                memcpy(out + o, p, 3);
                o += 3;
                p += 2;
            }
            continue;
        }
        if (ch == '}')
            continue;
        if (ch < 0x20 || ch == 0x7f) {
            out[o++] = ' ';
            continue;
        }
        out[o++] = (char)ch;
    }
    out[o] = '\0';
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int conversation_from_json(const char *json, size_t len, conversation_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, 0, &jerr);
    if (!doc)
        return fail(err, errlen, "not JSON");
    json_t *arr = json_is_array(doc) ? doc : json_object_get(doc, "lines");
    int rc = -1;
    if (!json_is_array(arr)) {
        fail(err, errlen, "no lines array");
        goto out;
    }
    size_t n = json_array_size(arr);
    if (n < CONV_MIN_LINES || n > CONV_MAX_LINES) {
        snprintf(err, errlen, "%zu lines (want %d..%d)", n, CONV_MIN_LINES, CONV_MAX_LINES);
        goto out;
    }
    int roles_seen[CONV_MAX_ROLES] = {0};
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_array_get(arr, i);
        const char *sp = json_string_value(json_object_get(l, "speaker"));
        const char *se = json_string_value(json_object_get(l, "sentiment"));
        const char *tx = json_string_value(json_object_get(l, "text"));
        if (!sp || strlen(sp) != 1 || sp[0] < 'A' || sp[0] > 'D') {
            snprintf(err, errlen, "line %zu: speaker must be A, B, C or D", i + 1);
            goto out;
        }
        int s = conversation_sentiment_from_name(se);
        if (s < 0) {
            snprintf(err, errlen, "line %zu: unknown sentiment", i + 1);
            goto out;
        }
        if (!tx) {
            snprintf(err, errlen, "line %zu: no text", i + 1);
            goto out;
        }
        conv_line_t *cl = &out->lines[i];
        clean_text(tx, cl->text, sizeof cl->text);
        /* trim */
        char *start = cl->text;
        while (*start == ' ')
            start++;
        memmove(cl->text, start, strlen(start) + 1);
        size_t tl = strlen(cl->text);
        while (tl && cl->text[tl - 1] == ' ')
            cl->text[--tl] = '\0';
        size_t chars = utf8_chars(cl->text);
        if (chars == 0 || chars > CONV_TEXT_MAX_CHARS) {
            snprintf(err, errlen, "line %zu: text must be 1..%d characters", i + 1, CONV_TEXT_MAX_CHARS);
            goto out;
        }
        if (username_has_bad_word(cl->text)) {
            snprintf(err, errlen, "line %zu: a word we do not allow", i + 1);
            goto out;
        }
        if (seen(out, (int)i, cl->text)) {
            snprintf(err, errlen, "line %zu repeats an earlier line", i + 1);
            goto out;
        }
        cl->role = sp[0] - 'A';
        cl->sentiment = (sentiment_t)s;
        roles_seen[cl->role] = 1;
        if (cl->role + 1 > out->nroles)
            out->nroles = cl->role + 1;
    }
    int distinct = 0;
    for (int r = 0; r < CONV_MAX_ROLES; r++)
        distinct += roles_seen[r];
    if (distinct < 2) {
        fail(err, errlen, "fewer than two speakers");
        goto out;
    }
    out->nlines = (int)n;
    rc = 0;
out:
    json_decref(doc);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- voicing ---- */

static const char *const JOKE_TAGS[] = {" (ba-dum-tss)", " No pun intended.", " I'll be here all week.",
                                        " Don't quote me on that.", " *wiggles*", " Get it?"};
static const char *const BLUNT[] = {"Frankly, ", "To be blunt, ", "Let's be real: "};
static const char *const HEDGE[] = {"Maybe it's just me, but ", "I might be wrong, but ", "Gently: "};
static const char *const EAGER[] = {"Ooh, ", "Oh wow, ", "Yes, "};

/* Words a line may start with that read badly after an added opener. */
static int starts_with_interjection(const char *t)
{
    static const char *const W[] = {"Sorry", "No ", "No,", "Hmm", "Really", "Oh", "Yes", "Wait", "Okay", "Good",
                                    "Well", "Honestly", "Frankly", "Come on", "Hard", "Fine", "Bye", "See "};
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++)
        if (!strncmp(t, W[i], strlen(W[i])))
            return 1;
    return t[0] == '{' || t[0] == '[';
}

static uint64_t mix(uint64_t seed, int index, uint64_t salt)
{
    uint64_t x = seed ^ ((uint64_t)index * 0x9e3779b97f4a7c15ULL) ^ salt;
    return rng_splitmix64(&x);
}

static int ladder_index(const char *w, size_t n)
{
    for (int i = 0; i < LADDER_N; i++)
        if (strlen(LADDER[i]) == n && !strncasecmp(LADDER[i], w, n))
            return i;
    return -1;
}

/* The attitude's pull on a line: enthusiasm for positive lines, criticism for negative ones. */
static int ladder_shift(const conv_line_t *line, const attitude_t *a)
{
    int v = line->sentiment == SENTIMENT_NEGATIVE ? a->criticism : a->enthusiasm;
    int shift = (v - 5) / 2 + (v >= 9); /* 1..10 -> -2..+3 */
    if (line->sentiment == SENTIMENT_NEUTRAL)
        shift /= 2;
    return shift;
}

/* Lower-cases the first letter of an opening word unless it is "I", "I'm", ... or a name. */
static void lower_first(buf_t *b, size_t at)
{
    char *p = b->data + at;
    if (p[0] >= 'A' && p[0] <= 'Z' && !(p[0] == 'I' && (p[1] == ' ' || p[1] == '\'')) && p[1] >= 'a' &&
        p[1] <= 'z')
        p[0] = (char)(p[0] - 'A' + 'a');
}

void conversation_voice(buf_t *out, const conv_line_t *line, int index, const attitude_t *att,
                        const char *const names[CONV_MAX_ROLES], uint64_t seed)
{
    attitude_t a = att ? *att : ATTITUDE_DEFAULT;
    const char *t = line->text;
    size_t start = out->len;
    uint64_t h = mix(seed, index, 0x70e);

    /* an opener: eager for positive lines, blunt or hedging for negative ones */
    const char *opener = NULL;
    if (!starts_with_interjection(t)) {
        if (line->sentiment == SENTIMENT_NEGATIVE && a.criticism >= 8 && h % 3 != 0)
            opener = BLUNT[(h >> 8) % 3];
        else if (line->sentiment == SENTIMENT_NEGATIVE && a.criticism <= 3 && h % 3 != 0)
            opener = HEDGE[(h >> 8) % 3];
        else if (line->sentiment == SENTIMENT_POSITIVE && a.enthusiasm >= 9 && h % 4 == 0)
            opener = EAGER[(h >> 8) % 3];
    }
    if (opener)
        buf_puts(out, opener);
    size_t body = out->len;

    int shift = ladder_shift(line, &a);
    for (const char *p = t; *p;) {
        if (p[0] == '{' && p[1] >= 'A' && p[1] <= 'D' && p[2] == '}') {
            const char *name = names ? names[p[1] - 'A'] : NULL;
            buf_puts(out, name && *name ? name : "friend");
            p += 3;
        } else if (p[0] == '[') {
            const char *end = strchr(p, ']');
            if (!end) {
                p++;
                continue;
            }
            size_t n = (size_t)(end - p - 1);
            int li = ladder_index(p + 1, n);
            if (li >= 0) {
                int to = li + shift;
                to = to < 0 ? 0 : to >= LADDER_N ? LADDER_N - 1 : to;
                size_t at = out->len;
                buf_puts(out, LADDER[to]);
                if (p[1] >= 'A' && p[1] <= 'Z' && out->len > at)
                    out->data[at] = (char)toupper((unsigned char)out->data[at]);
            } else {
                buf_append(out, p + 1, n);
            }
            p = end + 1;
        } else {
            const char *q = p + 1;
            while (*q && *q != '{' && *q != '[')
                q++;
            buf_append(out, p, (size_t)(q - p));
            p = q;
        }
    }
    if (opener && out->len > body)
        lower_first(out, body);

    /* exclamations follow enthusiasm: calm players get full stops */
    char *last = out->len ? out->data + out->len - 1 : NULL;
    if (last && a.enthusiasm >= 7 && *last == '.' && (line->sentiment == SENTIMENT_POSITIVE ||
                                                      (a.enthusiasm >= 9 && line->sentiment == SENTIMENT_NEUTRAL)))
        *last = '!';
    if (a.enthusiasm <= 3)
        for (size_t i = start; i < out->len; i++)
            if (out->data[i] == '!')
                out->data[i] = '.';

    /* humour: a joke tag on some lines, more often the funnier the player */
    if (a.humour >= 6 && line->sentiment != SENTIMENT_NEGATIVE) {
        uint64_t j = mix(seed, index, 0x10c);
        uint64_t every = (uint64_t)(13 - a.humour); /* 6 -> 1 in 7 ... 10 -> 1 in 3 */
        if (j % every == 0)
            buf_puts(out, JOKE_TAGS[(j >> 16) % (sizeof JOKE_TAGS / sizeof JOKE_TAGS[0])]);
    }
}
