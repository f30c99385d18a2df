/* SPDX-License-Identifier: MIT */
/*
 * samples/wakeall — the same server as samples/poller, with the old sync
 * point instead of librdv: to be alone, the control thread writes an eventfd
 * that every worker polls, which wakes every worker, even idle ones; each
 * worker then waits in a barrier until the control thread is done. Both
 * isolation kinds are the same here (every worker is parked at its sync
 * point, which is as strong as rdv_isolate_full()). Compare its summary line
 * with samples/poller's on the same options (bench/poller-vs-wakeall).
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "server.h"

static int sync_fd = -1;
static pthread_barrier_t arrived;  /* every worker parked, control alone */
static pthread_barrier_t released; /* control done */

static int wakeall_setup(unsigned threads)
{
	sync_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sync_fd < 0 || pthread_barrier_init(&arrived, NULL, threads) ||
	    pthread_barrier_init(&released, NULL, threads)) {
		return -1;
	}
	return 0;
}

static void wakeall_teardown(void)
{
	pthread_barrier_destroy(&arrived);
	pthread_barrier_destroy(&released);
	close(sync_fd);
}

static void *wakeall_thread_enter(void)
{
	return NULL;
}

static void wakeall_nothing(void *h)
{
	(void)h;
}

static int wakeall_worker_fd(void)
{
	return sync_fd;
}

/* A worker woke up on the sync fd: park until the control thread is done. */
static void wakeall_worker_fd_ready(void *h)
{
	(void)h;
	pthread_barrier_wait(&arrived);
	pthread_barrier_wait(&released);
}

static void wakeall_isolate(void *h, bool full)
{
	uint64_t one = 1, value;

	(void)h, (void)full;
	if (write(sync_fd, &one, sizeof(one)) != sizeof(one)) {
		return; /* cannot fail: the counter never nears overflow */
	}
	pthread_barrier_wait(&arrived);
	/* Every worker is parked: reset the fd before they poll again. */
	if (read(sync_fd, &value, sizeof(value)) < 0) {
		return;
	}
}

static void wakeall_release(void *h, bool full)
{
	(void)h, (void)full;
	pthread_barrier_wait(&released);
}

static const struct sample_sync wakeall_sync = {
    .name = "wakeall",
    .setup = wakeall_setup,
    .teardown = wakeall_teardown,
    .thread_enter = wakeall_thread_enter,
    .thread_leave = wakeall_nothing,
    .wait_begin = wakeall_nothing,
    .wait_end = wakeall_nothing,
    .worker_fd = wakeall_worker_fd,
    .worker_fd_ready = wakeall_worker_fd_ready,
    .isolate = wakeall_isolate,
    .release = wakeall_release,
};

int main(int argc, char **argv)
{
	return sample_server_main(&wakeall_sync, argc, argv);
}
