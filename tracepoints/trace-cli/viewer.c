/* SPDX-License-Identifier: MIT */
/* live --view: rdv-view --live on the session, started and waited for. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rdv-trace.h"

/* rdv-view next to this program (build tree, install prefix), else the
 * one in PATH; "" when there is none. */
static void viewer_path(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	ssize_t n = readlink("/proc/self/exe", buf, len - 16);

	if (n > 0) {
		char *slash;

		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "rdv-view");
			if (access(buf, X_OK) == 0) {
				return;
			}
		}
	}
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t dirlen = colon ? (size_t)(colon - path) : strlen(path);

		if (dirlen &&
		    (size_t)snprintf(buf, len, "%.*s/rdv-view", (int)dirlen, path) < len &&
		    access(buf, X_OK) == 0) {
			return;
		}
		path = colon ? colon + 1 : NULL;
	}
	buf[0] = '\0';
}

static bool nonempty_env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0];
}

int trace_viewer_check(const struct trace_ctx *ctx)
{
	char path[PATH_MAX];

	if (!ctx->opt.view) {
		return 0;
	}
	viewer_path(path, sizeof(path));
	if (!path[0]) {
		return trace_error("cannot run rdv-view: not next to rdv-trace nor in PATH (was "
				   "rdv built with SDL2?)");
	}
	/* rdv-view would say it has no window only once the program runs:
	 * said now, before anything starts. SDL_VIDEODRIVER names another
	 * way (offscreen, the console). */
	if (!nonempty_env("DISPLAY") && !nonempty_env("WAYLAND_DISPLAY") &&
	    !nonempty_env("SDL_VIDEODRIVER")) {
		return trace_error("cannot open rdv-view: no display (set DISPLAY, or record "
				   "with --save DIR and open it later with rdv-view DIR)");
	}
	return 0;
}

void trace_live_url(const struct trace_ctx *ctx, char *buf, size_t len)
{
	char host[256] = "HOST";
	const char *relay = ctx->opt.relay, *h = strstr(relay, "://");

	gethostname(host, sizeof(host));
	h = h ? h + 3 : relay;
	snprintf(buf, len, "net://%.*s:%u/host/%s/%s", (int)strcspn(h, ":/"), h, ctx->opt.live_port,
		 host, ctx->session.name);
}

int trace_viewer_spawn(struct trace_ctx *ctx, pid_t traced)
{
	char url[700], path[PATH_MAX], pidbuf[32];
	char **argv = calloc(ctx->opt.nview_opts + 6, sizeof(*argv));
	size_t k = 0;
	pid_t pid;

	if (!argv) {
		return trace_error("out of memory");
	}
	viewer_path(path, sizeof(path));
	trace_live_url(ctx, url, sizeof(url));
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)traced);
	argv[k++] = path;
	argv[k++] = "--live";
	argv[k++] = url;
	argv[k++] = "--pid";
	argv[k++] = pidbuf;
	for (size_t i = 0; i < ctx->opt.nview_opts; i++) {
		argv[k++] = ctx->opt.view_opts[i];
	}
	argv[k] = NULL;
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		trace_signals_restore_in_child(ctx);
		execv(path, argv);
		fprintf(stderr, "rdv-trace: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	free(argv);
	if (pid < 0) {
		return trace_error("cannot fork: %s", strerror(errno));
	}
	ctx->viewer_pid = pid;
	return 0;
}

void trace_viewer_wait(struct trace_ctx *ctx)
{
	if (ctx->viewer_pid <= 0) {
		return;
	}
	fprintf(stderr, "rdv-trace: session over; close the viewer to finish\n");
	while (waitpid(ctx->viewer_pid, NULL, 0) < 0 && errno == EINTR) {
	}
	ctx->viewer_pid = 0;
}

void trace_viewer_stop(struct trace_ctx *ctx)
{
	if (ctx->viewer_pid > 0) {
		kill(ctx->viewer_pid, SIGTERM);
		while (waitpid(ctx->viewer_pid, NULL, 0) < 0 && errno == EINTR) {
		}
		ctx->viewer_pid = 0;
	}
}
