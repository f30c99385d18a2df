#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Model check of the rdv protocol (rdv.pml, next to this script) with SPIN:
# the faithful model must verify (no assertion violated, no invalid end
# state), and every seeded bug variant and non-vacuity witness must be
# refuted with the expected kind of error. Exits 0 when all runs went as
# expected, 1 otherwise, 2 when a tool is missing.
#
# Environment: SPIN (default spin), CC (default cc).
set -u

prog=rdv-model-check
here=$(cd "$(dirname "$0")" && pwd)
model=$here/rdv.pml
spin=${SPIN:-spin}
cc=${CC:-cc}
show_trail=0
only=
skip=

usage()
{
	cat <<EOF
Usage: check.sh [--trail] [--only NAMES] [--skip NAMES] [--help]

Runs SPIN on tests/model/rdv.pml: the faithful model (must pass) and each
seeded bug variant and witness (must be caught).

  --trail      print the counterexample of each caught run (spin -t -p)
  --only NAMES only these runs (correct, word_per_thread, futex,
               scenario_i7, ticket_wrap, ticket_wrap_carry, seed_release_bug,
               no_dekker_recheck, haproxy_i7, haproxy_i7_scenario,
               nested_deadlock, early_wake, no_turn, full_as_plain,
               witness_i7, witness_register, witness_release, witness_nested)
  --skip NAMES every run but these
  NAMES: comma-separated shell patterns, e.g. --only 'futex,witness_*'
  --help       this text
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--help | -h)
		usage
		exit 0
		;;
	--trail)
		show_trail=1
		;;
	--only)
		if [ $# -lt 2 ]; then
			echo "$prog: cannot parse --only: missing run name (see --help)" >&2
			exit 2
		fi
		only=$2
		shift
		;;
	--skip)
		if [ $# -lt 2 ]; then
			echo "$prog: cannot parse --skip: missing run name (see --help)" >&2
			exit 2
		fi
		skip=$2
		shift
		;;
	*)
		echo "$prog: cannot parse argument '$1': unknown option (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

for tool in "$spin" "$cc"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$prog: cannot run '$tool': not found in PATH" >&2
		exit 2
	fi
done
if [ ! -r "$model" ]; then
	echo "$prog: cannot read model '$model'" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdv-model.XXXXXX") || {
	echo "$prog: cannot create a temporary directory" >&2
	exit 2
}
trap 'rm -rf "$tmp"' EXIT INT TERM

failures=0
ran=0

# matches NAME LIST: NAME matches one of the comma-separated shell patterns.
matches()
{
	set -f
	old_ifs=$IFS
	IFS=,
	# shellcheck disable=SC2086
	set -- "$1" $2
	IFS=$old_ifs
	set +f
	m_name=$1
	shift
	for m_pat in "$@"; do
		# shellcheck disable=SC2254
		case $m_name in
		$m_pat) return 0 ;;
		esac
	done
	return 1
}

# run NAME EXPECT OPT CFLAGS DEFINES...
#   EXPECT: pass | assert | deadlock | witness
#   OPT: gcc optimisation (-O2 for the long runs, -O0 compiles faster)
run()
{
	name=$1 expect=$2 opt=$3
	shift 3
	if [ -n "$only" ] && ! matches "$name" "$only"; then
		return
	fi
	if [ -n "$skip" ] && matches "$name" "$skip"; then
		return
	fi
	ran=$((ran + 1))
	dir=$tmp/$name
	mkdir -p "$dir" && cp "$model" "$dir/rdv.pml" || return 1
	start=$(date +%s)
	if ! (cd "$dir" && "$spin" -a "$@" rdv.pml >spin.log 2>&1); then
		echo "FAIL $name: spin -a $*: $(head -n 3 "$dir/spin.log")"
		failures=$((failures + 1))
		return
	fi
	# SAFETY: assertions and invalid end states; COLLAPSE: compressed
	# state vectors (exhaustive, about half the memory); MEMLIM: stop
	# (and fail below) rather than eat the machine's memory.
	if ! (cd "$dir" && "$cc" $opt -DSAFETY -DCOLLAPSE -DMEMLIM=2048 -o pan pan.c >cc.log 2>&1); then
		echo "FAIL $name: cannot compile pan.c: $(head -n 3 "$dir/cc.log")"
		failures=$((failures + 1))
		return
	fi
	# -m: search depth (the model's is ~200); -w24: 16M-slot hash table (128 MB).
	(cd "$dir" && ./pan -m20000 -w24 >pan.log 2>&1)
	secs=$(($(date +%s) - start))
	log=$dir/pan.log
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log" | head -n 1)
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$log" | head -n 1)
	first=$(grep -m 1 '^pan:1:' "$log")
	if grep -q 'max search depth too small' "$log"; then
		echo "FAIL $name: search depth too small (raise -m)"
		failures=$((failures + 1))
		return
	fi
	if grep -q -i -e 'MEMLIM' -e 'out of memory' "$log"; then
		echo "FAIL $name: search incomplete, memory limit reached (2 GB)"
		failures=$((failures + 1))
		return
	fi
	case $expect in
	pass)
		if [ "$errors" = 0 ] && [ -n "$states" ]; then
			echo "PASS $name: verified, $states states, 0 errors (${secs}s)"
			return
		fi
		echo "FAIL $name: expected no error, got: ${first:-errors: ${errors:-?}}"
		trail "$dir" "$@"
		;;
	assert)
		case $first in
		*"assertion violated"*witness_reached*) ;;
		*"assertion violated"*)
			echo "PASS $name: caught, assertion violated ($states states, ${secs}s)"
			trail "$dir" "$@"
			return
			;;
		esac
		echo "FAIL $name: bug not caught as an assertion violation: ${first:-no error}"
		;;
	deadlock)
		case $first in
		*"invalid end state"*)
			echo "PASS $name: caught, invalid end state ($states states, ${secs}s)"
			trail "$dir" "$@"
			return
			;;
		esac
		echo "FAIL $name: bug not caught as an invalid end state: ${first:-no error}"
		;;
	error)
		case $first in
		*"assertion violated"*witness_reached*) ;;
		*"assertion violated"* | *"invalid end state"*)
			echo "PASS $name: caught, ${first#pan:1: } ($states states, ${secs}s)"
			trail "$dir" "$@"
			return
			;;
		esac
		echo "FAIL $name: bug not caught: ${first:-no error}"
		;;
	witness)
		case $first in
		*"assertion violated"*witness_reached*)
			echo "PASS $name: state reached ($states states, ${secs}s)"
			return
			;;
		esac
		echo "FAIL $name: witness state not reached: ${first:-no error}"
		;;
	esac
	failures=$((failures + 1))
}

