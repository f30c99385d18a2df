#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copies an LTTng trace directory without some of its packets, so that
Babeltrace2 sees lost data where the original trace had none, with the
original's timestamps (what a lossy or late session would have recorded,
but comparable event for event with the whole trace, which two LTTng
sessions are not: each stamps an event apart).

    drop-packets.py SRC DST --every K [--first N]

In each stream file of each CTF trace under SRC: drops every K-th packet
(from the second, never the last; Babeltrace2 reports the packet sequence
number gap as discarded packets), and with --first N the first N packets (the stream then
starts later: a session that attached). The index directories are not
copied (Babeltrace2 indexes the streams itself).
"""
import argparse
import os
import shutil
import struct
import sys


def packets(data):
    off = 0
    while off + 64 <= len(data):
        magic, = struct.unpack_from("<I", data, off)
        if magic != 0xC1FC1FC1:
            sys.exit("drop-packets: no packet magic at %d" % off)
        # header: magic, uuid[16], stream_id u32, stream_instance_id u64;
        # context: timestamp_begin, timestamp_end, content_size,
        # packet_size (bits), ...
        size, = struct.unpack_from("<Q", data, off + 56)
        if size % 8 or size == 0:
            sys.exit("drop-packets: bad packet size at %d" % off)
        yield data[off:off + size // 8]
        off += size // 8


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--every", type=int, default=0)
    ap.add_argument("--first", type=int, default=0)
    a = ap.parse_args()
    dropped = kept = 0
    for root, dirs, files in os.walk(a.src):
        rel = os.path.relpath(root, a.src)
        if os.path.basename(root) == "index":
            continue
        os.makedirs(os.path.join(a.dst, rel), exist_ok=True)
        for f in files:
            sp, dp = os.path.join(root, f), os.path.join(a.dst, rel, f)
            if f == "metadata" or "metadata" not in files:
                shutil.copyfile(sp, dp)
                continue
            out = []
            ps = list(packets(open(sp, "rb").read()))
            for i, p in enumerate(ps):
                # (never the last: a loss is seen as a gap in the packets'
                # sequence numbers, which needs a packet after it)
                if i < a.first or (a.every and i and i % a.every == 0 and i + 1 < len(ps)):
                    dropped += 1
                else:
                    out.append(p)
                    kept += 1
            open(dp, "wb").write(b"".join(out))
    print("drop-packets: %d packets kept, %d dropped" % (kept, dropped))


if __name__ == "__main__":
    main()
