/* SPDX-License-Identifier: MIT */
/*
 * rdv-view --live: see live.h. The live thread drives the analyzer's live
 * analysis (rdv-analyze.h: the one front end, its analysis and rolling
 * window) and turns its snapshots into models; the UI thread only ever
 * touches what `mu` protects (the published snapshot, the status, the
 * window length).
 *
 * Memory is bounded: the analyzer's window (see rdv-analyze.h), one
 * snapshot (about 17 bytes per interval it holds) and the delay samples.
 */
#define _GNU_SOURCE
#include "live.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "rdv-analyze.h"

#define PUBLISH_MIN_NS 250000000ull /* a snapshot at most every 250 ms */
#define RETRY_NS 1000000000ull	    /* connecting: retry every second */
#define DELAY_SAMPLES 65536	    /* per snapshot (reservoir) */
#define IDLE_SLEEP_US 5000

struct live {
	struct live_options opts;
	char url[1024];
	pthread_t thread;
	bool started; /* live_run() started the thread */
	atomic_bool stop;

	/* Live thread only. */
	struct rdv_live *feed; /* owned */
	int pidfd;	       /* owned: the traced process (opts.pid), or -1 */
	int pidfd_error;       /* why there is none */
	bool clock_monotonic;  /* event times are CLOCK_MONOTONIC (LTTng's clock) */
	uint64_t *pending;     /* owned: event times since the last snapshot */
	size_t npending;
	uint64_t pending_seen;
	uint64_t rng;
	struct rdv_latency_dist *delay; /* owned */
	uint64_t events_at_publish;
	char tmpdir[512];
	uint64_t serial;