# The interleaving of a caught run: the steps of the threads (thread t is
# proc t+2: proc 0 is the monitor, 1 is init), without the ghost bookkeeping.
trail()
{
	[ "$show_trail" = 1 ] || return 0
	dir=$1
	shift
	(cd "$dir" && "$spin" -t -p "$@" rdv.pml 2>&1) |
		sed -n 's/^ *[0-9]*:[[:space:]]*proc *\([0-9]*\) (thread:[0-9]*) rdv.pml:\([0-9]*\) (state [0-9]*)[[:space:]]*/  proc \1 line \2: /p' |
		grep -v -e 'nrun = ' -e 'nhsec = ' -e 'phase\[t\] = ' -e 'niso' -e 'isoer = ' \
			-e 'isofull = ' -e '\[((0!=3))\]' -e '\[((3!=3))\]' -e ': \[l[mhip] = 0\]' \
			-e ': *$'
	grep -m 1 '^pan:1:' "$dir/pan.log" | sed 's/^/  /'
}

echo "rdv model check: $model"
# The faithful model: 3 threads, random programs, membership churn.
run correct pass -O2
# The grant's loads with each thread's bits in a mask word of its own (> 64
# threads); unregistering from inside sections is left to `correct`.
run word_per_thread pass -O2 -DWORD_PER_THREAD -DNO_CHURN_ANY
# With the futex layer (seq, sleepers, futex_wait/wake), one operation per
# thread: no lost wake-up (it would be an invalid end state).
run futex pass -O2 -DMODEL_FUTEX -DOPS=1
# The I7 scenario alone: a harmless section ends during isolate_full.
run scenario_i7 pass -O2 -DSCENARIO_I7
# The same model started two requests before the 32-bit halves of `tickets`
# wrap (after 2^32 - 2 isolations; the model's halves have 4 bits).
run ticket_wrap pass -O2 -DTICKETS_START=238
# ... and the carry bug an earlier rdv.c had there (one half's increment
# carrying into the other) must be caught.
run ticket_wrap_carry error -O0 -DTICKETS_START=238 -DTICKET_CARRY
# Seeded bugs: each must be caught.
run seed_release_bug assert -O0 -DSEED_RELEASE_BUG
run no_dekker_recheck assert -O0 -DNO_DEKKER_RECHECK
run haproxy_i7 deadlock -O0 -DHAPROXY_I7
run haproxy_i7_scenario deadlock -O0 -DHAPROXY_I7 -DSCENARIO_I7
run nested_deadlock deadlock -O0 -DNESTED_DEADLOCK
# A lost wake-up: release wakes the waiters before serving++.
run early_wake deadlock -O0 -DMODEL_FUTEX -DOPS=1 -DEARLY_WAKE
# Broken on purpose: the I2 and I1-full checks can fail.
run no_turn assert -O0 -DNO_TURN
run full_as_plain assert -O0 -DFULL_AS_PLAIN
# Non-vacuity: the interesting states are reached by the faithful model.
run witness_i7 witness -O0 -DWITNESS_I7
run witness_register witness -O0 -DWITNESS_REGISTER
run witness_release witness -O0 -DWITNESS_RELEASE
run witness_nested witness -O0 -DWITNESS_NESTED

if [ "$ran" -eq 0 ]; then
	echo "$prog: no run selected by --only/--skip (see --help)" >&2
	exit 2
fi
if [ "$failures" -ne 0 ]; then
	echo "rdv model check: $failures run(s) did not go as expected"
	exit 1
fi
echo "rdv model check: all runs as expected"
exit 0
