/* SPDX-License-Identifier: MIT */
/*
 * The event-loop server shared by samples/poller and samples/wakeall, so that
 * both serve the same load and differ only in their sync point.
 *
 * N worker threads each run an epoll loop serving echo connections on
 * 127.0.0.1 (32-byte requests, echoed back). A built-in load generator (one
 * client thread) opens --conns connections to the server and sends
 * --rate requests per second for --duration seconds, then stops. A control
 * thread, --isolate-rate times per second, alternately walks the shared
 * connection table alone (like HAProxy's "show fd") and replaces the shared
 * configuration alone, freeing the old one (like "del server"). How it gets
 * alone is the sync point, given by the sample as a struct sample_sync.
 *
 * At exit the program prints one line, the same for both samples:
 *   sample=NAME threads=N duration_s=D requests=R req_per_s=Q isolations=I
 *   full=F isolate_call_p50_ns=A isolate_call_p99_ns=B cpu_s=C worker_vcsw=W
 *   worker_req_min=M worker_req_max=X
 * (one line; isolate_call_* is the time from the call that asks for
 * isolation to its return, taken around the sample's isolate hook: it
 * includes the call's own entry and exit, where rdv-analyze's isolate_wait
 * runs from the request (W set, inside the call) to the grant; cpu_s the
 * process user+system CPU time, worker_vcsw the voluntary context switches
 * of the worker threads: their wake-ups; worker_req_min/max the requests
 * served by the least and the most busy worker, each having been handed
 * --conns/--threads of the connections in turn).
 */
#ifndef RDV_SAMPLES_SERVER_H
#define RDV_SAMPLES_SERVER_H

#include <stdbool.h>

/* The sync point. Every hook receives the thread handle thread_enter gave. */
struct sample_sync {
	const char *name; /* program name, first field of the summary */
	/* Before any thread starts; threads = workers + the control thread. */
	int (*setup)(unsigned threads);
	void (*teardown)(void);
	/* At the start and end of every worker and of the control thread. */
	void *(*thread_enter)(void);
	void (*thread_leave)(void *h);
	/* Around every blocking wait (epoll_wait, the control thread's sleep). */
	void (*wait_begin)(void *h);
	void (*wait_end)(void *h);
	/* A file descriptor every worker polls (or -1), and what a worker does
	 * when it is readable. */
	int (*worker_fd)(void);
	void (*worker_fd_ready)(void *h);
	/* The control thread: become alone (full: every worker in its poller),
	 * then stop being alone. */
	void (*isolate)(void *h, bool full);
	void (*release)(void *h, bool full);
};

/* Parses argv, runs the server and its load, prints the summary line.
 * Returns the process exit status. */
int sample_server_main(const struct sample_sync *sync, int argc, char **argv);

#endif /* RDV_SAMPLES_SERVER_H */
