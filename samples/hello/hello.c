/* SPDX-License-Identifier: MIT */
/* samples/hello — the smallest correct use of librdv: two workers "poll"
 * (sleep) while idle; the main thread gets alone to change shared state. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rdv/rdv.h>

static struct rdv *dom;
static int shared = 0; /* changed only while isolated */

static void *worker(void *arg)
{
	struct rdv_thread *me = rdv_thread_register(dom); /* me: running */

	(void)arg;
	for (int i = 0; i < 50; i++) {
		rdv_idle_now(me);  /* about to sleep in the poller: harmless */
		usleep(1000);      /* your epoll_wait() */
		rdv_idle_end(me);  /* may wait here while someone is isolated */
		(void)shared;      /* safe to read shared state now */
	}
	rdv_thread_unregister(me);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	struct rdv_thread *me;

	if (argc > 1) { /* --help, or anything */
		printf("Usage: %s\nTwo threads poll, the main thread isolates 10 times.\n", argv[0]);
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	dom = rdv_create(3); /* room for 2 workers and this thread */
	me = rdv_thread_register(dom);
	for (int i = 0; i < 2; i++) {
		pthread_create(&t[i], NULL, worker, NULL);
	}
	for (int i = 0; i < 10; i++) {
		rdv_isolate(me);   /* returns when every other thread is harmless */
		shared++;          /* alone: nobody else touches shared state */
		rdv_release(me);
		usleep(2000);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
	}
	rdv_thread_unregister(me);
	rdv_destroy(dom);
	printf("hello: %d isolations\n", shared);
	return 0;
}
