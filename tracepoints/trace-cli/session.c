/* SPDX-License-Identifier: MIT */
/*
 * The LTTng side of rdv-trace, through liblttng-ctl.
 *
 * Why liblttng-ctl and not the `lttng` CLI: it is LTTng's C API, so every
 * step returns an error code we can turn into one clear line (the CLI's
 * messages and exit codes would have to be parsed), the tracker and the
 * discarded-event counter of a channel are plain calls, and there is no
 * dependency on the CLI's output format across LTTng versions.
 *
 * Why per-UID buffers: they are LTTng's default for user space, their size
 * does not grow with the number of traced processes, and they belong to the
 * session, not to the process: when the traced program exits, its last
 * sub-buffers stay in them and are written out by lttng_stop_tracing(), so
 * the trace on disk is complete once stop returns (per-PID buffers are torn
 * down with their process, and a short program's tail and its discarded
 * count are then at the mercy of that teardown). The session only records
 * the tracked vpid, so other rdv programs of the same user that run at the
 * same time do not share the buffers' contents.
 */
#define _GNU_SOURCE
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <lttng/lttng.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fail(struct trace_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *lttng_reason(int code)
{
	return lttng_strerror(code < 0 ? code : -code);
}

/* The sessiond reaches the relay when the session or its first channel is
 * created: either step may be where an unreachable relay shows. */
static int fail_lttng(struct trace_session *s, const char *what, int code)
{
	if (code < 0) {
		code = -code;
	}
	if (s->relay_url &&
	    (code == LTTNG_ERR_RELAYD_CONNECT_FAIL || code == LTTNG_ERR_RELAYD_VERSION_FAIL)) {
		return fail(s,
			    "cannot reach the relay daemon at %s: %s (is lttng-relayd running "
			    "there, on these ports?)",
			    s->relay_url, lttng_reason(code));
	}
	return fail(s, "%s: %s", what, lttng_reason(code));
}

/* ---- session daemon ---- */

/* Full path of `name` in PATH, into buf; -1 when not found. */
static int find_in_path(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t dirlen = colon ? (size_t)(colon - path) : strlen(path);

		if (dirlen &&
		    (size_t)snprintf(buf, len, "%.*s/%s", (int)dirlen, path, name) < len &&
		    access(buf, X_OK) == 0) {
			return 0;
		}
		path = colon ? colon + 1 : NULL;
	}
	return -1;
}

int trace_sessiond_ensure(struct trace_session *s, bool autostart)
{
	char exe[4096];
	sigset_t wait_for, old;
	struct timespec timeout = {10, 0};
	pid_t pid;
	int sig;

	if (lttng_session_daemon_alive() == 1) {
		return 0;
	}
	if (!autostart) {
		return fail(s, "no LTTng session daemon is reachable (start one with "
			       "'lttng-sessiond --daemonize --no-kernel', or drop --no-autostart)");
	}
	if (find_in_path("lttng-sessiond", exe, sizeof(exe)) < 0) {
		return fail(s, "no LTTng session daemon is reachable and lttng-sessiond is not in "
			       "PATH: is LTTng installed (Debian/Ubuntu: lttng-tools)?");
	}
	/* --sig-parent: the daemon sends us SIGUSR1 once it accepts commands.
	 * It runs in its own session so a Ctrl-C on our terminal spares it. */
	sigemptyset(&wait_for);
	sigaddset(&wait_for, SIGUSR1);
	sigaddset(&wait_for, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wait_for, &old);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		sigset_t none;

		/* a daemon of its own: none of our blocked signals */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (null >= 0) {
			dup2(null, 0), dup2(null, 1), dup2(null, 2);
		}
		execl(exe, "lttng-sessiond", "--no-kernel", "--sig-parent", (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return fail(s, "cannot start lttng-sessiond: %s", strerror(errno));
	}
	sig = sigtimedwait(&wait_for, NULL, &timeout);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (sig != SIGUSR1 || lttng_session_daemon_alive() != 1) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return fail(s,
			    "no LTTng session daemon is reachable, and the one started (%s) "
			    "did not come up",
			    exe);
	}
	s->sessiond_pid = pid;
	return 0;
}

void trace_sessiond_release(struct trace_session *s)
{
	if (s->sessiond_pid > 0) {
		kill(s->sessiond_pid, SIGTERM);
		waitpid(s->sessiond_pid, NULL, 0);
		s->sessiond_pid = 0;
	}
}

/* ---- session ---- */

static struct lttng_domain ust_domain(void)
{
	struct lttng_domain domain;

	memset(&domain, 0, sizeof(domain));
	domain.type = LTTNG_DOMAIN_UST;
	domain.buf_type = LTTNG_BUFFER_PER_UID;
	return domain;
}

/* Can we open a TCP connection to the relay's control port, within 3 s?
 * Checked before creating the session: the session daemon's own failure
 * path for an unreachable relay is slow and sometimes drops the client
 * connection ("Fatal error of the session daemon") instead of saying so. */
