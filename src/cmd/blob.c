/* `chatlings blob`: operator access to the blob store the configuration names (fs or azure),
 * and the lifecycle run the worker schedules. Properties print as one JSON object per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "store/blob.h"

#define CLI_BLOB_MAX (256u << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chatlings blob COMMAND ...\n"
            "  lifecycle [--now TIME]          backups/logs older than %d days -> Cool; purge soft-deleted\n"
            "                                  blobs older than %d days (TIME: unix seconds or YYYY-MM-DDTHH:MM:SSZ)\n"
            "  ensure-containers               create artwork, thumbs, avatars, assets, backups, logs\n"
            "  put CONTAINER NAME FILE [--type T]   store FILE ('-' = stdin)\n"
            "  get CONTAINER NAME [FILE]       write the blob to FILE (default stdout)\n"
            "  head CONTAINER NAME             properties as JSON\n"
            "  list CONTAINER [PREFIX]         one JSON line per blob\n"
            "  delete | undelete CONTAINER NAME\n"
            "  set-tier CONTAINER NAME Hot|Cool|Cold|Archive\n"
            "  sas CONTAINER NAME [--ttl SECONDS]   a read-only signed URL (azure driver with a key)\n",
            BLOB_COOL_AFTER_DAYS, BLOB_SOFT_DELETE_DAYS);
}

static void print_info(const blob_info_t *i)
{
    buf_t b;
    buf_init(&b, 4096);
    buf_puts(&b, "{\"name\":");
    buf_json_cstr(&b, i->name);
    buf_printf(&b, ",\"size\":%zu,\"etag\":", i->size);
    buf_json_cstr(&b, i->etag);
    buf_puts(&b, ",\"content_type\":");
    buf_json_cstr(&b, i->content_type);
    buf_printf(&b, ",\"last_modified\":%lld,\"tier\":", (long long)i->last_modified);
    buf_json_cstr(&b, i->tier);
    buf_puts(&b, "}");
    printf("%s\n", b.data);
    buf_free(&b);
}

static int print_cb(const blob_info_t *i, void *arg)
{
    (void)arg;
    print_info(i);
    return 0;
}

static int parse_time(const char *s, time_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && *end == '\0' && end != s) {
        *out = (time_t)v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || (*end && strcmp(end, "Z")))
        return -1;
    *out = timegm(&tm);
    return 0;
}

static int read_file(const char *path, buf_t *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(b, chunk, n)) {
            rc = -1;
            break;
        }
    if (ferror(f))
        rc = -1;
    if (f != stdin)
        fclose(f);
    return rc;
}

static int report(int rc, const char *err)
{
    if (rc == 0)
        return 0;
    fprintf(stderr, "chatlings blob: %s\n", rc == BLOB_NOT_FOUND ? "no such blob" : err);
    return rc == BLOB_NOT_FOUND ? 3 : 1;
}

int cmd_blob(int argc, char **argv, const config_t *cfg)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    char err[512] = "";
    blob_store_t *bs = blob_open_config(cfg, err, sizeof err);
    if (!bs) {
        fprintf(stderr, "chatlings blob: %s\n", err);
        return 1;
    }
    int rc = 2;
    if (!strcmp(cmd, "lifecycle") && (argc == 2 || (argc == 4 && !strcmp(argv[2], "--now")))) {
        time_t now = time(NULL);
        if (argc == 4 && parse_time(argv[3], &now)) {
            fprintf(stderr, "chatlings blob: --now wants unix seconds or YYYY-MM-DDTHH:MM:SSZ\n");
            goto out;
        }
        blob_lifecycle_report_t r;
        rc = report(blob_lifecycle_run(bs, now, &r, err, sizeof err), err);
        if (rc == 0)
            printf("{\"driver\":\"%s\",\"scanned\":%d,\"cooled\":%d,\"purged\":%d}\n", blob_driver_name(bs), r.scanned,
                   r.cooled, r.purged);
    } else if (!strcmp(cmd, "ensure-containers") && argc == 2) {
        rc = report(blob_ensure_containers(bs, err, sizeof err), err);
    } else if (!strcmp(cmd, "put") && (argc == 5 || (argc == 7 && !strcmp(argv[5], "--type")))) {
        buf_t b;
        buf_init(&b, CLI_BLOB_MAX);
        if (read_file(argv[4], &b)) {
            fprintf(stderr, "chatlings blob: cannot read %s: %s\n", argv[4],
                    b.overflow ? "file too large" : strerror(errno));
            rc = 1;
        } else {
            blob_info_t info;
            rc = report(blob_put(bs, argv[2], argv[3], b.data ? b.data : "", b.len, argc == 7 ? argv[6] : NULL, &info,
                                 err, sizeof err),
                        err);
            if (rc == 0)
                print_info(&info);
        }
        buf_free(&b);
    } else if (!strcmp(cmd, "get") && (argc == 4 || argc == 5)) {
        buf_t b;
        buf_init(&b, CLI_BLOB_MAX);
        rc = report(blob_get(bs, argv[2], argv[3], &b, NULL, err, sizeof err), err);
        if (rc == 0) {
            FILE *f = argc == 5 ? fopen(argv[4], "wb") : stdout;
            if (!f || fwrite(b.data ? b.data : "", 1, b.len, f) != b.len) {
                fprintf(stderr, "chatlings blob: cannot write the blob: %s\n", strerror(errno));
                rc = 1;
            }
            if (f && f != stdout)
                fclose(f);
        }
        buf_free(&b);
    } else if (!strcmp(cmd, "head") && argc == 4) {
        blob_info_t info;
        rc = report(blob_head(bs, argv[2], argv[3], &info, err, sizeof err), err);
        if (rc == 0)
            print_info(&info);
    } else if (!strcmp(cmd, "list") && (argc == 3 || argc == 4)) {
        rc = report(blob_list(bs, argv[2], argc == 4 ? argv[3] : NULL, print_cb, NULL, err, sizeof err), err);
    } else if (!strcmp(cmd, "delete") && argc == 4) {
        rc = report(blob_delete(bs, argv[2], argv[3], err, sizeof err), err);
    } else if (!strcmp(cmd, "undelete") && argc == 4) {
        rc = report(blob_undelete(bs, argv[2], argv[3], err, sizeof err), err);
    } else if (!strcmp(cmd, "set-tier") && argc == 5) {
        rc = report(blob_set_tier(bs, argv[2], argv[3], argv[4], err, sizeof err), err);
    } else if (!strcmp(cmd, "sas") && (argc == 4 || (argc == 6 && !strcmp(argv[4], "--ttl")))) {
        long ttl = argc == 6 ? strtol(argv[5], NULL, 10) : 3600;
        char url[4096];
        if (ttl < 1 || ttl > 7L * 86400) {
            fprintf(stderr, "chatlings blob: --ttl must be 1..604800 seconds\n");
            goto out;
        }
        rc = report(blob_sas_url(bs, argv[2], argv[3], time(NULL) + ttl, url, sizeof url, err, sizeof err), err);
        if (rc == 0)
            printf("%s\n", url);
    } else {
        usage(stderr);
    }
out:
    blob_close(bs);
    fflush(stdout);
    return rc;
}
