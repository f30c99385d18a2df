/* SPDX-License-Identifier: MIT */
/* The event-loop server and load generator of samples/poller and
 * samples/wakeall (see server.h). */
#define _GNU_SOURCE /* accept4, RUSAGE_THREAD, pthread_tryjoin_np */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_SIZE 32
#define MAX_WORKERS 256
#define MAX_CONNS 4096

/* epoll tags: a connection is tagged with its fd (>= 0). */
#define TAG_STOP ((uint64_t)-2)
#define TAG_SYNC ((uint64_t)-3)

struct options {
	unsigned threads;    /* worker threads */
	double duration;     /* seconds of load */
	double rate;	     /* requests per second, all connections */
	unsigned conns;	     /* client connections, at least one per worker */
	double isolate_rate; /* isolations per second */
};

/* One accepted connection: written by its worker while running, read and
 * stamped by the control thread while alone. Indexed by fd. */
struct conn {
	bool used;
	unsigned worker;
	uint64_t bytes;	     /* received */
	uint64_t requests;   /* complete requests echoed */
	uint32_t config_gen; /* configuration generation seen last */
};

/* Shared configuration, replaced (and the old one freed) by the control
 * thread under full isolation: a worker that ran during that would read
 * freed memory (ASan/TSan builds catch it). */
struct config {
	uint32_t generation;
	uint32_t walks; /* table walks done so far */
};

static const struct sample_sync *sync_ops;
static struct options opt;
static int stop_fd = -1; /* written once at the end: wakes every worker */
static struct conn conn_table[MAX_CONNS];
static struct config *shared_config;
static atomic_bool load_done;
static uint64_t load_end_ns; /* the load and the isolations stop then */
static atomic_bool control_stop;
static atomic_uint_fast64_t worker_vcsw;
static atomic_uint_fast64_t requests_served;

struct worker {
	pthread_t tid;
	unsigned index;
	int epoll_fd;
	uint64_t requests; /* served by this worker (written by it alone) */
};

static struct worker workers[MAX_WORKERS];

static void die(const char *what)
{
	fprintf(stderr, "%s: cannot %s: %s\n", sync_ops->name, what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void epoll_add(int ep, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		die("add a file descriptor to epoll");
	}
}

/* ---- workers ---- */

static void worker_serve(struct worker *w, int fd)
{
	char buf[4096];
	struct conn *c = &conn_table[fd];
	ssize_t n = read(fd, buf, sizeof(buf));
	uint64_t done;

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0 || write(fd, buf, (size_t)n) != n) {
		/* closed by the client (or broken): leave the table */
		c->used = false;
		close(fd);
		return;
	}
	done = (c->bytes + (uint64_t)n) / REQUEST_SIZE - c->bytes / REQUEST_SIZE;
	c->bytes += (uint64_t)n;
	c->requests += done;
	c->config_gen = shared_config->generation; /* harmful read */
	w->requests += done;
	atomic_fetch_add_explicit(&requests_served, done, memory_order_relaxed);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *h = sync_ops->thread_enter();
	struct epoll_event evs[64];
	struct rusage ru;
	bool stop = false;

	while (!stop) {
		int n, i;

		sync_ops->wait_begin(h);
		n = epoll_wait(w->epoll_fd, evs, 64, -1);
		sync_ops->wait_end(h);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			die("wait in epoll");
		}
		/* The sync point first: the control thread is waiting for us. */
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == TAG_SYNC) {
				sync_ops->worker_fd_ready(h);
			}
		}
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_STOP) {
				stop = true;
			} else if (tag != TAG_SYNC) {
				worker_serve(w, (int)tag);
			}
		}
	}
	sync_ops->thread_leave(h);
	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		atomic_fetch_add(&worker_vcsw, (uint64_t)ru.ru_nvcsw);
	}
	return NULL;
}

/* ---- control thread ---- */

struct latencies {
	uint64_t *ns;
	size_t count, cap;
	uint64_t full;
};

static void control_walk(void)
{
	unsigned fd, active = 0;
	uint64_t total = 0;

	for (fd = 0; fd < MAX_CONNS; fd++) {
		if (conn_table[fd].used) {
			active++;
			total += conn_table[fd].requests;
		}
	}
	shared_config->walks++;
	(void)active, (void)total;
}

static void control_replace_config(void)
{
	struct config *next = malloc(sizeof(*next));

	if (!next) {
		die("allocate a configuration");
	}
	*next = *shared_config;
	next->generation++;
	free(shared_config);
	shared_config = next;
}

