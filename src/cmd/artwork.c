/* `chatlings artwork`: creature pictures from the command line.
 *   render-thumbs [--limit N]   thumbnails for creatures that have none (the worker's job, by hand)
 *   svg CREATURE_ID             the creature's generated SVG on stdout
 *   avatar USER_ID N            avatar candidate N (0..8) of a player on stdout
 *   bench-thumbs [N]            N thumbnail renders (PNG + WebP) on one thread: renders per second */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cmd/cmd.h"
#include "game/artwork.h"
#include "integrations/thumbs.h"
#include "store/blob.h"
#include "worker/artwork_jobs.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: chatlings artwork render-thumbs [--limit N] | svg CREATURE_ID | avatar USER_ID N |"
                 " bench-thumbs [N]\n");
}

static int render_thumbs(int argc, char **argv, const config_t *cfg)
{
    long limit = 1000;
    if (argc == 4 && !strcmp(argv[2], "--limit")) {
        char *end;
        limit = strtol(argv[3], &end, 10);
        if (*end || limit < 1 || limit > 1000000) {
            fprintf(stderr, "chatlings artwork: --limit must be 1..1000000\n");
            return 2;
        }
    } else if (argc != 2) {
        usage(stderr);
        return 2;
    }
    char err[512];
    blob_store_t *bs = blob_open_config(cfg, err, sizeof err);
    if (!bs || thumbs_init()) {
        fprintf(stderr, "chatlings artwork: %s\n", bs ? "libvips failed to start" : err);
        blob_close(bs);
        return 1;
    }
    PGconn *db = cmd_connect_db(cfg);
    if (!db) {
        blob_close(bs);
        return 1;
    }
    int done = 0, failed = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    err[0] = '\0';
    int rc = artwork_jobs_render_missing(db, bs, (int)limit, &done, &failed, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc)
        fprintf(stderr, "chatlings artwork: %s\n", err);
    else
        printf("{\"rendered\":%d,\"failed\":%d,\"seconds\":%.2f}\n", done, failed, s);
    if (failed)
        fprintf(stderr, "chatlings artwork: %d failed; last: %s\n", failed, err);
    PQfinish(db);
    blob_close(bs);
    return rc || failed ? 1 : 0;
}

static int print_svg(const config_t *cfg, const char *id)
{
    PGconn *db = cmd_connect_db(cfg);
    if (!db)
        return 1;
    artwork_row_t row;
    char err[256];
    int rc = artwork_jobs_load(db, id, &row, err, sizeof err);
    PQfinish(db);
    if (rc) {
        fprintf(stderr, "chatlings artwork: %s\n", rc == BLOB_NOT_FOUND ? "no such creature" : err);
        return rc == BLOB_NOT_FOUND ? 3 : 1;
    }
    buf_t b;
    buf_init(&b, 1 << 20);
    artwork_creature_svg(&row.art, &b);
    fwrite(b.data, 1, b.len, stdout);
    putchar('\n');
    buf_free(&b);
    return 0;
}

/* A synthetic but realistic load: every body type, palette and rarity in turn. */
static int bench_thumbs(long n)
{
    if (thumbs_init()) {
        fprintf(stderr, "chatlings artwork: libvips failed to start\n");
        return 1;
    }
    static const char *const SCHEMES[] = {"Peach Sorbet", "Midnight Teal", "Lavender Haze", "Ruby Glow", "Sky Blue"};
    buf_t svg, out, out2;
    buf_init(&svg, 1 << 20);
    buf_init(&out, 4u << 20);
    buf_init(&out2, 4u << 20);
    char err[256], id[48];
    struct timespec t0, t1;
    struct rusage r0, r1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    getrusage(RUSAGE_SELF, &r0);
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "bench-%ld", i);
        artwork_creature_t c = {.id = id, .body_type = (int)(i % BODY_TYPE_COUNT), .rarity = (int)(i % RARITY_COUNT),
                                .colour_scheme = SCHEMES[i % 5]};
        for (int t = 0; t < TRAIT_COUNT; t++)
            c.traits[t] = (int)((i * 31 + t * 17) % 101);
        buf_reset(&svg);
        buf_reset(&out);
        buf_reset(&out2);
        if (artwork_creature_svg(&c, &svg) || thumbs_render_pair(svg.data, svg.len, &out, &out2, err, sizeof err)) {
            fprintf(stderr, "chatlings artwork: %s\n", err);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                 (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    /* one "thumbnail" = the PNG and the WebP of one creature, as the job stores them; per core
     * = per CPU-second of this process (all on one thread), so a busy machine does not skew it */
    printf("{\"thumbnails\":%ld,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"per_second_wall\":%.1f,"
           "\"per_second_per_core\":%.1f}\n",
           n, s, cpu, s > 0 ? n / s : 0, cpu > 0 ? n / cpu : 0);
    buf_free(&svg);
    buf_free(&out);
    buf_free(&out2);
    return 0;
}

int cmd_artwork(int argc, char **argv, const config_t *cfg)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "render-thumbs"))
        return render_thumbs(argc, argv, cfg);
    if (!strcmp(argv[1], "svg") && argc == 3)
        return print_svg(cfg, argv[2]);
    if (!strcmp(argv[1], "avatar") && argc == 4) {
        buf_t b;
        buf_init(&b, 1 << 20);
        int rc = artwork_avatar_svg(argv[2], atoi(argv[3]), &b);
        if (rc == 0) {
            fwrite(b.data, 1, b.len, stdout);
            putchar('\n');
        } else {
            fprintf(stderr, "chatlings artwork: N must be 0..%d\n", ARTWORK_AVATAR_CANDIDATES - 1);
        }
        buf_free(&b);
        return rc ? 2 : 0;
    }
    if (!strcmp(argv[1], "bench-thumbs") && argc <= 3) {
        long n = argc == 3 ? strtol(argv[2], NULL, 10) : 200;
        return bench_thumbs(n > 0 ? n : 200);
    }
    usage(stderr);
    return 2;
}