static int check_relay(struct trace_session *s)
{
	const char *url = s->relay_url, *host, *end;
	char hostbuf[256], port[16] = "5342"; /* lttng-relayd's default control port */
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL, *a;
	int err = 0, ret = -1;

	if (strncmp(url, "net://", 6) == 0) {
		host = url + 6;
	} else if (strncmp(url, "net6://", 7) == 0) {
		host = url + 7;
	} else {
		return fail(s,
			    "invalid relay URL '%s' (expected net://HOST[:CONTROL_PORT:DATA_PORT])",
			    url);
	}
	if (*host == '[') {
		end = strchr(++host, ']');
		if (!end) {
			return fail(s, "invalid relay URL '%s'", url);
		}
	} else {
		end = host + strcspn(host, ":/");
	}
	if (end == host || (size_t)(end - host) >= sizeof(hostbuf)) {
		return fail(s, "invalid relay URL '%s': no host", url);
	}
	snprintf(hostbuf, sizeof(hostbuf), "%.*s", (int)(end - host), host);
	if (*end == ']') {
		end++;
	}
	if (*end == ':') {
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(end + 1, ":/"), end + 1);
	}
	err = getaddrinfo(hostbuf, port, &hints, &ai);
	if (err) {
		return fail(s, "cannot reach the relay daemon at %s: %s", url, gai_strerror(err));
	}
	for (a = ai; a && ret < 0; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		socklen_t len = sizeof(err);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			ret = 0;
		} else if (errno != EINPROGRESS) {
			err = errno;
		} else if (poll(&pfd, 1, 3000) != 1) {
			err = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
			ret = 0;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	if (ret < 0) {
		return fail(s,
			    "cannot reach the relay daemon at %s: %s (is lttng-relayd running "
			    "there, on these ports?)",
			    url, strerror(err));
	}
	return 0;
}

static int create_descriptor(struct trace_session *s)
{
	struct lttng_session_descriptor *desc;
	enum lttng_error_code code;

	if (s->relay_url && check_relay(s) < 0) {
		return -1;
	}
	if (s->live) {
		/* Live timer: a viewer sees events within 100 ms. */
		desc = lttng_session_descriptor_live_network_create(s->name, s->relay_url, NULL,
								    100000);
	} else if (s->relay_url) {
		desc = lttng_session_descriptor_network_create(s->name, s->relay_url, NULL);
	} else {
		desc = lttng_session_descriptor_local_create(s->name, s->output_dir);
	}
	if (!desc) {
		return s->relay_url ? fail(s,
					   "invalid relay URL '%s' (expected "
					   "net://HOST[:CONTROL_PORT:DATA_PORT])",
					   s->relay_url)
				    : fail(s, "invalid session name or output directory");
	}
	code = lttng_create_session_ext(desc);
	lttng_session_descriptor_destroy(desc);
	if (code != LTTNG_OK) {
		char what[200];

		snprintf(what, sizeof(what), "cannot create LTTng session '%s'", s->name);
		return fail_lttng(s, what, code);
	}
	s->created = true;
	return 0;
}

static int track_first_vpid(struct trace_session *s)
{
	enum lttng_error_code code;

	code = lttng_session_get_tracker_handle(s->name, LTTNG_DOMAIN_UST,
						LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID, &s->tracker);
	if (code != LTTNG_OK) {
		s->tracker = NULL;
		return fail(s, "cannot get the vpid tracker: %s", lttng_reason(code));
	}
	if (lttng_process_attr_tracker_handle_set_tracking_policy(
		s->tracker, LTTNG_TRACKING_POLICY_INCLUDE_SET) !=
	    LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK) {
		return fail(s, "cannot set the vpid tracker's policy");
	}
	return trace_session_track(s, s->track_vpid);
}

int trace_session_track(struct trace_session *s, pid_t vpid)
{
	enum lttng_process_attr_tracker_handle_status st;

	st = lttng_process_attr_virtual_process_id_tracker_handle_add_pid(s->tracker, vpid);
	if (st != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK &&
	    st != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_EXISTS) {
		return fail(s, "cannot track vpid %d (status %d)", (int)vpid, (int)st);
	}
	return 0;
}

int trace_session_untrack(struct trace_session *s, pid_t vpid)
{
	enum lttng_process_attr_tracker_handle_status st;

	st = lttng_process_attr_virtual_process_id_tracker_handle_remove_pid(s->tracker, vpid);
	if (st != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK &&
	    st != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_MISSING) {
		return fail(s, "cannot stop tracking vpid %d (status %d)", (int)vpid, (int)st);
	}
	return 0;
}

