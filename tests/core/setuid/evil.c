/* SPDX-License-Identifier: MIT */
/* Stands for a library an attacker names in RDV_TRACEPOINTS: if it is
 * loaded, its constructor leaves a mark (the file RDV_TEST_MARKER names). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static void __attribute__((constructor)) leave_mark(void)
{
	const char *path = getenv("RDV_TEST_MARKER");

	if (path) {
		int fd = open(path, O_WRONLY | O_CREAT, 0666);

		if (fd >= 0) {
			close(fd);
		}
	}
}
