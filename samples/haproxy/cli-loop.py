#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives HAProxy's CLI socket with commands that isolate, for a bounded time.

usage: cli-loop.py SOCKET SECONDS MAX_ROUNDS BACKEND ADDR [LOG]

Each round sends, one connection per command (HAProxy's non-interactive
CLI), the commands of HAProxy 2.6 that call thread_isolate() or
thread_isolate_full(), and the two that make "del server" possible:

  show sess                     cli_io_handler_dump_sess()     isolate
  show fd                       cli_io_handler_show_fd()       isolate
  show tasks                    cli_io_handler_show_tasks()    isolate
  add server BACKEND/dynN ADDR  cli_parse_add_server()         isolate
  enable server BACKEND/dynN    (server lock only)
  disable server BACKEND/dynN   (server lock only)
  del server BACKEND/dynN       cli_parse_delete_server()      isolate_full

It stops after SECONDS or MAX_ROUNDS rounds, whichever comes first, and
prints one line: rounds=R commands=C failed=F del_ok=D del_refused=X
("del server" is refused while the new server still holds a connection:
the full isolation happened all the same). A failed command is one whose
connection failed or whose answer is not what HAProxy prints on success.
LOG, when given, gets every command and its answer.
"""
import socket
import sys
import time


def cli(path, command, timeout=5.0):
    """Sends one command, returns HAProxy's whole answer (None: no answer)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(command.encode() + b"\n")
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks).decode(errors="replace")
    except OSError:
        return None
    finally:
        s.close()


def main():
    if len(sys.argv) not in (6, 7):
        sys.stderr.write("cli-loop.py: usage: cli-loop.py SOCKET SECONDS MAX_ROUNDS BACKEND ADDR [LOG]\n")
        return 2
    path, seconds, max_rounds, backend, addr = sys.argv[1:6]
    log = open(sys.argv[6], "w") if len(sys.argv) == 7 else None
    deadline = time.monotonic() + float(seconds)
    rounds = commands = failed = del_ok = del_refused = 0

    def run(command, ok):
        nonlocal commands, failed
        answer = cli(path, command)
        commands += 1
        if log:
            log.write("> %s\n%s\n" % (command, answer))
        if answer is None or not ok(answer):
            failed += 1
        return answer or ""

    while rounds < int(max_rounds) and time.monotonic() < deadline:
        name = "%s/dyn%d" % (backend, rounds)
        run("show sess", lambda a: "proto=" in a or a.strip() == "")
        run("show fd", lambda a: "owner=" in a)
        run("show tasks", lambda a: "Running tasks" in a)
        run("add server %s %s" % (name, addr), lambda a: "New server registered." in a)
        run("enable server " + name, lambda a: a.strip() == "")
        time.sleep(0.01)  # let the new server take a few requests
        run("disable server " + name, lambda a: a.strip() == "")
        answer = run("del server " + name,
                     lambda a: "Server deleted." in a or "still has connections" in a)
        if "Server deleted." in answer:
            del_ok += 1
        elif "still has connections" in answer:
            del_refused += 1
        rounds += 1
    if log:
        log.close()
    print("rounds=%d commands=%d failed=%d del_ok=%d del_refused=%d"
          % (rounds, commands, failed, del_ok, del_refused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
