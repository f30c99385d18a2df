#!/usr/bin/env python3
# Runs a command on a new pseudo-terminal and types Ctrl-C after DELAY
# seconds, as a user would: the terminal sends SIGINT to the whole foreground
# process group. DELAY may be a comma-separated list ("1,4": Ctrl-C at 1 s,
# again at 4 s). Prints the command's output, exits with its status once the
# command has exited (processes it left running may keep the terminal open).
# Usage: pty-ctrl-c.py DELAY[,DELAY]... COMMAND [ARG]...
import os
import pty
import select
import sys
import time

delays = [float(d) for d in sys.argv[1].split(",")]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
start = time.monotonic()
status = None
while True:
    if delays and time.monotonic() - start >= delays[0]:
        os.write(fd, b"\x03")
        delays.pop(0)
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's last user is gone
            break
        if not data:
            break
        sys.stdout.write(data.decode(errors="replace"))
    elif status is not None:
        break  # exited, and nothing more to read
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
if status is None:
    _, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
