/* log: JSON lines, so that App Service / Azure Monitor and `jq` read them without parsing rules. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"

static const char *log_component = "chatlings";
static log_level_t log_min = LOG_INFO;
static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

void log_init(const char *component, const char *level)
{
    log_component = component;
    for (int i = 0; i < 4; i++)
        if (level && !strcmp(level, LEVEL_NAMES[i]))
            log_min = (log_level_t)i;
}

static void log_write(log_level_t level, const char *event, const char *msg, const char *fields)
{
    if (level < log_min)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[40];
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", ts.tv_nsec / 1000000);

    buf_t b;
    buf_init(&b, 64 * 1024);
    buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", stamp, LEVEL_NAMES[level]);
    buf_json_cstr(&b, log_component);
    buf_puts(&b, ",\"event\":");
    buf_json_cstr(&b, event);
    if (msg) {
        buf_puts(&b, ",\"msg\":");
        buf_json_cstr(&b, msg);
    }
    if (fields && *fields) {
        buf_puts(&b, ",");
        buf_puts(&b, fields);
    }
    buf_puts(&b, "}\n");
    if (b.data) {
        ssize_t w = write(STDERR_FILENO, b.data, b.len);
        (void)w;
    }
    buf_free(&b);
}

void log_msg(log_level_t level, const char *event, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_write(level, event, msg, NULL);
}

void log_json(log_level_t level, const char *event, const char *json_fields)
{
    log_write(level, event, NULL, json_fields);
}