static void *control_main(void *arg)
{
	struct latencies *lat = arg;
	void *h = sync_ops->thread_enter();
	uint64_t period = (uint64_t)(1e9 / opt.isolate_rate);
	struct timespec next;
	bool full = false;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&control_stop)) {
		uint64_t t0, t1;

		next.tv_nsec += (long)(period % 1000000000u);
		next.tv_sec += (time_t)(period / 1000000000u);
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		sync_ops->wait_begin(h);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
		}
		sync_ops->wait_end(h);
		t0 = now_ns();
		if (atomic_load(&control_stop) || t0 >= load_end_ns) {
			break;
		}
		sync_ops->isolate(h, full);
		t1 = now_ns();
		if (full) {
			control_replace_config();
			lat->full++;
		} else {
			control_walk();
		}
		sync_ops->release(h, full);
		if (lat->count == lat->cap) {
			size_t cap = lat->cap ? 2 * lat->cap : 1024;
			uint64_t *ns = realloc(lat->ns, cap * sizeof(*ns));

			if (!ns) {
				die("allocate latency samples");
			}
			lat->ns = ns;
			lat->cap = cap;
		}
		lat->ns[lat->count++] = t1 - t0;
		full = !full;
	}
	sync_ops->thread_leave(h);
	return NULL;
}

/* ---- load generator ---- */

struct client_conn {
	int fd;
	bool busy;    /* a request is outstanding */
	unsigned got; /* bytes of the reply received */
};

static atomic_bool interrupted;
/* The client connects, then waits here until every connection has been
 * handed to a worker and the load's start is set. */
static pthread_barrier_t load_start;

static void *client_main(void *arg)
{
	struct sockaddr_in *addr = arg;
	struct client_conn *cc = calloc(opt.conns, sizeof(*cc));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char req[REQUEST_SIZE];
	uint64_t start, end, sent = 0, outstanding = 0;
	unsigned i, rr = 0;

	if (!cc || ep < 0) {
		die("set up the load generator");
	}
	memset(req, 'r', sizeof(req));
	for (i = 0; i < opt.conns; i++) {
		int one = 1;

		cc[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cc[i].fd < 0 || connect(cc[i].fd, (struct sockaddr *)addr, sizeof(*addr)) < 0) {
			die("connect to the server on 127.0.0.1");
		}
		setsockopt(cc[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		epoll_add(ep, cc[i].fd, EPOLLIN, i);
	}
	pthread_barrier_wait(&load_start);
	start = load_end_ns - (uint64_t)(opt.duration * 1e9);
	end = load_end_ns;
	for (;;) {
		struct epoll_event evs[64];
		uint64_t now = now_ns();
		uint64_t due;
		int n, timeout_ms;

		if (now >= end || atomic_load(&interrupted)) {
			break;
		}
		/* Open loop: send what is due on free connections. */
		due = (uint64_t)((double)(now - start) * opt.rate / 1e9);
		for (i = 0; i < opt.conns && sent < due; i++, rr = (rr + 1) % opt.conns) {
			if (!cc[rr].busy) {
				if (write(cc[rr].fd, req, sizeof(req)) != (ssize_t)sizeof(req)) {
					die("send a request");
				}
				cc[rr].busy = true;
				cc[rr].got = 0;
				sent++;
				outstanding++;
			}
		}
		timeout_ms = opt.rate >= 1000 ? 1 : 10;
		n = epoll_wait(ep, evs, 64, timeout_ms);
		for (int k = 0; k < n; k++) {
			struct client_conn *c = &cc[evs[k].data.u64];
			char buf[REQUEST_SIZE];
			ssize_t r = read(c->fd, buf, sizeof(buf) - c->got);

			if (r <= 0) {
				die("read a reply");
			}
			c->got += (unsigned)r;
			if (c->got == REQUEST_SIZE) {
				c->busy = false;
				outstanding--;
			}
		}
	}
	/* Let outstanding replies arrive (at most one second), then hang up. */
	end = now_ns() + 1000000000u;
	while (outstanding > 0 && now_ns() < end) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 10);

		for (int k = 0; k < n; k++) {
			struct client_conn *c = &cc[evs[k].data.u64];
			char buf[REQUEST_SIZE];
			ssize_t r = read(c->fd, buf, sizeof(buf) - c->got);

			if (r <= 0) {
				break;
			}
			c->got += (unsigned)r;
			if (c->got == REQUEST_SIZE && c->busy) {
				c->busy = false;
				outstanding--;
			}
		}
	}
	for (i = 0; i < opt.conns; i++) {
		close(cc[i].fd);
	}
	close(ep);
	free(cc);
	return NULL;
}

