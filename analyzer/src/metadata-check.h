/* SPDX-License-Identifier: MIT */
/*
 * A check of a CTF 1.8 metadata file before Babeltrace2 reads it:
 * Babeltrace2 2.0 loops forever (100 % CPU) on some truncated metadata
 * files (a packet cut short). Packetized metadata must be whole packets
 * (headers sane, content complete; only the last packet's padding may be
 * missing), and the TSDL text (packetized or plain) must be complete:
 * braces balanced outside strings and comments, no NUL byte, ending with a
 * ';'. This is no parser: what passes may still be refused by Babeltrace2,
 * which then fails quickly with its own reason. No Babeltrace2 here (fuzzed
 * alone).
 */
#ifndef RDV_METADATA_CHECK_H
#define RDV_METADATA_CHECK_H

#include <stddef.h>

/* 0, or -EBADMSG (with a reason) or -errno (cannot read it). */
int metadata_check_file(const char *path, char *why, size_t whylen);
int metadata_check_mem(const unsigned char *buf, size_t len, char *why, size_t whylen);

#endif /* RDV_METADATA_CHECK_H */
