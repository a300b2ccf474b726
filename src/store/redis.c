/* redis: one Redis connection over plain TCP or OpenSSL TLS, with the seed's retry strategy.
 * hiredis 0.14 has no TLS, so this file owns the socket, the timeouts and the reconnect
 * backoff, and uses hiredis only to format commands and to parse replies. */
#include "store/redis.h"
#include "store/redis_cluster.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define DEFAULT_TIMEOUT_MS 2000
#define BACKOFF_STEP_MS 50
#define BACKOFF_MAX_MS 2000
/* Appended-but-unsent pipeline bytes; a caller that appends more is buggy, not busy. */
#define MAX_PIPELINE_BYTES ((size_t)64 << 20)
#define READ_CHUNK 65536

struct redis {
    /* from the URL and options, fixed after redis_create */
    char *host, *user, *password;
    int port, db, tls, tls_insecure;
    int connect_timeout_ms, command_timeout_ms;
    SSL_CTX *ctx;
    /* live connection: fd < 0 when there is none */
    int fd;
    SSL *ssl;
    redisReader *reader;
    /* pipeline: formatted commands not yet sent, replies still owed */
    char *obuf;
    size_t olen, ocap, pending;
    /* retry: consecutive failures and when the next connect may be tried */
    unsigned attempt;
    int64_t retry_at_ms;
    redis_stats_t stats;
    /* cluster mode (redis+cluster://): this redis_t only holds the settings; commands are
     * routed by the cluster to per-master redis_t connections */
    redis_cluster_t *cluster;
    char err[256];
    char fail_reason[200];  /* err of the failure that started the current backoff */
    char rbuf[READ_CHUNK];
};

/* ---- reply parser --------------------------------------------------------------------- */

/* hiredis 0.14 calloc()s whatever element count a reply announces and aborts the process
 * when that fails, so a corrupt or hostile stream ("*2000000000") could kill the server.
 * These object functions mirror hiredis's own (freeReplyObject() frees them) but refuse
 * counts past a per-reply budget; a NULL return makes the reader fail cleanly. */
typedef struct reader_budget {
    size_t slots;  /* array slots allocated for the reply being parsed */
} reader_budget_t;

static redisReply *reply_new(int type)
{
    redisReply *rep = calloc(1, sizeof *rep);
    if (rep)
        rep->type = type;
    return rep;
}

static void reply_link(const redisReadTask *task, redisReply *rep)
{
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        assert(parent->type == REDIS_REPLY_ARRAY);
        assert(task->idx >= 0 && (size_t)task->idx < parent->elements);
        parent->element[task->idx] = rep;
    }
}

static void *reply_string(const redisReadTask *task, char *str, size_t len)
{
    assert(task->type == REDIS_REPLY_STRING || task->type == REDIS_REPLY_STATUS ||
           task->type == REDIS_REPLY_ERROR);
    redisReply *rep = reply_new(task->type);
    if (!rep)
        return NULL;
    rep->str = malloc(len + 1);
    if (!rep->str) {
        free(rep);
        return NULL;
    }
    memcpy(rep->str, str, len);
    rep->str[len] = '\0';
    rep->len = len;
    reply_link(task, rep);
    return rep;
}

static void *reply_array(const redisReadTask *task, int elements)
{
    reader_budget_t *b = task->privdata;
    /* "*-1" is nil and never gets here; other negative counts are garbage, and hiredis
     * would store them in the size_t elements field. */
    if (elements < 0 || !b || (size_t)elements > REDIS_MAX_REPLY_ELEMENTS - b->slots)
        return NULL;
    redisReply *rep = reply_new(REDIS_REPLY_ARRAY);
    if (!rep)
        return NULL;
    if (elements > 0) {
        rep->element = calloc((size_t)elements, sizeof *rep->element);
        if (!rep->element) {
            free(rep);
            return NULL;
        }
    }
    b->slots += (size_t)elements;
    rep->elements = (size_t)elements;
    reply_link(task, rep);
    return rep;
}

static void *reply_integer(const redisReadTask *task, long long value)
{
    redisReply *rep = reply_new(REDIS_REPLY_INTEGER);
    if (!rep)
        return NULL;
    rep->integer = value;
    reply_link(task, rep);
    return rep;
}

