/* SPDX-License-Identifier: MIT */
/*
 * samples/poller — an HAProxy-style event-loop server whose control thread
 * gets alone with librdv: workers mark themselves idle around epoll_wait(),
 * so an isolation goes on while they sleep, without waking them. The table
 * walk uses rdv_isolate() (others harmless), the configuration swap
 * rdv_isolate_full() (others in their poller). The server and the load are
 * in ../common/server.c, shared with samples/wakeall.
 */
#include <errno.h>
#include <stdlib.h>

#include <rdv/rdv.h>

#include "server.h"

static struct rdv *domain;

static int poller_setup(unsigned threads)
{
	domain = rdv_create(threads);
	return domain ? 0 : -1;
}

static void poller_teardown(void)
{
	rdv_destroy(domain);
}

static void *poller_thread_enter(void)
{
	struct rdv_thread *me = rdv_thread_register(domain);

	if (!me) {
		abort(); /* the domain is sized for every thread */
	}
	return me;
}

static void poller_thread_leave(void *h)
{
	rdv_thread_unregister(h);
}

static void poller_wait_begin(void *h)
{
	rdv_idle_now(h);
}

static void poller_wait_end(void *h)
{
	rdv_idle_end(h);
}

static int poller_worker_fd(void)
{
	return -1; /* nothing to wake: that is the point */
}

static void poller_worker_fd_ready(void *h)
{
	(void)h;
}

static void poller_isolate(void *h, bool full)
{
	if (full) {
		rdv_isolate_full(h);
	} else {
		rdv_isolate(h);
	}
}

static void poller_release(void *h, bool full)
{
	(void)full;
	rdv_release(h);
}

static const struct sample_sync poller_sync = {
    .name = "poller",
    .setup = poller_setup,
    .teardown = poller_teardown,
    .thread_enter = poller_thread_enter,
    .thread_leave = poller_thread_leave,
    .wait_begin = poller_wait_begin,
    .wait_end = poller_wait_end,
    .worker_fd = poller_worker_fd,
    .worker_fd_ready = poller_worker_fd_ready,
    .isolate = poller_isolate,
    .release = poller_release,
};

int main(int argc, char **argv)
{
	return sample_server_main(&poller_sync, argc, argv);
}
