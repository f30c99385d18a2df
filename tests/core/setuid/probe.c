/* SPDX-License-Identifier: MIT */
/* A program linked with librdv, run set-user-ID by setuid.sh: prints
 * whether the kernel marked it secure (AT_SECURE), then uses librdv (whose
 * constructor has already decided whether to load RDV_TRACEPOINTS). */
#include <stdio.h>
#include <sys/auxv.h>

#include <rdv/rdv.h>

int main(void)
{
	struct rdv *d = rdv_create(1);
	struct rdv_thread *t = rdv_thread_register(d);

	rdv_isolate(t);
	rdv_release(t);
	rdv_thread_unregister(t);
	rdv_destroy(d);
	printf("secure=%lu\n", getauxval(AT_SECURE));
	return 0;
}