/* One recording rule: every event of a provider, any log level. */
static int enable_provider(struct trace_session *s, struct lttng_handle *handle,
			   const char *pattern)
{
	struct lttng_event *rule = lttng_event_create();
	int ret;

	if (!rule) {
		return fail(s, "out of memory");
	}
	snprintf(rule->name, sizeof(rule->name), "%s", pattern);
	rule->type = LTTNG_EVENT_TRACEPOINT;
	rule->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
	ret = lttng_enable_event(handle, rule, TRACE_CHANNEL);
	lttng_event_destroy(rule);
	if (ret < 0) {
		return fail(s, "cannot enable %s events: %s", pattern, lttng_reason(ret));
	}
	return 0;
}

int trace_session_create(struct trace_session *s)
{
	/* rdv:* is the point; the statedump (objects mapped when the
	 * process registers or the session starts) and lttng_ust_dl (objects
	 * dlopen()ed later, when liblttng-ust-dl is preloaded) let a reader
	 * turn a mask_change's `caller` into object, function and line;
	 * lttng_ust_lib:unload is the only event that says an object went
	 * away (lttng_ust_dl:dlclose fires on every dlclose() call). */
	static const char *const providers[] = {"rdv:*", "lttng_ust_statedump:*", "lttng_ust_dl:*",
						 "lttng_ust_lib:*"};
	static const enum lttng_event_context_type contexts[] = {
	    LTTNG_EVENT_CONTEXT_VPID,
	    LTTNG_EVENT_CONTEXT_VTID,
	    LTTNG_EVENT_CONTEXT_PROCNAME,
	};
	struct lttng_domain domain = ust_domain();
	struct lttng_handle *handle = NULL;
	struct lttng_channel *chan = NULL;
	size_t i;
	int ret, status = -1;

	if (create_descriptor(s) < 0) {
		return -1;
	}
	handle = lttng_create_handle(s->name, &domain);
	chan = lttng_channel_create(&domain);
	if (!handle || !chan) {
		fail(s, "out of memory");
		goto end;
	}
	/* Discard mode: a full buffer loses new events (counted), never
	 * overwrites recorded ones. */
	snprintf(chan->name, sizeof(chan->name), "%s", TRACE_CHANNEL);
	chan->enabled = 1;
	chan->attr.overwrite = 0;
	chan->attr.subbuf_size = s->subbuf_size;
	chan->attr.num_subbuf = s->num_subbuf;
	ret = lttng_enable_channel(handle, chan);
	if (ret < 0) {
		char what[200];

		snprintf(what, sizeof(what), "cannot create channel (%llu x %llu bytes)",
			 (unsigned long long)s->num_subbuf, (unsigned long long)s->subbuf_size);
		fail_lttng(s, what, ret);
		goto end;
	}
	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		if (enable_provider(s, handle, providers[i]) < 0) {
			goto end;
		}
	}
	for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
		struct lttng_event_context ctx;

		memset(&ctx, 0, sizeof(ctx));
		ctx.ctx = contexts[i];
		ret = lttng_add_context(handle, &ctx, NULL, TRACE_CHANNEL);
		if (ret < 0) {
			fail(s, "cannot add context: %s", lttng_reason(ret));
			goto end;
		}
	}
	if (track_first_vpid(s) < 0) {
		goto end;
	}
	status = 0;
end:
	lttng_channel_destroy(chan);
	lttng_destroy_handle(handle);
	return status;
}

int trace_session_start(struct trace_session *s)
{
	int ret = lttng_start_tracing(s->name);

	if (ret < 0) {
		return fail_lttng(s, "cannot start tracing", ret);
	}
	s->started = true;
	return 0;
}

int trace_session_stop(struct trace_session *s, uint64_t *discarded)
{
	struct lttng_domain domain = ust_domain();
	struct lttng_handle *handle;
	struct lttng_channel *chans = NULL;
	int ret, n, i;

	*discarded = 0;
	if (s->started) {
		ret = lttng_stop_tracing(s->name);
		if (ret < 0) {
			return fail(s, "cannot stop tracing: %s", lttng_reason(ret));
		}
		s->started = false;
	}
	handle = lttng_create_handle(s->name, &domain);
	n = handle ? lttng_list_channels(handle, &chans) : -1;
	for (i = 0; i < n; i++) {
		if (strcmp(chans[i].name, TRACE_CHANNEL) == 0) {
			lttng_channel_get_discarded_event_count(&chans[i], discarded);
		}
	}
	/* A cross-check only (the count reported is the trace's). This
	 * counter was seen as 2^63 + N on a poller trace (LTTng 2.13, per-UID
	 * buffers; not reproduced since): the count is in the low bits. */
	*discarded &= ~(UINT64_C(1) << 63);
	free(chans);
	lttng_destroy_handle(handle);
	return 0;
}

int trace_session_destroy(struct trace_session *s)
{
	int ret;

	lttng_process_attr_tracker_handle_destroy(s->tracker);
	s->tracker = NULL;
	if (!s->created) {
		return 0;
	}
	ret = lttng_destroy_session(s->name);
	s->created = false;
	if (ret < 0) {
		return fail(s, "cannot destroy session '%s': %s", s->name, lttng_reason(ret));
	}
	return 0;
}
