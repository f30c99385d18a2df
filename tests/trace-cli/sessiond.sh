#!/bin/bash
# The session daemon: when none is reachable rdv-trace starts one, records,
# and stops only the one it started; with autostart off, or without LTTng in
# PATH, one clear error.
#
# A private daemon needs a user whose sessiond is looked up in LTTNG_HOME:
# liblttng-ctl always uses the global daemon for root, so as root this test
# runs rdv-trace as user nobody (setpriv), with LTTNG_HOME an empty
# directory.
. "$RDV_TEST_LIB"
require_sessiond

home=$TMP/home
mkdir -p "$home"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit $SKIP; }
	chmod 755 "$TMP"
	chmod 777 "$home"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	# The build tree may not be readable by nobody (a clone in /root):
	# run copies. librdv finds its probes next to itself.
	mkdir -p "$TMP/bin"
	cp "$RDV_TRACE" "$RDV_BIN/hello" "$TMP/bin/" || fail "cannot copy the programs"
	cp -P "$(dirname "$RDV_BIN")"/lib/librdv.so* "$(dirname "$RDV_BIN")"/lib/librdv-tp.so* "$TMP/bin/" ||
		fail "cannot copy librdv"
	chmod -R a+rX "$TMP/bin"
	RDV_TRACE=$TMP/bin/rdv-trace
	RDV_BIN=$TMP/bin
	export LD_LIBRARY_PATH=$TMP/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	"${as_user[@]}" "$RDV_BIN/hello" >/dev/null || fail "nobody cannot run the copied hello"
fi
run() {
	"${as_user[@]}" env HOME="$home" LTTNG_HOME="$home" "$@"
}

expect_error "no LTTng session daemon is reachable (start one with" \
	run RDV_TRACE_AUTOSTART=0 "$RDV_TRACE" record -o "$home/t0" -- "$RDV_BIN/hello"
expect_error "no LTTng session daemon is reachable (start one with" \
	run "$RDV_TRACE" record --no-autostart -o "$home/t0" -- "$RDV_BIN/hello"
expect_error "lttng-sessiond is not in PATH: is LTTng installed" \
	run PATH="$TMP/empty-path" "$RDV_TRACE" record -o "$home/t0" -- "$RDV_BIN/hello"

# Autostart: records, then the daemon it started is gone.
run "$RDV_TRACE" record -o "$home/t1" -- "$RDV_BIN/hello" >"$TMP/stdout" 2>"$TMP/stderr" ||
	fail "record with autostart failed: $(cat "$TMP/stderr")"
cat "$TMP/stderr"
[ "$(bt_grants "$home/t1")" -eq 10 ] || fail "the trace recorded through the started daemon lacks hello's 10 isolations"
run lttng list >/dev/null 2>&1 && fail "the session daemon rdv-trace started is still running"
lttng list >/dev/null 2>&1 || fail "the pre-existing session daemon is gone"
echo "PASS $TEST"