	/* Shared, under mu. */
	pthread_mutex_t mu;
	struct tl_model *snapshot; /* owned until taken */
	struct live_status status;
	uint64_t window_ns;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *live_state_name(enum live_state s)
{
	switch (s) {
	case LIVE_CONNECTING:
		return "connecting";
	case LIVE_RECEIVING:
		return "live";
	case LIVE_SESSION_ENDED:
		return "session-ended";
	case LIVE_RELAY_GONE:
		return "relay-gone";
	case LIVE_PROGRAM_EXITED:
		return "program-exited";
	}
	return "?";
}

static void set_state(struct live *l, enum live_state s, const char *reason)
{
	pthread_mutex_lock(&l->mu);
	l->status.state = s;
	snprintf(l->status.reason, sizeof(l->status.reason), "%.250s", reason ? reason : "");
	pthread_mutex_unlock(&l->mu);
	if (l->opts.notify) {
		l->opts.notify(l->opts.notify_arg);
	}
}

/* Reception is over: what the model holds is all it will hold. */
static void set_stream_over(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	l->status.stream_over = true;
	pthread_mutex_unlock(&l->mu);
}

/* Every event's time, sampled, for the delay to its snapshot (reservoir
 * sampling: each event of the period equally likely). */
static void on_event_time(void *arg, uint64_t ns, bool monotonic)
{
	struct live *l = arg;

	l->clock_monotonic = monotonic;
	l->pending_seen++;
	if (l->npending < DELAY_SAMPLES) {
		l->pending[l->npending++] = ns;
	} else {
		uint64_t j;

		l->rng = l->rng * 6364136223846793005ull + 1442695040888963407ull;
		j = (l->rng >> 16) % l->pending_seen;
		if (j < DELAY_SAMPLES) {
			l->pending[j] = ns;
		}
	}
}

/* Builds and publishes a snapshot of the window. Returns its cost in ns. */
static uint64_t publish(struct live *l)
{
	uint64_t t_start = now_ns(CLOCK_MONOTONIC), t_pub, window;
	struct rdv_live_info info;
	struct tl_model *m;
	char path[600], reason[400];
	int ret;

	rdv_live_get_info(l->feed, &info);
	if (!info.has_time) {
		return 0;
	}
	pthread_mutex_lock(&l->mu);
	window = l->window_ns;
	pthread_mutex_unlock(&l->mu);
	snprintf(path, sizeof(path), "%s/snapshot-%llu.rdvtl", l->tmpdir,
		 (unsigned long long)l->serial++);
	ret = rdv_live_write_snapshot(l->feed, path, window, reason, sizeof(reason));
	m = ret ? NULL : calloc(1, sizeof(*m));
	if (m && timeline_model_open(m, path, reason, sizeof(reason)) != 0) {
		free(m);
		m = NULL;
	}
	unlink(path); /* the mapping stays valid */
	if (!m) {
		return now_ns(CLOCK_MONOTONIC) - t_start;
	}
	rdv_live_get_info(l->feed, &info);
	/* Every event received so far is in this snapshot: its delay. */
	t_pub = now_ns(l->clock_monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME);
	for (size_t i = 0; i < l->npending; i++) {
		rdv_latency_dist_add(l->delay, t_pub > l->pending[i] ? t_pub - l->pending[i] : 0);
	}
	l->npending = 0;
	l->pending_seen = 0;
	pthread_mutex_lock(&l->mu);
	if (l->snapshot) {
		timeline_model_close(l->snapshot);
		free(l->snapshot);
	}
	l->snapshot = m;
	l->status.events = info.events;
	l->status.discarded_events = info.discarded_events;
	l->status.snapshots++;
	l->status.kept_intervals = info.kept_intervals;
	l->status.dropped_intervals = info.dropped_intervals;
	l->status.last_event_ns = info.last_event_ns;
	l->status.snapshot_ns = now_ns(CLOCK_MONOTONIC) - t_start;
	l->status.delay_count = rdv_latency_dist_count(l->delay);
	l->status.delay_p50_ns = rdv_latency_dist_percentile(l->delay, 50, 100);
	l->status.delay_p99_ns = rdv_latency_dist_percentile(l->delay, 99, 100);
	l->status.delay_max_ns = rdv_latency_dist_max(l->delay);
	pthread_mutex_unlock(&l->mu);
	l->events_at_publish = info.events;
	if (l->opts.notify) {
		l->opts.notify(l->opts.notify_arg);
	}
	return now_ns(CLOCK_MONOTONIC) - t_start;
}

/* The traced process, watched through a pidfd: readable once it exits
 * (zombie or reaped), so no /proc parsing. A pid already gone gives no
 * pidfd: exited. */
static bool process_alive(struct live *l)
{
	struct pollfd p = {.fd = l->pidfd, .events = POLLIN};

	if (l->pidfd < 0) {
		return l->pidfd_error == ENOSYS && kill(l->opts.pid, 0) == 0;
	}
	return poll(&p, 1, 0) == 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};

	nanosleep(&ts, NULL);
}

/* Waits before asking the relay again, awake for a stop. */
static void retry_pause(struct live *l)
{
	for (uint64_t t = 0; t < RETRY_NS && !atomic_load(&l->stop); t += 50000000ull) {
		sleep_ns(50000000ull);
	}
}

static void *live_thread(void *arg)
{
	struct live *l = arg;
	uint64_t next_publish = 0, cost;
	bool connected = false, exited = false;
	char why[400];

	while (!atomic_load(&l->stop)) {
		enum rdv_live_step st = rdv_live_step(l->feed, why, sizeof(why));
		struct rdv_live_info info;
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		if (atomic_load(&l->stop)) {
			break;
		}
		if (st == RDV_LIVE_NOT_YET) {
			set_state(l, LIVE_CONNECTING, why);
			retry_pause(l);
			continue;
		}
		if (st == RDV_LIVE_ERROR) {
			publish(l);
			set_stream_over(l);
			set_state(l, LIVE_RELAY_GONE, why[0] ? why : "connection lost");
			break;
		}
		if (st == RDV_LIVE_END) {
			publish(l);
			set_stream_over(l);
			set_state(l,
				  l->opts.pid && !process_alive(l) ? LIVE_PROGRAM_EXITED
								   : LIVE_SESSION_ENDED,
				  NULL);
			break;
		}
		rdv_live_get_info(l->feed, &info);
		if (!connected && info.messages > 0) {
			connected = true;
			set_state(l, LIVE_RECEIVING, NULL);
		}
		if (now >= next_publish) {
			cost = info.events != l->events_at_publish ? publish(l) : 0;
			/* at most ~20% of a core on snapshots, at least 4 a second */
			next_publish =
			    now + (cost * 4 > PUBLISH_MIN_NS ? cost * 4 : PUBLISH_MIN_NS);
			if (l->opts.pid && !exited && !process_alive(l)) {
				exited = true;
				set_state(l, LIVE_PROGRAM_EXITED, NULL);
			}
		}
		if (st == RDV_LIVE_AGAIN) {
			usleep(IDLE_SLEEP_US);
		}
	}
	return NULL;
}

