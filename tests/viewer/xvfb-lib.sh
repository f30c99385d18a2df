# Sourced by the viewer's Xvfb tests (POSIX sh).
# xvfb_start DIR WIDTHxHEIGHT: an Xvfb on a free display (its number written
# to DIR/dpy, its log DIR/xvfb.log); returns once it accepts a client, with
# DISPLAY, SDL_VIDEODRIVER=x11 and ASAN_OPTIONS exported and XVFB_PID set
# (also on failure: the caller's cleanup stops it). 1 and the log on stderr
# when it does not come up within 10 s. -noreset: by default the server
# resets when its last client leaves, and a client connecting meanwhile
# fails (SDL: "x11 not available") — the xdotool polls of the tests make
# such instants often.
xvfb_start() {
	Xvfb -displayfd 5 -screen 0 "${2}x24" -nolisten tcp -noreset 5>"$1/dpy" 2>"$1/xvfb.log" &
	XVFB_PID=$!
	xs_i=0
	while [ ! -s "$1/dpy" ] && [ $xs_i -lt 100 ]; do sleep 0.1; xs_i=$((xs_i + 1)); done
	if [ ! -s "$1/dpy" ]; then
		echo "Xvfb did not start:" >&2
		cat "$1/xvfb.log" >&2
		return 1
	fi
	DISPLAY=":$(cat "$1/dpy")"
	export DISPLAY
	# The display number is written once the server listens; a client is
	# still checked for, so that a failure here is Xvfb's, not rdv-view's.
	xs_i=0
	until xdotool getdisplaygeometry >/dev/null 2>&1; do
		xs_i=$((xs_i + 1))
		if [ $xs_i -ge 100 ]; then
			echo "Xvfb on $DISPLAY accepts no client:" >&2
			cat "$1/xvfb.log" >&2
			return 1
		fi
		sleep 0.1
	done
	SDL_VIDEODRIVER=x11
	# In sanitizer builds: libX11 and libdbus (under SDL's video init) keep
	# a few allocations at exit, which LeakSanitizer reports; they are not
	# rdv-view's (the headless tests run with leak detection on).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export SDL_VIDEODRIVER ASAN_OPTIONS
}

# xvfb_window [TENTHS]: waits (default 10 s) for a visible rdv-view window,
# focuses it and sets WID; 1 when none appears.
xvfb_window() {
	xw_i=0
	WID=
	while [ -z "$WID" ] && [ $xw_i -lt "${1:-100}" ]; do
		WID=$(xdotool search --onlyvisible --name 'rdv-view' 2>/dev/null | head -1)
		[ -z "$WID" ] && sleep 0.1
		xw_i=$((xw_i + 1))
	done
	[ -n "$WID" ] || return 1
	xdotool windowfocus --sync "$WID" 2>/dev/null || true
}
