/* admin_figures: the dashboard's HTTP figures (requests, 5xx errors, p95 latency) read from
 * this process's Prometheus text (store/metrics.h renders it; this parses the two families it
 * needs and sums them over every route). Counts are cumulative since the process started; the
 * portal takes differences between two polls for "right now" figures. Pure: no I/O. */
#ifndef CHATLINGS_ADMIN_FIGURES_H
#define CHATLINGS_ADMIN_FIGURES_H
#include <stddef.h>

#define ADMIN_FIGURES_MAX_BUCKETS 32

typedef struct admin_http_figures {
    double requests;       /* every response counted in chatlings_http_requests_total */
    double errors_5xx;     /* of which status 500..599 */
    double errors_4xx;     /* of which status 400..499 */
    int nbuckets;
    double le[ADMIN_FIGURES_MAX_BUCKETS];    /* bucket upper bounds in seconds, ascending (+Inf last) */
    double count[ADMIN_FIGURES_MAX_BUCKETS]; /* cumulative counts, summed over every route */
    double p95_s;          /* estimated 95th percentile in seconds; -1 when nothing was observed */
} admin_http_figures_t;

/* Reads chatlings_http_requests_total and chatlings_http_request_duration_seconds_bucket
 * samples out of text. Unknown lines are skipped; malformed samples are ignored. 0, or -1 when
 * there are more distinct bucket bounds than ADMIN_FIGURES_MAX_BUCKETS. */
int admin_figures_parse(const char *text, size_t len, admin_http_figures_t *out);

/* The q-quantile (0 < q < 1) of a cumulative histogram, interpolating linearly inside the
 * bucket as Prometheus's histogram_quantile does (the first bucket starts at 0; a rank inside
 * the +Inf bucket answers the highest finite bound). -1 when the histogram is empty. */
double admin_figures_quantile(double q, const double *le, const double *cum, int n);

#endif
