/* SPDX-License-Identifier: MIT */
#include "rdv-outfile.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The registered files, for rdv_outfile_remove_all(): a few outputs per
 * run (json, csv, chrome, isolations, timeline). */
#define RDV_OUTFILE_MAX 16
static struct rdv_outfile *_Atomic registered[RDV_OUTFILE_MAX];

void rdv_outfile_note(struct rdv_outfile *of, const char *path, int fd)
{
	struct stat st, lst;

	memset(of, 0, sizeof(*of));
	of->path = path;
	if (fd < 0 || fstat(fd, &st) != 0 || lstat(path, &lst) != 0) {
		return;
	}
	of->removable = S_ISREG(st.st_mode) && S_ISREG(lst.st_mode) && st.st_dev == lst.st_dev &&
			st.st_ino == lst.st_ino;
	of->dev = st.st_dev;
	of->ino = st.st_ino;
	if (!of->removable) {
		return;
	}
	for (int i = 0; i < RDV_OUTFILE_MAX; i++) {
		struct rdv_outfile *none = NULL;

		if (atomic_compare_exchange_strong(&registered[i], &none, of)) {
			return;
		}
	}
}

void rdv_outfile_forget(struct rdv_outfile *of)
{
	for (int i = 0; i < RDV_OUTFILE_MAX; i++) {
		struct rdv_outfile *me = of;

		atomic_compare_exchange_strong(&registered[i], &me, NULL);
	}
	of->removable = false;
}

static void remove_one(const struct rdv_outfile *of)
{
	struct stat st;

	if (of->removable && lstat(of->path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == of->dev && st.st_ino == of->ino) {
		unlink(of->path);
	}
}

void rdv_outfile_remove(struct rdv_outfile *of)
{
	remove_one(of);
	rdv_outfile_forget(of);
}

void rdv_outfile_remove_all(void)
{
	for (int i = 0; i < RDV_OUTFILE_MAX; i++) {
		struct rdv_outfile *of = atomic_load(&registered[i]);

		if (of) {
			remove_one(of);
		}
	}
}