static void *reply_nil(const redisReadTask *task)
{
    redisReply *rep = reply_new(REDIS_REPLY_NIL);
    if (!rep)
        return NULL;
    reply_link(task, rep);
    return rep;
}

static redisReplyObjectFunctions reply_functions = {
    reply_string, reply_array, reply_integer, reply_nil, freeReplyObject,
};

redisReader *redis_reader_create(void)
{
    reader_budget_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    redisReader *rd = redisReaderCreateWithFunctions(&reply_functions);
    if (!rd) {
        free(b);
        return NULL;
    }
    rd->privdata = b;  /* hiredis copies it into every read task */
    return rd;
}

void redis_reader_free(redisReader *rd)
{
    if (!rd)
        return;
    free(rd->privdata);
    redisReaderFree(rd);
}

int redis_reader_feed(redisReader *rd, const char *buf, size_t len)
{
    if (rd->err)
        return -1;
    /* hiredis buffers without limit while it waits for a bulk string to complete. */
    if (len > REDIS_MAX_BUFFERED_INPUT || rd->len - rd->pos > REDIS_MAX_BUFFERED_INPUT - len)
        return -1;
    return redisReaderFeed(rd, buf, len) == REDIS_OK ? 0 : -1;
}

int redis_reader_next(redisReader *rd, redisReply **out)
{
    void *rep = NULL;
    *out = NULL;
    if (rd->err || redisReaderGetReply(rd, &rep) != REDIS_OK)
        return -1;
    if (!rep)
        return 0;
    ((reader_budget_t *)rd->privdata)->slots = 0;
    *out = rep;
    return 1;
}

/* ---- helpers -------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3)))
static void set_err(redis_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
}

/* Waits for fd readiness until deadline: 1 ready, 0 timed out, -1 poll failed. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { .fd = fd, .events = events };
        int rc = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

/* OpenSSL's message for the failure just seen, preferring the certificate verdict. */
static void set_tls_err(redis_t *r, const char *what, int sslerr)
{
    long vr = r->ssl ? SSL_get_verify_result(r->ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    if (vr != X509_V_OK)
        set_err(r, "%s: certificate verify failed: %s", what, X509_verify_cert_error_string(vr));
    else if (e)
        set_err(r, "%s: %s", what, ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "TLS error");
    else if (sslerr == SSL_ERROR_SYSCALL && errno)
        set_err(r, "%s: %s", what, strerror(errno));
    else
        set_err(r, "%s: connection closed by server", what);
    ERR_clear_error();
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string; a '%' not followed by two hex digits stays. */
static char *pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* redis[s]://[[user]:password@]host[:port][/db] into r; 0 or -1 with err set. */
static int parse_url(redis_t *r, const char *url, char *err, size_t errlen)
{
    const char *p;
    if (!url || !*url) {
        snprintf(err, errlen, "redis: empty URL");
        return -1;
    }
    if (strncmp(url, "redis://", 8) == 0) {
        p = url + 8;
    } else if (strncmp(url, "rediss://", 9) == 0) {
        p = url + 9;
        r->tls = 1;
    } else {
        snprintf(err, errlen, "redis: URL must start with redis:// or rediss://");
        return -1;
    }
    /* The last '@' ends the credentials: host, port and db never contain one, and a
     * password with an unencoded '@' or '/' still parses. */
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon) {
            snprintf(err, errlen, "redis: credentials must be user:password or :password");
            return -1;
        }
        if (colon > p && !(r->user = pct_decode(p, (size_t)(colon - p))))
            goto oom;
        if (!(r->password = pct_decode(colon + 1, (size_t)(at - colon - 1))))
            goto oom;
        p = at + 1;
    }
    const char *hend;
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend) {
            snprintf(err, errlen, "redis: unterminated [IPv6] host");
            return -1;
        }
        r->host = strndup(p + 1, (size_t)(hend - p - 1));
        hend++;
    } else {
        hend = p + strcspn(p, ":/");
        r->host = strndup(p, (size_t)(hend - p));
    }
    if (!r->host)
        goto oom;
    if (!*r->host) {
        snprintf(err, errlen, "redis: URL has no host");
        return -1;
    }
    p = hend;
    r->port = 6379;
    if (*p == ':') {
        char *end;
        errno = 0;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || errno || port < 1 || port > 65535 || (*end && *end != '/')) {
            snprintf(err, errlen, "redis: bad port in URL");
            return -1;
        }
        r->port = (int)port;
        p = end;
    }
    if (*p == '/' && p[1]) {
        char *end;
        errno = 0;
        long db = strtol(p + 1, &end, 10);
        if (end == p + 1 || errno || db < 0 || db > 1000000 || *end) {
            snprintf(err, errlen, "redis: bad database number in URL");
            return -1;
        }
        r->db = (int)db;
    } else if (*p && strcmp(p, "/") != 0) {
        snprintf(err, errlen, "redis: unexpected text after host in URL");
        return -1;
    }
    return 0;