/* ---- API --------------------------------------------------------------- */

static void live_free(struct live *l)
{
	if (!l) {
		return;
	}
	rdv_live_close(l->feed);
	if (l->pidfd >= 0) {
		close(l->pidfd);
	}
	free(l->pending);
	rdv_latency_dist_destroy(l->delay);
	if (l->snapshot) {
		timeline_model_close(l->snapshot);
		free(l->snapshot);
	}
	if (l->tmpdir[0]) {
		rmdir(l->tmpdir);
	}
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int live_start(const struct live_options *o, struct live **out, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof(*l));
	struct rdv_live_options fo;
	const char *tmp = getenv("TMPDIR");
	int ret = -1;

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&l->mu, NULL);
	l->opts = *o;
	l->pidfd = o->pid > 0 ? pidfd_open(o->pid, 0) : -1;
	l->pidfd_error = l->pidfd < 0 ? errno : 0;
	snprintf(l->url, sizeof(l->url), "%s", o->url);
	l->opts.url = l->url;
	l->window_ns = o->window_ns;
	l->rng = (uint64_t)getpid() * 2654435761u + 1;
	fo = (struct rdv_live_options){.url = l->url, .event_time = on_event_time, .arg = l};
	ret = rdv_live_open(&fo, &l->feed, err, errlen);
	if (ret < 0) {
		goto error;
	}
	ret = -1;
	snprintf(l->tmpdir, sizeof(l->tmpdir), "%s/rdv-view-live-XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(l->tmpdir)) {
		snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
		l->tmpdir[0] = '\0';
		goto error;
	}
	l->pending = malloc(DELAY_SAMPLES * sizeof(*l->pending));
	l->delay = rdv_latency_dist_create();
	if (!l->pending || !l->delay) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	l->status.state = LIVE_CONNECTING;
	*out = l;
	return 0;
error:
	live_free(l);
	return ret;
}

int live_run(struct live *l, char *err, size_t errlen)
{
	if (pthread_create(&l->thread, NULL, live_thread, l) != 0) {
		snprintf(err, errlen, "cannot start the live thread");
		return -1;
	}
	l->started = true;
	return 0;
}

void live_stop(struct live *l)
{
	if (!l) {
		return;
	}
	if (l->started) {
		atomic_store(&l->stop, true);
		rdv_live_interrupt(l->feed);
		pthread_join(l->thread, NULL);
	}
	live_free(l);
}

struct tl_model *live_take_snapshot(struct live *l)
{
	struct tl_model *m;

	pthread_mutex_lock(&l->mu);
	m = l->snapshot;
	l->snapshot = NULL;
	pthread_mutex_unlock(&l->mu);
	return m;
}

void live_get_status(struct live *l, struct live_status *out)
{
	pthread_mutex_lock(&l->mu);
	*out = l->status;
	pthread_mutex_unlock(&l->mu);
}

void live_set_window(struct live *l, uint64_t window_ns)
{
	pthread_mutex_lock(&l->mu);
	l->window_ns = window_ns;
	pthread_mutex_unlock(&l->mu);
}