/* ---- options, summary ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"An epoll echo server on 127.0.0.1 with its own load generator; a control\n"
		"thread isolates itself periodically\n"
		"(%s).\n"
		"Stops by itself (or at SIGINT, SIGTERM: exit status 130) and prints one\n"
		"summary line.\n\n"
		"  --threads N        worker threads, each with its epoll loop (default 4)\n"
		"  --duration S       seconds of load (default 3)\n"
		"  --rate R           requests per second, all connections (default 5000)\n"
		"  --conns C          client connections, handed to the workers in turn\n"
		"                     (default 16, and at least --threads)\n"
		"  --isolate-rate R   isolations per second by the control thread,\n"
		"                     alternately a table walk and a full isolation\n"
		"                     (default 100)\n"
		"  --help             this text\n"
		"  --version          the version\n\n"
		"Summary: sample= threads= duration_s= requests= req_per_s= isolations= full=\n"
		"isolate_call_p50_ns= isolate_call_p99_ns= (from the call that asks for\n"
		"isolation to its return, measured here; rdv-analyze's isolate_wait runs from\n"
		"the request, inside the call, to the grant) cpu_s= worker_vcsw= (the worker\n"
		"threads' voluntary context switches, i.e. their wake-ups) worker_req_min=\n"
		"worker_req_max= (requests served by the least and the most busy worker).\n",
		sync_ops->name,
		strcmp(sync_ops->name, "wakeall") == 0
		    ? "by waking every worker through an eventfd, then a barrier"
		    : "with librdv: workers idle in epoll_wait are not woken");
}

#ifndef RDV_VERSION_STRING
#define RDV_VERSION_STRING "unknown"
#endif

/* A usage error (COMMON.md): what is wrong, where to look, exit 2. */
static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", sync_ops->name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", sync_ops->name);
	exit(2);
}

static double parse_number(const char *name, const char *arg, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min && v <= max)) {
		fprintf(stderr,
			"%s: invalid %s '%s': expected a number in %g..%g\nTry '%s --help'.\n",
			sync_ops->name, name, arg, min, max, sync_ops->name);
		exit(2);
	}
	return v;
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"threads", required_argument, NULL, 't'},
	    {"duration", required_argument, NULL, 'd'},
	    {"rate", required_argument, NULL, 'r'},
	    {"conns", required_argument, NULL, 'c'},
	    {"isolate-rate", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	bool conns_given = false;

	opterr = 0; /* one line of our own instead of getopt's two */
	opt = (struct options){
	    .threads = 4, .duration = 3, .rate = 5000, .conns = 16, .isolate_rate = 100};
	/* ":": a missing value is told apart from an unknown option. */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = (unsigned)parse_number("--threads", optarg, 1, MAX_WORKERS);
			break;
		case 'd':
			opt.duration = parse_number("--duration", optarg, 0.01, 3600);
			break;
		case 'r':
			opt.rate = parse_number("--rate", optarg, 1, 1e6);
			break;
		case 'c':
			opt.conns = (unsigned)parse_number("--conns", optarg, 1, 1024);
			conns_given = true;
			break;
		case 'i':
			opt.isolate_rate = parse_number("--isolate-rate", optarg, 0.1, 1e5);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s (rdv) %s\n", sync_ops->name, RDV_VERSION_STRING);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
	}
	/* Every worker serves: at least one connection each. */
	if (!conns_given && opt.conns < opt.threads) {
		opt.conns = opt.threads;
	}
	if (opt.conns < opt.threads) {
		fprintf(stderr,
			"%s: --conns %u is less than --threads %u: every worker needs a "
			"connection\nTry '%s --help'.\n",
			sync_ops->name, opt.conns, opt.threads, sync_ops->name);
		exit(2);
	}
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: sorted[ceil(p*n)-1]. */
static uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	if (n == 0) {
		return 0;
	}
	rank = (size_t)(p * (double)n);
	if ((double)rank < p * (double)n) {
		rank++;
	}
	return sorted[rank ? rank - 1 : 0];
}

