/* log: one JSON object per line on stderr (request id, route, status, duration for requests).
 * Thread-safe: each line is built in a local buffer and written with one write(2). */
#ifndef CHATLINGS_LOG_H
#define CHATLINGS_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_init(const char *component, const char *level);
/* {"ts":..,"level":..,"component":..,"event":event,"msg":formatted} */
void log_msg(log_level_t level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes a pre-rendered JSON object body (without braces) with ts/level/component prepended. */
void log_json(log_level_t level, const char *event, const char *json_fields);

#define log_info(ev, ...) log_msg(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...) log_msg(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_msg(LOG_ERROR, ev, __VA_ARGS__)

#endif
