/* SPDX-License-Identifier: MIT */
/* samples/hello — the smallest correct use of librdv: two workers "poll"
 * while idle; the main thread gets alone to change shared state. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rdv/rdv.h>

static struct rdv *dom;
static int shared; /* written only while isolated */

static void *worker(void *arg)
{
	struct rdv_thread *me = rdv_thread_register(dom); /* running */

	for (int i = 0; i < 50; i++) {
		rdv_idle_now(me); /* about to sleep in the poller: harmless */
		usleep(1000);	  /* your epoll_wait() */
		rdv_idle_end(me); /* waits here while another thread is isolated */
		(void)shared;	  /* may read shared state again */
	}
	rdv_thread_unregister(me);
	return arg;
}

#ifndef RDV_VERSION_STRING
#define RDV_VERSION_STRING "unknown"
#endif

int main(int argc, char **argv)
{
	pthread_t t[2];
	struct rdv_thread *me;

	if (argc > 1) { /* no options but --help and --version */
		if (strcmp(argv[1], "--help") == 0) {
			puts("Usage: hello\nTwo workers poll; main isolates 10 times.");
			return 0;
		}
		if (strcmp(argv[1], "--version") == 0) {
			puts("hello (rdv) " RDV_VERSION_STRING);
			return 0;
		}
		fprintf(stderr, "hello: unexpected argument '%s'\nTry 'hello --help'.\n", argv[1]);
		return 2;
	}
	dom = rdv_create(3); /* room for 2 workers and this thread */
	me = rdv_thread_register(dom);
	for (int i = 0; i < 2; i++) {
		pthread_create(&t[i], NULL, worker, NULL);
	}
	for (int i = 0; i < 10; i++) {
		rdv_isolate(me); /* returns when every other thread is harmless */
		shared++;	 /* alone */
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