int sample_server_main(const struct sample_sync *sync, int argc, char **argv)
{
	struct latencies lat = {0};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	pthread_t control, client;
	struct rusage ru;
	sigset_t stop_signals;
	uint64_t t_start, t_end, one = 1, req_min = UINT64_MAX, req_max = 0;
	double elapsed;
	unsigned i;
	int sync_fd, listen_fd;

	sync_ops = sync;
	parse_options(argc, argv);

	/* Only this thread takes SIGINT/SIGTERM: it ends the load early. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	shared_config = calloc(1, sizeof(*shared_config));
	if (!shared_config) {
		die("allocate the configuration");
	}
	/* One listening socket on a free port. */
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listen_fd, MAX_CONNS) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&addr, &alen) < 0) {
		die("listen on 127.0.0.1");
	}
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop_fd < 0) {
		die("create an eventfd");
	}
	if (sync->setup(opt.threads + 1) < 0) {
		die("set up the sync point");
	}
	sync_fd = sync->worker_fd();
	for (i = 0; i < opt.threads; i++) {
		workers[i].index = i;
		workers[i].epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		if (workers[i].epoll_fd < 0) {
			die("create an epoll instance");
		}
		epoll_add(workers[i].epoll_fd, stop_fd, EPOLLIN, TAG_STOP);
		if (sync_fd >= 0) {
			epoll_add(workers[i].epoll_fd, sync_fd, EPOLLIN, TAG_SYNC);
		}
	}
	/* The client connects; each connection goes to the next worker in
	 * turn, like HAProxy's accept queue handing new connections to its
	 * threads (a kernel hash over per-worker sockets left some workers
	 * without any connection: idle for the whole run). */
	if (pthread_barrier_init(&load_start, NULL, 2) ||
	    pthread_create(&client, NULL, client_main, &addr)) {
		die("start the client thread");
	}
	for (i = 0; i < opt.conns; i++) {
		struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
		int on = 1, fd;

		if (poll(&pfd, 1, 10000) != 1) {
			errno = ETIMEDOUT;
			die("accept the load generator's connections");
		}
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 || fd >= MAX_CONNS) {
			die("accept a connection");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		conn_table[fd] = (struct conn){.used = true, .worker = i % opt.threads};
		epoll_add(workers[i % opt.threads].epoll_fd, fd, EPOLLIN, (uint64_t)fd);
	}
	for (i = 0; i < opt.threads; i++) {
		if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i])) {
			die("start a worker thread");
		}
	}
	t_start = now_ns();
	load_end_ns = t_start + (uint64_t)(opt.duration * 1e9);
	if (pthread_create(&control, NULL, control_main, &lat)) {
		die("start the control thread");
	}
	pthread_barrier_wait(&load_start); /* after load_end_ns is set */

	/* Run until the load ends (the client returns) or a stop signal. */
	for (;;) {
		struct timespec tick = {0, 50000000};
		int sig = sigtimedwait(&stop_signals, NULL, &tick);

		if (sig == SIGINT || sig == SIGTERM) {
			atomic_store(&interrupted, true);
			break;
		}
		if (pthread_tryjoin_np(client, NULL) == 0) {
			atomic_store(&load_done, true);
			break;
		}
	}
	if (!atomic_load(&load_done)) {
		pthread_join(client, NULL);
	}
	t_end = now_ns();
	/* Control first (the wake-all barrier needs every worker), then workers. */
	atomic_store(&control_stop, true);
	pthread_join(control, NULL);
	if (write(stop_fd, &one, sizeof(one)) != sizeof(one)) {
		die("stop the workers");
	}
	for (i = 0; i < opt.threads; i++) {
		pthread_join(workers[i].tid, NULL);
		close(workers[i].epoll_fd);
		req_min = workers[i].requests < req_min ? workers[i].requests : req_min;
		req_max = workers[i].requests > req_max ? workers[i].requests : req_max;
	}
	sync->teardown();

	elapsed = (double)(t_end - t_start) / 1e9;
	qsort(lat.ns, lat.count, sizeof(*lat.ns), compare_u64);
	getrusage(RUSAGE_SELF, &ru);
	printf("sample=%s threads=%u duration_s=%.2f requests=%llu req_per_s=%.0f isolations=%zu "
	       "full=%llu isolate_call_p50_ns=%llu isolate_call_p99_ns=%llu cpu_s=%.3f "
	       "worker_vcsw=%llu worker_req_min=%llu worker_req_max=%llu\n",
	       sync->name, opt.threads, elapsed, (unsigned long long)atomic_load(&requests_served),
	       elapsed > 0 ? (double)atomic_load(&requests_served) / elapsed : 0.0, lat.count,
	       (unsigned long long)lat.full,
	       (unsigned long long)percentile(lat.ns, lat.count, 0.50),
	       (unsigned long long)percentile(lat.ns, lat.count, 0.99),
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       (unsigned long long)atomic_load(&worker_vcsw), (unsigned long long)req_min,
	       (unsigned long long)req_max);
	free(lat.ns);
	free(shared_config);
	close(listen_fd);
	close(stop_fd);
	return atomic_load(&interrupted) ? 130 : 0;
}
