/* SPDX-License-Identifier: MIT */
/* The program and its descendants, followed with ptrace (see follow.h). */
#define _GNU_SOURCE
#include "follow.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "session.h"

static struct trace_follow_proc *find_proc(struct trace_follow *f, pid_t pid)
{
	for (size_t i = 0; i < f->count; i++) {
		if (f->procs[i].pid == pid) {
			return &f->procs[i];
		}
	}
	return NULL;
}

static struct trace_follow_proc *add_proc(struct trace_follow *f, pid_t pid, bool started)
{
	if (f->count == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct trace_follow_proc *grown = realloc(f->procs, cap * sizeof(*grown));

		if (!grown) {
			return NULL;
		}
		f->procs = grown;
		f->cap = cap;
	}
	f->procs[f->count] = (struct trace_follow_proc){.pid = pid, .started = started};
	f->followed++;
	return &f->procs[f->count++];
}

static void remove_proc(struct trace_follow *f, struct trace_follow_proc *p)
{
	*p = f->procs[--f->count];
}

int trace_follow_start(struct trace_follow *f, pid_t pid, bool descendants)
{
	long options = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;

	f->main_pid = pid;
	if (!add_proc(f, pid, true)) {
		return -ENOMEM;
	}
	if (!descendants) {
		return 0;
	}
	/* SEIZE, not TRACEME: no stop now, and group-stops are reported
	 * as such (PTRACE_EVENT_STOP) so that they can stay stops. */
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)options) < 0) {
		return -errno;
	}
	f->ptraced = true;
	return 0;
}

/* A new process, stopped before it ran: into the tracker, then free. */
static void track_new(struct trace_follow *f, struct trace_session *s, pid_t pid)
{
	if (trace_session_track(s, pid) < 0) {
		if (f->track_errors++ == 0) {
			fprintf(stderr, "rdv-trace: warning: %s: process %d is not recorded\n",
				s->error, (int)pid);
		}
	}
}

static void resume(pid_t pid, int sig)
{
	/* ESRCH: killed (SIGKILL) meanwhile; its exit comes next. */
	ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
}

static void on_stop(struct trace_follow *f, struct trace_session *s, pid_t pid, int status)
{
	struct trace_follow_proc *p = find_proc(f, pid);
	int event = (unsigned)status >> 16, sig = WSTOPSIG(status);
	unsigned long msg = 0;

	if (!p) {
		/* A new child whose first stop came before its parent's fork
		 * event: it has not run yet. */
		track_new(f, s, pid);
		if (!add_proc(f, pid, true)) {
			f->track_errors++;
		}
		resume(pid, 0);
		return;
	}
	if (!p->started) {
		p->started = true; /* tracked at its parent's fork event */
		if (event == PTRACE_EVENT_STOP) {
			resume(pid, 0); /* its first stop */
			return;
		}
	}
	switch (event) {
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0 && msg &&
		    !find_proc(f, (pid_t)msg)) {
			track_new(f, s, (pid_t)msg);
			if (!add_proc(f, (pid_t)msg, false)) {
				f->track_errors++;
			}
		}
		resume(pid, 0);
		break;
	case PTRACE_EVENT_EXEC:
		resume(pid, 0);
		break;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			/* group-stop: stay stopped until SIGCONT */
			ptrace(PTRACE_LISTEN, pid, NULL, NULL);
		} else {
			resume(pid, 0);
		}
		break;
	default:
		resume(pid, sig); /* signal-delivery-stop: deliver it */
		break;
	}
}

void trace_follow_reap(struct trace_follow *f, struct trace_session *s,
		       trace_follow_other_exit other, void *arg)
{
	for (;;) {
		struct trace_follow_proc *p;
		siginfo_t si;
		int status;
		pid_t pid;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0) {
			if (errno == EINTR) {
				continue;
			}
			return; /* ECHILD: no child left */
		}
		if (si.si_pid == 0) {
			return; /* none has anything to report */
		}
		pid = si.si_pid;
		p = find_proc(f, pid);
		if (p && (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED ||
			  si.si_code == CLD_DUMPED)) {
			/* Still a zombie (WNOWAIT): its pid cannot be reused
			 * before it leaves the tracker. */
			trace_session_untrack(s, pid);
		}
		while (waitpid(pid, &status, __WALL) < 0) {
			if (errno != EINTR) {
				return;
			}
		}
		if (WIFSTOPPED(status)) {
			on_stop(f, s, pid, status);
			continue;
		}
		if (!WIFEXITED(status) && !WIFSIGNALED(status)) {
			continue;
		}
		if (!p) {
			if (other) {
				other(arg, pid, status);
			}
			continue;
		}
		if (pid == f->main_pid) {
			f->main_exited = true;
			f->main_status = status;
		}
		remove_proc(f, p);
	}
}

void trace_follow_free(struct trace_follow *f)
{
	free(f->procs);
	f->procs = NULL;
	f->count = f->cap = 0;
}
