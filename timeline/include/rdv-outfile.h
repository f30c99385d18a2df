/* SPDX-License-Identifier: MIT */
/*
 * Output files that a failed run may remove: only the regular file this
 * process opened at that path (same device and inode, not a symbolic link),
 * never a device node, a FIFO, a link or a file it did not open — a user's
 * `--json /dev/null`, or a path that points somewhere else by the time the
 * run fails, stays as it was.
 */
#ifndef RDV_OUTFILE_H
#define RDV_OUTFILE_H

#include <stdbool.h>
#include <sys/types.h>

struct rdv_outfile {
	const char *path; /* weak: must outlive the registration */
	dev_t dev;
	ino_t ino;
	bool removable; /* a regular file, opened by this process */
};

/* Notes what fd, just opened at path, is; registers it for
 * rdv_outfile_remove_all() until rdv_outfile_forget(). */
void rdv_outfile_note(struct rdv_outfile *of, const char *path, int fd);
/* The run succeeded (or the file is closed for good): keep it. */
void rdv_outfile_forget(struct rdv_outfile *of);
/* The run failed: removes the file if it is still the one noted. */
void rdv_outfile_remove(struct rdv_outfile *of);
/* Removes every registered file (async-signal-safe: lstat and unlink only;
 * for a watchdog that ends the process). */
void rdv_outfile_remove_all(void);

#endif /* RDV_OUTFILE_H */
