#!/usr/bin/env python3
# Runs a command on a new pseudo-terminal and types Ctrl-C after DELAY
# seconds, as a user would: the terminal sends SIGINT to the whole foreground
# process group. Prints the command's output, exits with its status.
# Usage: pty-ctrl-c.py DELAY COMMAND [ARG]...
import os
import pty
import select
import sys
import time

delay = float(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
start = time.monotonic()
sent = False
while True:
    if not sent and time.monotonic() - start >= delay:
        os.write(fd, b"\x03")
        sent = True
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's last user is gone
            break
        if not data:
            break
        sys.stdout.write(data.decode(errors="replace"))
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
