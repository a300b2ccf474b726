/* migrate: applies db/migrations/NNNN_name.sql in order, each in one transaction,
 * recorded in schema_migrations; applied files are skipped. */
#ifndef CHATLINGS_MIGRATE_H
#define CHATLINGS_MIGRATE_H
#include <libpq-fe.h>
#include <stddef.h>

/* Returns the number applied (>= 0), or -1 with "FILE: error" in err; a failing
 * migration is rolled back whole and later files are not attempted. */
int migrate_run(PGconn *conn, const char *dir, char *err, size_t errlen);

/* Lists the NNNN_name.sql files of dir in order (for tests and fuzzing).
 * Returns the count, or -1. names: malloc'd array of malloc'd strings. */
int migrate_list(const char *dir, char ***names);
void migrate_free_list(char **names, int n);

/* Checks that a file name has the form NNNN_name.sql (4+ digits, [a-z0-9_]+). 1 or 0. */
int migrate_valid_name(const char *name);

#endif
