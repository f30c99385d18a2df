#!/usr/bin/env bash
# Runs HAProxy 2.6 on librdv under load while its CLI isolates, records it
# with rdv-trace, then analyzes and pictures the trace (samples/haproxy).
#
#   samples/haproxy/run.sh [OPTIONS] OUT_DIR [SECONDS]
#
# Everything listens on 127.0.0.1; every loop and every wait is bounded;
# every process started here is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
prog=run.sh

usage() {
	cat <<EOF
Usage: samples/haproxy/run.sh [OPTIONS] OUT_DIR [SECONDS]
Starts HAProxy (4 threads, a frontend, a backend of two tiny-httpd servers,
the CLI socket), records it with 'rdv-trace record', drives it for SECONDS
(default 5) with wrk while a loop on the CLI socket runs the commands that
isolate (show sess, show fd, show tasks, add/enable/disable/del server),
stops it (soft stop), then writes under OUT_DIR: trace/, report.txt,
report.json, top.txt (rdv-analyze --top 5), haproxy.timeline, intervals.csv,
timeline.png (the whole run), isolation.png (zoomed on the longest wait)
and summary.txt (one line of key=value, also printed).

  --haproxy BIN      the HAProxy to run (default: build/samples/haproxy/haproxy)
  --rdv-bin DIR      rdv-trace, rdv-analyze, rdv-view, tiny-httpd (default: build/bin)
  --untraced         run HAProxy without rdv-trace, and analyze nothing
                     (bench.sh; also for an HAProxy without librdv)
  --threads N        HAProxy threads (default 4)
  --connections N    wrk connections (default 32)
  --no-cli           no CLI loop (load only)
  --no-analyze       record, but do not analyze or picture the trace (bench.sh)
  -h, --help         this help
EOF
}

usage_error() {
	echo "$prog: $1" >&2
	echo "Try '$prog --help'." >&2
	exit 2
}

die() {
	echo "$prog: $1" >&2
	exit 1
}

haproxy=$top/build/samples/haproxy/haproxy
rdv_bin=$top/build/bin
traced=1 threads=4 connections=32 cli=1 analyze=1
args=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--haproxy) [ $# -ge 2 ] || usage_error "$1 needs a program"; haproxy=$2; shift ;;
	--rdv-bin) [ $# -ge 2 ] || usage_error "$1 needs a directory"; rdv_bin=$2; shift ;;
	--untraced) traced=0 ;;
	--threads)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]?$ ]] || usage_error "$1 needs a number from 1 to 64"
		threads=$2; shift ;;
	--connections)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a positive number"
		connections=$2; shift ;;
	--no-cli) cli=0 ;;
	--no-analyze) analyze=0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) args+=("$1") ;;
	esac
	shift