oom:
    snprintf(err, errlen, "redis: out of memory");
    return -1;
}

/* ---- one-time process setup ----------------------------------------------------------- */

static pthread_once_t ssl_once = PTHREAD_ONCE_INIT;
static int ssl_init_ok;

static void ssl_init(void)
{
    ssl_init_ok = OPENSSL_init_ssl(0, NULL) == 1;
    /* OpenSSL writes through write(), so a peer that hung up would SIGPIPE the process;
     * ignore it unless the embedding program installed its own handler. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

static SSL_CTX *ssl_ctx_new(const redis_opts_t *opts, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        goto fail;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        goto fail;
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (opts->ca_file && *opts->ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, opts->ca_file, NULL) != 1) {
            snprintf(err, errlen, "redis: cannot load CA file %s", opts->ca_file);
            ERR_clear_error();
            SSL_CTX_free(ctx);
            return NULL;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        goto fail;
    }
    SSL_CTX_set_verify(ctx, opts->tls_insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    return ctx;
fail:
    snprintf(err, errlen, "redis: TLS setup failed: %s",
             ERR_reason_error_string(ERR_peek_last_error()) ? ERR_reason_error_string(ERR_peek_last_error()) : "?");
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

/* ---- connection ----------------------------------------------------------------------- */

static void conn_close(redis_t *r)
{
    if (r->ssl) {
        SSL_free(r->ssl);
        r->ssl = NULL;
    }
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    redis_reader_free(r->reader);
    r->reader = NULL;
    r->olen = 0;
    r->pending = 0;
}

/* Any I/O error or timeout: drop the connection and space out the next attempt. */
static void conn_fail(redis_t *r)
{
    snprintf(r->fail_reason, sizeof r->fail_reason, "%.199s", r->err);
    conn_close(r);
    r->attempt++;
    int64_t wait = (int64_t)r->attempt * BACKOFF_STEP_MS;
    r->retry_at_ms = now_ms() + (wait > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait);
    r->stats.failures++;
}

static int tcp_connect(redis_t *r, int64_t deadline)
{
    char port[8];
    snprintf(port, sizeof port, "%d", r->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
    int rc = getaddrinfo(r->host, port, &hints, &res);
    if (rc != 0) {
        set_err(r, "resolve %s: %s", r->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            set_err(r, "socket: %s", strerror(errno));
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            int w = wait_fd(fd, POLLOUT, deadline);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (w > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            if (w == 0)
                set_err(r, "connect %s:%d: timed out", r->host, r->port);
            else
                set_err(r, "connect %s:%d: %s", r->host, r->port, strerror(soerr ? soerr : errno));
        } else {
            set_err(r, "connect %s:%d: %s", r->host, r->port, strerror(errno));
        }
        close(fd);
        fd = -1;
        if (now_ms() >= deadline)
            break;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -1;
    int one = 1;
    /* Commands are small and latency-bound; Nagle would hold pipelined tails back. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    r->fd = fd;
    return 0;
}

static int is_ip_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int tls_handshake(redis_t *r, int64_t deadline)
{
    r->ssl = SSL_new(r->ctx);
    if (!r->ssl || SSL_set_fd(r->ssl, r->fd) != 1) {
        set_tls_err(r, "TLS", SSL_ERROR_SSL);
        return -1;
    }
    /* SNI carries names only (RFC 6066); an IP literal is checked against IP SANs. */
    int ok;
    if (is_ip_literal(r->host))
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(r->ssl), r->host) == 1;
    else
        ok = SSL_set_tlsext_host_name(r->ssl, r->host) == 1 && SSL_set1_host(r->ssl, r->host) == 1;
    if (!ok) {
        set_tls_err(r, "TLS", SSL_ERROR_SSL);
        return -1;
    }
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int rc = SSL_connect(r->ssl);
        if (rc == 1)
            break;
        int e = SSL_get_error(r->ssl, rc);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            set_tls_err(r, "TLS handshake", e);
            return -1;
        }
        if (wait_fd(r->fd, ev, deadline) <= 0) {
            set_err(r, "TLS handshake: timed out");
            return -1;
        }
    }
    return 0;
}

/* Writes all of buf before deadline: 0 or -1 with err set. */
static int conn_write(redis_t *r, const char *buf, size_t len, int64_t deadline)
{
    size_t off = 0;
    while (off < len) {
        short ev = POLLOUT;
        if (r->ssl) {
            size_t n = len - off > INT32_MAX ? INT32_MAX : len - off;
            ERR_clear_error();
            errno = 0;
            int rc = SSL_write(r->ssl, buf + off, (int)n);
            if (rc > 0) {
                off += (size_t)rc;
                continue;
            }
            int e = SSL_get_error(r->ssl, rc);
            if (e == SSL_ERROR_WANT_READ)
                ev = POLLIN;
            else if (e != SSL_ERROR_WANT_WRITE) {
                set_tls_err(r, "TLS write", e);
                return -1;
            }
        } else {
            ssize_t rc = send(r->fd, buf + off, len - off, MSG_NOSIGNAL);
            if (rc >= 0) {
                off += (size_t)rc;
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                set_err(r, "write: %s", strerror(errno));
                return -1;
            }
        }
        int w = wait_fd(r->fd, ev, deadline);
        if (w == 0) {
            set_err(r, "write: timed out");
            return -1;
        }
        if (w < 0) {
            set_err(r, "poll: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Reads what is available into r->rbuf, waiting until deadline:
 * > 0 bytes, 0 closed by peer, -1 error, -2 timed out (err set for all but > 0). */
static ssize_t conn_read(redis_t *r, int64_t deadline)
{
    for (;;) {
        short ev = POLLIN;
        if (r->ssl) {
            ERR_clear_error();
            errno = 0;
            int rc = SSL_read(r->ssl, r->rbuf, sizeof r->rbuf);
            if (rc > 0)
                return rc;
            int e = SSL_get_error(r->ssl, rc);
            if (e == SSL_ERROR_ZERO_RETURN) {
                set_err(r, "read: connection closed by server");
                return 0;
            }
            if (e == SSL_ERROR_WANT_WRITE)
                ev = POLLOUT;
            else if (e != SSL_ERROR_WANT_READ) {
                set_tls_err(r, "TLS read", e);
                return -1;
            }
        } else {
            /* right after a send the reply is rarely there yet: wait first, saving a recv
             * that would only say EAGAIN */
            int w = wait_fd(r->fd, POLLIN, deadline);
            if (w == 0) {
                set_err(r, "read: timed out");
                return -2;
            }
            if (w < 0) {
                set_err(r, "poll: %s", strerror(errno));
                return -1;
            }
            ssize_t rc = recv(r->fd, r->rbuf, sizeof r->rbuf, MSG_DONTWAIT);
            if (rc > 0)
                return rc;
            if (rc == 0) {
                set_err(r, "read: connection closed by server");
                return 0;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                set_err(r, "read: %s", strerror(errno));
                return -1;
            }
        }
        int w = wait_fd(r->fd, ev, deadline);
        if (w == 0) {
            set_err(r, "read: timed out");
            return -2;
        }
        if (w < 0) {
            set_err(r, "poll: %s", strerror(errno));
            return -1;
        }
    }
}

/* Reads one whole reply: 0 with *out set, or -1 with err set. */
static int read_reply(redis_t *r, int64_t deadline, redisReply **out)
{
    for (;;) {
        int rc = redis_reader_next(r->reader, out);
        if (rc == 1)
            return 0;
        if (rc < 0) {
            /* Our object functions refusing an oversized array show up as "Out of memory". */
            set_err(r, "bad or oversized reply: %s", r->reader->errstr[0] ? r->reader->errstr : "?");
            return -1;
        }
        ssize_t n = conn_read(r, deadline);
        if (n <= 0)
            return -1;
        if (redis_reader_feed(r->reader, r->rbuf, (size_t)n) < 0) {
            set_err(r, "bad or oversized reply: over %zu bytes", (size_t)REDIS_MAX_BUFFERED_INPUT);
            return -1;
        }
    }
}

/* TCP, TLS, AUTH and SELECT within connect_timeout_ms: 0 or -1 with err set. */
static int conn_open(redis_t *r)
{
    int64_t deadline = now_ms() + r->connect_timeout_ms;
    r->stats.connect_attempts++;
    if (tcp_connect(r, deadline) < 0)
        return -1;
    if (r->tls && tls_handshake(r, deadline) < 0)
        return -1;
    if (!(r->reader = redis_reader_create())) {
        set_err(r, "out of memory");
        return -1;
    }
    char *cmds[2] = { NULL, NULL };
    int lens[2] = { 0, 0 }, n = 0;
    if (r->password) {
        const char *argv[3] = { "AUTH", r->user ? r->user : r->password, r->password };
        lens[n] = redisFormatCommandArgv(&cmds[n], r->user ? 3 : 2, argv, NULL);
        n++;
    }
    if (r->db) {
        char db[16];
        snprintf(db, sizeof db, "%d", r->db);
        const char *argv[2] = { "SELECT", db };
        lens[n] = redisFormatCommandArgv(&cmds[n], 2, argv, NULL);
        n++;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (lens[i] < 0) {
            set_err(r, "out of memory");
            rc = -1;
        } else {
            rc = conn_write(r, cmds[i], (size_t)lens[i], deadline);
        }
    }
    for (int i = 0; i < n && rc == 0; i++) {
        redisReply *rep;
        const char *what = r->password && i == 0 ? "AUTH" : "SELECT";
        if (read_reply(r, deadline, &rep) < 0) {
            rc = -1;
        } else {
            if (rep->type == REDIS_REPLY_ERROR) {
                set_err(r, "%s failed: %s", what, rep->str);
                rc = -1;
            }
            freeReplyObject(rep);
        }
    }
    for (int i = 0; i < n; i++)
        free(cmds[i]);
    if (rc == 0)
        r->stats.connects++;
    return rc;
}

/* An idle connection the server has since closed (restart, CLIENT KILL, idle timeout)
 * shows up as readable; finding that before sending saves the caller a failed command.
 * A TLS 1.3 session ticket is also readable, and SSL_read consumes it harmlessly. */
static int conn_idle_ok(redis_t *r)
{
    struct pollfd p = { .fd = r->fd, .events = POLLIN };
    if (poll(&p, 1, 0) == 0)
        return 1;
    return conn_read(r, now_ms() + 1) == -2; /* poll said readable: a short deadline is enough */
}

/* 0 with a live connection, -1 without one (err set) — at once while backing off. */
static int ensure_conn(redis_t *r)
{
    if (r->fd >= 0) {
        if (r->pending || r->olen || conn_idle_ok(r))
            return 0;
        conn_close(r);
    }
    if (r->attempt > 0 && now_ms() < r->retry_at_ms) {
        r->stats.skipped++;
        set_err(r, "unavailable: backing off after %u failure(s): %s", r->attempt, r->fail_reason);
        return -1;
    }
    if (conn_open(r) < 0) {
        conn_fail(r);
        return -1;
    }
    return 0;
}

/* Queues a formatted command (takes ownership of cmd): 0 or -1. */
static int append_formatted(redis_t *r, char *cmd, int len)
{
    if (len < 0) {
        set_err(r, len == -1 ? "bad command format" : "out of memory");
        return -1;
    }
    if (ensure_conn(r) < 0) {
        free(cmd);
        return -1;
    }
    size_t need = r->olen + (size_t)len;
    if (need > MAX_PIPELINE_BYTES) {
        set_err(r, "pipeline exceeds %zu bytes", MAX_PIPELINE_BYTES);
        free(cmd);
        return -1;
    }
    if (need > r->ocap) {
        size_t cap = r->ocap ? r->ocap : 4096;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(r->obuf, cap);
        if (!nb) {
            set_err(r, "out of memory");
            free(cmd);
            return -1;
        }
        r->obuf = nb;
        r->ocap = cap;
    }
    memcpy(r->obuf + r->olen, cmd, (size_t)len);
    r->olen = need;
    r->pending++;
    free(cmd);
    return 0;
}

/* A command is a one-element pipeline; replies still owed from earlier appends are
 * read and dropped first so the caller gets the reply to this command. */
static redisReply *run_formatted(redis_t *r, char *cmd, int len)
{
    r->err[0] = '\0';
    if (append_formatted(r, cmd, len) < 0)
        return NULL;
    while (r->pending > 1) {
        redisReply *rep = redis_get_reply(r);
        if (!rep)
            return NULL;
        freeReplyObject(rep);
    }
    return redis_get_reply(r);
}

/* ---- public API ----------------------------------------------------------------------- */

redis_t *redis_create(const redis_opts_t *opts, char *err, size_t errlen)
{
    redis_t *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "redis: out of memory");
        return NULL;
    }
    r->fd = -1;
    if (!opts) {
        snprintf(err, errlen, "redis: no options");
        goto fail;
    }
    /* redis+cluster://[cred@]h1:p1,h2:p2 (rediss+cluster:// with TLS): the settings parse as
     * a URL of the first node; the list seeds the cluster's slot map */
    const char *url = opts->url;
    char *single = NULL;
    const char *seeds = NULL;
    if (url && (!strncmp(url, "redis+cluster://", 16) || !strncmp(url, "rediss+cluster://", 17))) {
        int tls = url[5] == 's';
        const char *rest = url + (tls ? 17 : 16), *at = strrchr(rest, '@');
        seeds = at ? at + 1 : rest;
        size_t credlen = at ? (size_t)(at + 1 - rest) : 0, first = strcspn(seeds, ",/");
        if (seeds[strcspn(seeds, "/")]) {
            snprintf(err, errlen, "redis: a cluster URL takes no database number");
            goto fail;
        }
        if (asprintf(&single, "%s%.*s%.*s", tls ? "rediss://" : "redis://", (int)credlen, rest, (int)first,
                     seeds) < 0) {
            snprintf(err, errlen, "redis: out of memory");
            goto fail;
        }
        url = single;
    }
    int prc = parse_url(r, url, err, errlen);
    free(single);
    if (prc < 0)
        goto fail;
    r->tls_insecure = opts->tls_insecure;
    r->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_TIMEOUT_MS;
    r->command_timeout_ms = opts->command_timeout_ms > 0 ? opts->command_timeout_ms : DEFAULT_TIMEOUT_MS;
    if (r->tls) {
        pthread_once(&ssl_once, ssl_init);
        if (!ssl_init_ok) {
            snprintf(err, errlen, "redis: OpenSSL initialisation failed");
            goto fail;
        }
        if (!(r->ctx = ssl_ctx_new(opts, err, errlen)))
            goto fail;
    }
    if (seeds && !(r->cluster = redis_cluster_create(r, seeds, err, errlen)))
        goto fail;
    return r;
fail:
    redis_destroy(r);
    return NULL;
}

void redis_destroy(redis_t *r)
{
    if (!r)
        return;
    redis_cluster_destroy(r->cluster);
    /* close_notify is a courtesy: one non-blocking attempt on a healthy connection. */
    if (r->ssl && r->pending == 0)
        SSL_shutdown(r->ssl);
    ERR_clear_error();
    conn_close(r);
    SSL_CTX_free(r->ctx);
    free(r->obuf);
    free(r->host);
    free(r->user);
    if (r->password) {
        OPENSSL_cleanse(r->password, strlen(r->password));
        free(r->password);
    }
    free(r);
}

redisReply *redis_command(redis_t *r, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (r->cluster)
        return redis_cluster_run(r->cluster, cmd, len);
    return run_formatted(r, cmd, len);
}

redisReply *redis_command_argv(redis_t *r, int argc, const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = argc > 0 ? redisFormatCommandArgv(&cmd, argc, argv, argvlen) : -1;
    if (r->cluster)
        return redis_cluster_run(r->cluster, cmd, len);
    return run_formatted(r, cmd, len);
}

/* A formatted command (len < 0: formatting failed) into the pipeline of a node or the cluster. */
static int append_command(redis_t *r, char *cmd, int len)
{
    if (r->cluster)
        return redis_cluster_append(r->cluster, cmd, len);
    r->err[0] = '\0';
    return append_formatted(r, cmd, len);
}

int redis_append(redis_t *r, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    return append_command(r, cmd, len);
}

int redis_append_argv(redis_t *r, int argc, const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = argc > 0 ? redisFormatCommandArgv(&cmd, argc, argv, argvlen) : -1;
    return append_command(r, cmd, len);
}

redisReply *redis_get_reply(redis_t *r)
{
    if (r->cluster)
        return redis_cluster_get_reply(r->cluster);
    if (r->pending == 0) {
        /* Also after a failure dropped the pipeline: keep that failure's message. */
        if (!r->err[0])
            set_err(r, "no reply pending");
        return NULL;
    }
    assert(r->fd >= 0 && r->reader);
    int64_t deadline = now_ms() + r->command_timeout_ms;
    if (r->olen) {
        if (conn_write(r, r->obuf, r->olen, deadline) < 0) {
            conn_fail(r);
            return NULL;
        }
        r->olen = 0;
    }
    redisReply *rep;
    if (read_reply(r, deadline, &rep) < 0) {
        conn_fail(r);
        return NULL;
    }
    r->pending--;
    r->attempt = 0;
    return rep;
}

int redis_read_push(redis_t *r, int timeout_ms, redisReply **out)
{
    *out = NULL;
    if (r->cluster)
        return redis_cluster_read_push(r->cluster, timeout_ms, out);
    if (r->fd < 0 || !r->reader) {
        set_err(r, "not connected");
        return -1;
    }
    /* a message may already sit in the reader from the last read */
    int rc = redis_reader_next(r->reader, out);
    if (rc == 1)
        return 1;
    if (rc < 0) {
        set_err(r, "bad or oversized reply");
        conn_fail(r);
        return -1;
    }
    ssize_t n = conn_read(r, now_ms() + timeout_ms);
    if (n == -2)
        return 0; /* quiet: no message within the timeout, the connection is fine */
    if (n <= 0 || redis_reader_feed(r->reader, r->rbuf, (size_t)n) < 0) {
        conn_fail(r);
        return -1;
    }
    rc = redis_reader_next(r->reader, out);
    if (rc < 0) {
        conn_fail(r);
        return -1;
    }
    return rc == 1 ? 1 : 0;
}

void redis_reply_free(redisReply *rep)
{
    if (rep)
        freeReplyObject(rep);
}

int redis_is_connected(const redis_t *r)
{
    if (r->cluster)
        return redis_cluster_is_connected(r->cluster);
    return r->fd >= 0;
}

void redis_stats(const redis_t *r, redis_stats_t *out)
{
    if (r->cluster) {
        redis_cluster_stats(r->cluster, out);
        return;
    }
    *out = r->stats;
    out->attempt = r->attempt;
    int64_t left = r->attempt ? r->retry_at_ms - now_ms() : 0;
    out->retry_in_ms = left > 0 ? (long)left : 0;
}

const char *redis_last_error(const redis_t *r)
{
    if (r->cluster)
        return redis_cluster_last_error(r->cluster);
    return r->err;
}

/* ---- cluster transport hooks (redis_cluster.h) ------------------------------------------ */

redis_t *redis_node_create(const redis_t *tmpl, const char *host, int port)
{
    redis_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = -1;
    r->host = strdup(host);
    r->user = tmpl->user ? strdup(tmpl->user) : NULL;
    r->password = tmpl->password ? strdup(tmpl->password) : NULL;
    if (!r->host || (tmpl->user && !r->user) || (tmpl->password && !r->password)) {
        redis_destroy(r);
        return NULL;
    }
    r->port = port;
    r->tls = tmpl->tls;
    r->tls_insecure = tmpl->tls_insecure;
    r->connect_timeout_ms = tmpl->connect_timeout_ms;
    r->command_timeout_ms = tmpl->command_timeout_ms;
    if (tmpl->ctx && SSL_CTX_up_ref(tmpl->ctx) == 1)
        r->ctx = tmpl->ctx;
    else if (tmpl->ctx) {
        redis_destroy(r);
        return NULL;
    }
    return r;
}

static char *dup_cmd(const char *cmd, size_t len)
{
    char *c = malloc(len ? len : 1);
    if (c)
        memcpy(c, cmd, len);
    return c;
}

redisReply *redis_node_run(redis_t *node, const char *cmd, size_t len)
{
    char *c = dup_cmd(cmd, len);
    return run_formatted(node, c, c ? (int)len : -2);
}

int redis_node_append(redis_t *node, const char *cmd, size_t len)
{
    char *c = dup_cmd(cmd, len);
    node->err[0] = '\0';
    return append_formatted(node, c, c ? (int)len : -2);
}
