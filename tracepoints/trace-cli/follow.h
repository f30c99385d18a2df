/* SPDX-License-Identifier: MIT */
/*
 * Following a program and every process it forks or execs, and nothing
 * else (DESIGN §5), with ptrace.
 *
 * The program is seized (PTRACE_SEIZE) while it waits, before its exec,
 * with PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC: the
 * kernel stops every new child (fork, vfork, posix_spawn, a clone with
 * its own address space) before it runs one instruction, and attaches it
 * with the same options. The new pid goes into the session's vpid tracker
 * while it is stopped, and only then is it let run: when its LTTng-UST
 * registers with the session daemon (at its exec'd program's start, or in
 * the fork wrapper liblttng-ust-fork for a forked librdv program), it is
 * tracked already, and LTTng-UST's constructor waits for the session
 * before main(), so no first event is lost. A process leaves the tracker
 * when it exits, before its pid can be reused (we read its exit with
 * WNOWAIT, untrack it, then reap it), so an unrelated process that gets
 * the pid later is not recorded.
 *
 * Threads are not traced (no PTRACE_O_TRACECLONE): the price is that a
 * process forked by a thread other than its parent's first thread is not
 * followed. Signals reach the traced processes as before (each stop is
 * resumed with its signal), job-control stops stay stops (PTRACE_LISTEN),
 * and the program's exit status is kept for rdv-trace's.
 */
#ifndef RDV_TRACE_FOLLOW_H
#define RDV_TRACE_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct trace_session;

struct trace_follow_proc {
	pid_t pid;
	bool started; /* its first stop was seen and resumed */
};

struct trace_follow {
	pid_t main_pid; /* the program; 0 before it is forked */
	bool main_exited;
	int main_status;		 /* its wait status, once main_exited */
	bool ptraced;			 /* descendants are followed */
	struct trace_follow_proc *procs; /* owned by this: the followed processes alive */
	size_t count, cap;
	uint64_t followed;     /* processes followed in all, the program included */
	uint64_t track_errors; /* processes the tracker could not take */
};

/* Starts following pid (our child, blocked before its exec). With
 * descendants false, or when ptrace is refused (returns -errno, e.g.
 * -EPERM in a container), only pid itself is followed. */
int trace_follow_start(struct trace_follow *f, pid_t pid, bool descendants);

/* Called for a child of ours that is not followed (the viewer, our relay,
 * the session daemon we started) when it exits. */
typedef void (*trace_follow_other_exit)(void *arg, pid_t pid, int status);

/* Handles every pending state change of our children without blocking:
 * tracks new processes in s, resumes stopped ones with their signal,
 * untracks the ones that exit. */
void trace_follow_reap(struct trace_follow *f, struct trace_session *s,
		       trace_follow_other_exit other, void *arg);

/* Are all the followed processes gone? */
static inline bool trace_follow_done(const struct trace_follow *f)
{
	return f->main_exited && f->count == 0;
}

void trace_follow_free(struct trace_follow *f);

#endif /* RDV_TRACE_FOLLOW_H */