done
[ ${#args[@]} -ge 1 ] || usage_error "missing OUT_DIR"
[ ${#args[@]} -le 2 ] || usage_error "too many arguments"
out=${args[0]}
seconds=${args[1]:-5}
[[ $seconds =~ ^[1-9][0-9]*$ ]] && [ "$seconds" -le 600 ] || usage_error "SECONDS must be a whole number from 1 to 600"

[ -x "$haproxy" ] || die "cannot run HAProxy '$haproxy': not built (samples/haproxy/build.sh)"
tools=(tiny-httpd)
[ "$traced" = 0 ] || tools+=(rdv-trace)
[ "$traced" = 0 ] || [ "$analyze" = 0 ] || tools+=(rdv-analyze rdv-view)
for t in "${tools[@]}"; do
	[ -x "$rdv_bin/$t" ] || die "cannot run '$rdv_bin/$t': not built (cmake --build build)"
done
command -v wrk >/dev/null || die "cannot run the load: 'wrk' is missing (apt-get install wrk)"
python=$(command -v python3) || die "cannot drive the CLI: 'python3' is missing"
mkdir -p "$out" || die "cannot create '$out'"
out=$(cd "$out" && pwd)
[ "$traced" = 0 ] || [ ! -e "$out/trace" ] || die "cannot record into '$out/trace': it exists (give a new OUT_DIR)"

# --- cleanup: only the processes started here, by their PIDs ------------
pids=()
haproxy_pid=
sock_dir=$(mktemp -d /tmp/rdv-haproxy.XXXXXX) # short: a socket path has 108 bytes
cleanup() {
	local p
	[ -z "$haproxy_pid" ] || kill -TERM "$haproxy_pid" 2>/dev/null || true
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$sock_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (bounded) until a file has a line matching a pattern; prints it.
wait_line() { # wait_line FILE PATTERN TENTHS
	local i
	for ((i = 0; i < $3; i++)); do
		if [ -f "$1" ] && grep -m1 -- "$2" "$1"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# One CLI command, its answer on stdout (empty when HAProxy does not answer).
cli_cmd() {
	"$python" - "$sock_dir/cli.sock" "$1" <<'EOF' 2>/dev/null || true
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode(errors="replace"))
EOF
}

free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the backends ------------------------------------------------------
bound=$((seconds + 60)) # no helper outlives a run that went wrong
for s in 1 2; do
	"$rdv_bin/tiny-httpd" --duration "$bound" --name "s$s" >"$out/server$s.txt" 2>&1 &
	pids+=($!)
done
port1=$(wait_line "$out/server1.txt" '^port ' 50 | cut -d' ' -f2) || die "tiny-httpd did not start: $(cat "$out/server1.txt")"
port2=$(wait_line "$out/server2.txt" '^port ' 50 | cut -d' ' -f2) || die "tiny-httpd did not start: $(cat "$out/server2.txt")"

# --- HAProxy ------------------------------------------------------------
port=$(free_port)
cat >"$out/haproxy.cfg" <<EOF
# samples/haproxy/run.sh: HAProxy on loopback, $threads threads.
global
    nbthread $threads
    maxconn 4096
    stats socket $sock_dir/cli.sock level admin mode 600
    # a soft stop (SIGUSR1) ends within this time, connections or not
    hard-stop-after 5s

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:$port
    default_backend be

backend be
    # dynamic servers ("add server") need a dynamic algorithm
    balance roundrobin
    server s1 127.0.0.1:$port1
    server s2 127.0.0.1:$port2
EOF
"$haproxy" -c -q -f "$out/haproxy.cfg" >"$out/haproxy-check.txt" 2>&1 ||
	die "HAProxy rejects its configuration: $(head -3 "$out/haproxy-check.txt")"

if [ "$traced" = 1 ]; then
	"$rdv_bin/rdv-trace" record -o "$out/trace" --name "rdv-haproxy-$$" -- \
		"$haproxy" -f "$out/haproxy.cfg" >"$out/haproxy.log" 2>&1 &
else
	"$haproxy" -f "$out/haproxy.cfg" >"$out/haproxy.log" 2>&1 &
fi
main_pid=$!
pids+=("$main_pid")
for ((i = 0; i < 100; i++)); do
	haproxy_pid=$(cli_cmd "show info" | sed -n 's/^Pid: //p')
	[ -z "$haproxy_pid" ] || break
	kill -0 "$main_pid" 2>/dev/null || die "HAProxy exited at start: $(tail -3 "$out/haproxy.log")"
	sleep 0.1
done
[ -n "$haproxy_pid" ] || die "HAProxy's CLI does not answer on '$sock_dir/cli.sock' after 10 s"

# --- the load, and the CLI loop meanwhile ---------------------------------
load_begin_ns=$(date +%s%N)
timeout $((seconds + 30)) wrk -t2 -c"$connections" -d"${seconds}s" --latency \
	"http://127.0.0.1:$port/" >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
if [ "$cli" = 1 ]; then
	timeout $((seconds + 30)) "$python" "$here/cli-loop.py" "$sock_dir/cli.sock" "$seconds" 100000 \
		be "127.0.0.1:$port1" "$out/cli.log" >"$out/cli.txt" 2>&1 &
	cli_pid=$!
	pids+=("$cli_pid")
	wait "$cli_pid" || die "the CLI loop failed: $(tail -3 "$out/cli.txt")"
fi
wait "$wrk_pid" || die "wrk failed: $(tail -3 "$out/wrk.txt")"
load_end_ns=$(date +%s%N)
served=$(cli_cmd "show stat" | awk -F, '$1 == "fe" && $2 == "FRONTEND" { print $49 }')
cli_cmd "show info" >"$out/haproxy-info.txt"

# --- stop: a soft stop, as an operator would --------------------------------
kill -USR1 "$haproxy_pid"
for ((i = 0; i < 150; i++)); do
	kill -0 "$main_pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$main_pid" 2>/dev/null && die "HAProxy did not stop within 15 s of SIGUSR1"
haproxy_pid=
status=0
wait "$main_pid" || status=$?
[ "$status" -eq 0 ] || die "HAProxy (or rdv-trace) exited with status $status: $(tail -3 "$out/haproxy.log")"

# --- the load generator's figures ---------------------------------------
to_us() { # wrk's "1.23ms" -> 1230
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : -1
		printf "%.0f", (f < 0) ? -1 : n * f }'
}
requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out/wrk.txt")
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$out/wrk.txt")
p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$out/wrk.txt")")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$out/wrk.txt")
errors=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\)/\1 \2 \3 \4/p' "$out/wrk.txt" |
	awk '{ print $1 + $2 + $3 + $4 }')
[ -n "$requests" ] && [ -n "$rps" ] || die "cannot read wrk's output: $(head -3 "$out/wrk.txt")"
summary="threads=$threads requests=$requests rps=$rps p99_us=$p99 non2xx=${non2xx:-0} socket_errors=${errors:-0} served=${served:-0}"
if [ "$cli" = 1 ]; then
	summary+=" $(sed -n 's/^rounds=/cli_rounds=/p' "$out/cli.txt" | sed 's/commands=/cli_commands=/; s/failed=/cli_failed=/')"
fi
summary+=" load_begin_ns=$load_begin_ns load_end_ns=$load_end_ns"

# --- analysis and picture ----------------------------------------------
if [ "$traced" = 1 ] && [ "$analyze" = 1 ]; then
	"$rdv_bin/rdv-analyze" "$out/trace" --json "$out/report.json" \
		--timeline "$out/haproxy.timeline" --csv "$out/intervals.csv" >"$out/report.txt" 2>"$out/analyze.err" ||
		die "rdv-analyze failed: $(head -3 "$out/analyze.err")"
	"$rdv_bin/rdv-analyze" "$out/trace" --top 5 >"$out/top.txt" 2>>"$out/analyze.err" ||
		die "rdv-analyze --top 5 failed: $(head -3 "$out/analyze.err")"
	view_env=()
	[ -n "${DISPLAY:-}" ] || view_env=(SDL_VIDEODRIVER=offscreen)
	env "${view_env[@]}" "$rdv_bin/rdv-view" "$out/haproxy.timeline" --size 1280x800 \
		--screenshot "$out/timeline.png" >"$out/view.log" 2>&1 ||
		die "rdv-view --screenshot failed: $(head -3 "$out/view.log")"
	# A second picture: the request that waited longest, selected (its
	# requester, the threads that held it back and their code, the blocked).
	env "${view_env[@]}" "$rdv_bin/rdv-view" "$out/haproxy.timeline" --size 1280x800 \
		--select worst --screenshot "$out/isolation.png" >>"$out/view.log" 2>&1 ||
		die "rdv-view --screenshot --select worst failed: $(tail -3 "$out/view.log")"
	# The analysis' own numbers, as its JSON report carries them.
	summary+=" $("$python" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("events=%d discarded=%d isolations=%d" % (r["events"], r["discarded_events"],
      r["latency"]["isolate_wait"]["count"]))' "$out/report.json")" ||
		die "cannot read '$out/report.json'"
fi
echo "$summary" >"$out/summary.txt"
echo "$prog: $summary"
[ "$traced" = 0 ] || [ "$analyze" = 0 ] || echo "$prog: trace $out/trace, report $out/report.txt, picture $out/timeline.png"
