/* SPDX-License-Identifier: MIT */
/*
 * tiny-httpd: the backend servers of samples/haproxy. One thread, epoll,
 * HTTP/1.1 keep-alive, every request answered "200 OK" with a short body
 * that names the server. Listens on 127.0.0.1 only, stops on SIGTERM or
 * SIGINT or after --duration, and prints one line:
 *
 *   tiny-httpd: port=P requests=N connections=C
 *
 * Usage: tiny-httpd [--port P] [--duration S] [--name NAME]
 * --port 0 (the default) takes a free port; the port is printed on stdout
 * ("port P") as soon as the server listens.
 */
#define _GNU_SOURCE /* accept4, memmem, strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 8192
#define MAX_EVENTS 64

struct conn {
	int fd;
	size_t len; /* bytes of request data held in buf */
	char buf[BUF_SIZE];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tiny-httpd [--port P] [--duration S] [--name NAME]\n"
		   "A minimal HTTP/1.1 server on 127.0.0.1 (the backends of samples/haproxy):\n"
		   "every request gets 200 OK. --port 0 (default) takes a free port, printed\n"
		   "as 'port P'. Stops on SIGTERM/SIGINT or after --duration seconds\n"
		   "(default 600), then prints its request count.\n");
}

static int usage_error(const char *what)
{
	fprintf(stderr, "tiny-httpd: %s\nTry 'tiny-httpd --help'.\n", what);
	return 2;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes all of buf on a blocking-enough socket; false on error. Responses
 * are small, so a full socket buffer means the client stopped reading. */
static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Answers every complete request held in c->buf. Returns false when the
 * connection must be closed (error, or the client asked for it). */
static bool serve(struct conn *c, const char *resp, size_t resp_len, unsigned long *requests)
{
	for (;;) {
		char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		size_t used;
		bool close_it;

		if (!end) {
			return c->len < sizeof(c->buf); /* a head larger than buf: drop */
		}
		used = (size_t)(end - c->buf) + 4;
		*end = '\0';
		close_it = strcasestr(c->buf, "\r\nconnection: close") != NULL;
		if (!write_all(c->fd, resp, resp_len)) {
			return false;
		}
		(*requests)++;
		if (close_it) {
			return false;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
}

int main(int argc, char **argv)
{
	int port = 0, lfd, ep, one = 1, i;
	double duration = 600, deadline;
	const char *name = "tiny-httpd";
	unsigned long requests = 0, connections = 0;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	struct epoll_event ev, evs[MAX_EVENTS];
	struct sigaction sa = {.sa_handler = on_signal};
	char body[128], resp[256];
	size_t resp_len;

	for (i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 0 || v > 65535) {
				return usage_error("--port needs a number from 0 to 65535");
			}
			port = (int)v;
		} else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
			duration = strtod(argv[++i], &end);
			if (*end || !(duration > 0)) {
				return usage_error("--duration needs a positive number of seconds");
			}
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else {
			char what[128];

			snprintf(what, sizeof(what), "unknown or incomplete option '%s'", argv[i]);
			return usage_error(what);
		}
	}

	snprintf(body, sizeof(body), "hello from %.100s\n", name);
	resp_len = (size_t)snprintf(resp, sizeof(resp),
				    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				    "Content-Length: %zu\r\n\r\n%s",
				    strlen(body), body);

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		fprintf(stderr, "tiny-httpd: cannot create a socket: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) {
		fprintf(stderr, "tiny-httpd: cannot listen on '127.0.0.1:%d': %s\n", port,
			strerror(errno));
		return 1;
	}
	port = ntohs(addr.sin_port);
	printf("port %d\n", port);
	fflush(stdout);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		fprintf(stderr, "tiny-httpd: cannot create an epoll instance: %s\n",
			strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL; /* NULL: the listener */
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

	deadline = now_s() + duration;
	while (!stop) {
		double left = deadline - now_s();
		int n;

		if (left <= 0) {
			break;
		}
		n = epoll_wait(ep, evs, MAX_EVENTS, left > 0.2 ? 200 : (int)(left * 1000) + 1);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					c = malloc(sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					c->len = 0;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					connections++;
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

				if (r > 0) {
					c->len += (size_t)r;
					if (serve(c, resp, resp_len, &requests)) {
						continue;
					}
				} else if (r < 0 && errno == EINTR) {
					continue;
				} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
					break;
				}
				/* end of stream, error, or closed by serve() */
				close(c->fd);
				free(c);
				break;
			}
		}
	}
	printf("tiny-httpd: port=%d requests=%lu connections=%lu\n", port, requests, connections);
	return 0;
}
