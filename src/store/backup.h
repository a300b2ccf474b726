/* backup: how database backups live in the blob store's "backups" container, so that
 * `chatlings backup`, `restore`, `wal-archive` and `wal-restore` agree on one layout:
 *
 *   base/STAMP/base.tar.NNNN     a physical base backup (pg_basebackup -Ft), in parts
 *   base/STAMP/manifest.json     written last: a backup without it is incomplete
 *   logical/STAMP/dump.NNNN      a logical backup (pg_dump -Fc), in parts
 *   logical/STAMP/manifest.json
 *   wal/SEGMENT.gz               archived WAL (gzip), one blob per segment or history file
 *
 * STAMP is the UTC start time, 20260131T020000Z, so names sort by age. Parts keep memory use
 * bounded (a part is read, sent and freed) whatever the database size; the manifest carries a
 * SHA-256 of the whole stream, checked on restore. Retention (35 days by default, the seed's)
 * deletes backups older than that and the WAL that only they needed. */
#ifndef CHATLINGS_BACKUP_H
#define CHATLINGS_BACKUP_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/blob.h"

#define BACKUP_CONTAINER "backups"
#define BACKUP_PART_DEFAULT ((size_t)32 << 20)
#define BACKUP_RETENTION_DAYS 35
#define BACKUP_MAX_LIST 4096
#define BACKUP_WAL_MAX ((size_t)1 << 30) /* largest WAL segment PostgreSQL allows */

typedef struct backup_manifest {
    char kind[16];      /* "base" or "logical" */
    char stamp[24];     /* 20260131T020000Z */
    int64_t started;    /* epoch seconds */
    int64_t finished;   /* epoch seconds: a base backup is consistent from here on */
    int parts;
    uint64_t bytes;
    char sha256[65];    /* hex, of the whole stream */
    char start_wal[32]; /* base: no later than the first WAL segment the backup needs */
} backup_manifest_t;

/* 20260131T020000Z for t (UTC). out has at least 17 bytes. */
void backup_stamp(time_t t, char *out, size_t outlen);
/* The reverse; -1 when s is not a stamp. */
int backup_parse_stamp(const char *s, time_t *out);
/* A recovery target: "YYYY-MM-DD HH:MM:SS" or with 'T', optional fraction, and an optional
 * UTC zone ("Z", "+00", "+00:00", " UTC"); other zones are refused (-1). *out is whole
 * seconds, rounded down. */
int backup_parse_time(const char *s, time_t *out);

/* 1 when f is a WAL file name PostgreSQL archives: 24 hex digits (+ ".partial" or
 * ".XXXXXXXX.backup"), or "XXXXXXXX.history". */
int backup_wal_name_valid(const char *f);

/* Reads fd to its end and stores it as parts of kind/m->stamp (m->kind, stamp, started,
 * start_wal are the caller's; parts, bytes, sha256, finished are set here). No manifest yet:
 * the caller writes it with backup_manifest_put once the producer exited cleanly. 0, or -1
 * with a message (what was stored stays, without manifest, until prune removes it). */
int backup_upload_stream(blob_store_t *bs, int fd, backup_manifest_t *m, size_t part_size, char *err, size_t errlen);
/* Writes kind/stamp/manifest.json: from then on the backup counts as complete. */
int backup_manifest_put(blob_store_t *bs, const backup_manifest_t *m, char *err, size_t errlen);
/* Writes the backup's bytes to fd, checking the size and the SHA-256. 0 or -1. */
int backup_download(blob_store_t *bs, const backup_manifest_t *m, int fd, char *err, size_t errlen);

/* The complete backups of kind, oldest first. Returns how many (at most max), or -1. */
int backup_list(blob_store_t *bs, const char *kind, backup_manifest_t *out, int max, char *err, size_t errlen);

typedef struct backup_prune_report {
    int backups_deleted; /* backups (base or logical) older than the retention */
    int wal_deleted;     /* WAL segments older than the oldest base backup kept */
    int blobs_deleted;
} backup_prune_report_t;
/* Deletes backups whose stamp is more than retention_days before now (incomplete ones too),
 * then archived WAL segments older than the start of the oldest base backup kept. WAL is never
 * deleted while no base backup exists. 0 or -1. */
int backup_prune(blob_store_t *bs, time_t now, int retention_days, backup_prune_report_t *rep, char *err,
                 size_t errlen);

/* archive_command: stores the file at path as wal/fname.gz. Archiving the same segment again
 * succeeds only when the bytes are identical (as PostgreSQL requires). 0 or -1. */
int backup_wal_put(blob_store_t *bs, const char *path, const char *fname, char *err, size_t errlen);
/* restore_command: wal/fname.gz into path. 1 restored, 0 not in the archive, -1 error. */
int backup_wal_get(blob_store_t *bs, const char *fname, const char *path, char *err, size_t errlen);

#endif
