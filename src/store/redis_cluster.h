/* redis_cluster: Redis Cluster routing under the redis_t API. redis.c delegates here when
 * REDIS_URL is redis+cluster://[cred@]host:port[,host:port...] (or rediss+cluster:// for TLS):
 * slot map from CLUSTER SLOTS, one connection per master, MOVED/ASK redirections. */
#ifndef CHATLINGS_REDIS_CLUSTER_H
#define CHATLINGS_REDIS_CLUSTER_H
#include <stddef.h>
#include <stdint.h>

#include "store/redis.h"

#define REDIS_CLUSTER_SLOTS 16384

typedef struct redis_cluster redis_cluster_t;

/* ---- pure helpers (unit-tested) ---- */

/* CRC16-XMODEM as Redis Cluster uses it: crc16("123456789") == 0x31C3. */
uint16_t redis_cluster_crc16(const char *buf, size_t len);
/* The slot of a key, honouring {hash tags}: only the text between the first '{' and the
 * next '}' is hashed, when that text is not empty. */
unsigned redis_cluster_key_slot(const char *key, size_t len);
/* The slot of a RESP-formatted command (as redisFormatCommand makes it):
 * >= 0 the slot of its key(s), -1 no key, -2 keys in different slots, -3 malformed. */
int redis_cluster_command_slot(const char *cmd, size_t len);
/* Parses "MOVED 3999 127.0.0.1:6381" / "ASK 3999 host:port": 1 MOVED, 2 ASK, 0 neither.
 * An empty host ("MOVED 1 :6380") leaves host "" (meaning: the node that answered). */
int redis_cluster_parse_redirect(const char *err, int *slot, char *host, size_t hostlen, int *port);

/* ---- used by redis.c ---- */

/* seeds: "host:port,host:port" ([v6]:port allowed). tmpl carries credentials and TLS and
 * stays owned by the caller (the cluster's node connections are created from it). */
redis_cluster_t *redis_cluster_create(redis_t *tmpl, const char *seeds, char *err, size_t errlen);
void redis_cluster_destroy(redis_cluster_t *c);
/* Same contracts as redis_command / redis_append / redis_get_reply / redis_read_push.
 * cmd is a formatted command; run and append take ownership of it. */
redisReply *redis_cluster_run(redis_cluster_t *c, char *cmd, int len);
int redis_cluster_append(redis_cluster_t *c, char *cmd, int len);
redisReply *redis_cluster_get_reply(redis_cluster_t *c);
int redis_cluster_read_push(redis_cluster_t *c, int timeout_ms, redisReply **out);
int redis_cluster_is_connected(const redis_cluster_t *c);
void redis_cluster_stats(const redis_cluster_t *c, redis_stats_t *out);
const char *redis_cluster_last_error(const redis_cluster_t *c);
/* Masters currently in the slot map (tests, /metrics). */
int redis_cluster_masters(const redis_cluster_t *c);

/* ---- transport hooks implemented in redis.c ---- */

/* A plain single-node connection to host:port with tmpl's credentials and TLS settings. */
redis_t *redis_node_create(const redis_t *tmpl, const char *host, int port);
/* redis_command / redis_append for an already formatted command (not consumed). */
redisReply *redis_node_run(redis_t *node, const char *cmd, size_t len);
int redis_node_append(redis_t *node, const char *cmd, size_t len);

#endif
