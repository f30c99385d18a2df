/* SPDX-License-Identifier: MIT */
/*
 * live without --relay: the lttng-relayd at the default ports, or one of
 * our own on loopback. lttng-relayd has no authentication: any local user
 * can connect to its live port and read the session (said in --help, the
 * man page and the README).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rdv-trace.h"

/* Does something accept TCP connections on 127.0.0.1:port? */
static bool port_answers(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0) {
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

void trace_relay_stop(struct trace_relay *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
		}
		r->pid = 0;
	}
	if (r->out_temporary && r->out[0]) {
		trace_remove_tree(r->out);
	}
	r->out[0] = '\0';
	r->out_temporary = false;
}

/* The relay's output directory: --save DIR (new or empty), or a temporary
 * one removed at the end. */
static int relay_output(struct trace_ctx *ctx)
{
	struct trace_relay *r = &ctx->relay;
	const char *tmp = getenv("TMPDIR");

	if (ctx->output_dir) {
		snprintf(r->out, sizeof(r->out), "%s", ctx->output_dir); /* --save, prepared */
		return 0;
	}
	snprintf(r->out, sizeof(r->out), "%s/rdv-trace-relay-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(r->out)) {
		r->out[0] = '\0';
		return trace_error("cannot create a directory for the relay: %s", strerror(errno));
	}
	r->out_temporary = true;
	return 0;
}

/* Starts lttng-relayd on ports base..base+2 in its own process group (a
 * Ctrl-C must not take it away before the session is destroyed); waits
 * until it answers. 0, or -1 when it did not come up there. */
static int start_relayd(struct trace_ctx *ctx, unsigned base)
{
	struct trace_relay *r = &ctx->relay;
	char ctrl[48], data[48], live[48];
	pid_t pid;

	snprintf(ctrl, sizeof(ctrl), "tcp://127.0.0.1:%u", base);
	snprintf(data, sizeof(data), "tcp://127.0.0.1:%u", base + 1);
	snprintf(live, sizeof(live), "tcp://127.0.0.1:%u", base + 2);
	pid = fork();
	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		trace_signals_restore_in_child(ctx);
		execlp("lttng-relayd", "lttng-relayd", "-C", ctrl, "-D", data, "-L", live, "-o",
		       r->out, (char *)NULL);
		_exit(127);
	}
	r->pid = pid;
	for (int i = 0; i < 100; i++) {
		struct timespec tick = {0, 50000000};

		if (waitpid(pid, NULL, WNOHANG) == pid) {
			r->pid = 0;
			return -1;
		}
		if (port_answers(base) && port_answers(base + 2)) {
			snprintf(r->url, sizeof(r->url), "net://127.0.0.1:%u:%u", base, base + 1);
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	r->pid = 0;
	return -1;
}

int trace_relay_prepare(struct trace_ctx *ctx)
{
	struct trace_relay *r = &ctx->relay;

	if (!ctx->opt.save && port_answers(TRACE_DEFAULT_CONTROL_PORT) &&
	    port_answers(TRACE_DEFAULT_LIVE_PORT)) {
		ctx->opt.relay = TRACE_DEFAULT_LIVE_URL;
		ctx->opt.live_port = TRACE_DEFAULT_LIVE_PORT;
		return 0;
	}
	if (relay_output(ctx) < 0) {
		return -1;
	}
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		unsigned base =
		    20000 + (unsigned)((getpid() * 7919u + attempt * 3571u + (unsigned)time(NULL)) %
				       30000u);

		if (port_answers(base) || port_answers(base + 1) || port_answers(base + 2)) {
			continue;
		}
		if (start_relayd(ctx, base) == 0) {
			ctx->opt.relay = r->url;
			ctx->opt.live_port = base + 2;
			fprintf(stderr,
				"rdv-trace: started lttng-relayd (PID %d) on 127.0.0.1 ports "
				"%u-%u, writing to %s (no authentication: any local user can "
				"read this live trace)\n",
				(int)r->pid, base, base + 2, r->out);
			return 0;
		}
	}
	return trace_error("cannot start lttng-relayd on loopback (is lttng-tools installed? "
			   "is lttng-relayd in PATH?)");
}
