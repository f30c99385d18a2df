#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Model check of the rdv protocol (rdv.pml, next to this script) with SPIN:
# the faithful model must verify (no assertion violated, no invalid end
# state), every seeded bug variant must be refuted with the expected kind of
# error, and every non-vacuity witness must be reached. Exits 0 when all runs
# went as expected, 1 otherwise, 2 when a tool is missing.
#
# Environment: SPIN (default spin), CC (default cc).
set -u

prog=rdv-model-check
here=$(cd "$(dirname "$0")" && pwd)
model=$here/rdv.pml
spin=${SPIN:-spin}
cc=${CC:-cc}
show_trail=0
list=0
only=
skip=

usage()
{
	cat <<EOF
Usage: check.sh [--trail] [--list] [--only NAMES] [--skip NAMES] [--help]

Runs SPIN on tests/model/rdv.pml: the faithful model (must pass), each
seeded bug variant (must be caught with the expected error) and each
non-vacuity witness (must be reached).

  --trail      print the counterexample of each caught run (spin -t -p)
  --list       print the runs (name, expected result, defines) and exit
  --only NAMES only these runs
  --skip NAMES every run but these
  NAMES: comma-separated shell patterns, e.g. --only 'futex*,witness_*'
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
	--list)
		list=1
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

if [ "$list" = 0 ]; then
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
fi

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

# What the first error of a run is, from its pan:1 line:
#   i1       assertion I1 (another thread runs user code during an isolation)
#   i1full   assertion I1 of a full isolation (another thread is not idle)
#   i2       assertion I2 (two isolations at once)
#   i3       assertion I3 (a request overtaken by one it does not wait for)
#   i5       assertion I5/I6 (a call returned to user code during an isolation)
#   deadlock invalid end state (a protocol deadlock or a lost wake-up)
#   witness  the assertion of a WITNESS_* run (its state was reached)
kind_of()
{
	case $1 in
	*"assertion violated"*witness_reached*) echo witness ;;
	*"assertion violated"*isofull*) echo i1full ;;
	*"assertion violated"*nrun*) echo i1 ;;
	*"assertion violated"*"niso==0"*) echo i2 ;;
	*"assertion violated"*gahead*) echo i3 ;;
	*"assertion violated"*"isoer==t"*) echo i5 ;;
	*"assertion violated"*) echo assert ;;
	*"invalid end state"*) echo deadlock ;;
	"") echo none ;;
	*) echo other ;;
	esac
}

# run NAME EXPECT DEFINES...
#   EXPECT: pass, witness, or the kinds above that may catch the bug (a|b)
run()
{
	name=$1 expect=$2
	shift 2
	if [ -n "$only" ] && ! matches "$name" "$only"; then
		return
	fi
	if [ -n "$skip" ] && matches "$name" "$skip"; then
		return
	fi
	if [ "$list" = 1 ]; then
		echo "$name $expect $*"
		return
	fi
	ran=$((ran + 1))
	# The long runs (pass) are worth an optimised verifier and a larger
	# hash table; a caught bug stops at its first error, so -O0 compiles
	# faster than it searches.
	opt=-O0 hash=-w22
	case $expect:$name in
	pass:scenario_*) hash=-w20 ;; # small: compiling -O2 would take longer
	pass:*) opt=-O2 hash=-w25 ;;
	esac
	dir=$tmp/$name
	mkdir -p "$dir" && cp "$model" "$dir/rdv.pml" || return 1
	start=$(date +%s)
	if ! (cd "$dir" && "$spin" -a "$@" rdv.pml >spin.log 2>&1); then
		echo "FAIL $name: spin -a $*: $(head -n 3 "$dir/spin.log")"
		failures=$((failures + 1))
		return
	fi
	# SAFETY: assertions and invalid end states; COLLAPSE: compressed
	# state vectors (exhaustive, about a fifth of the memory); MEMLIM:
	# stop (and fail below) rather than eat the machine's memory.
	if ! (cd "$dir" && "$cc" $opt -DSAFETY -DCOLLAPSE -DMEMLIM=2048 -o pan pan.c >cc.log 2>&1); then
		echo "FAIL $name: cannot compile pan.c: $(head -n 3 "$dir/cc.log")"
		failures=$((failures + 1))
		return
	fi
	# -m: search depth (the model's is ~600).
	(cd "$dir" && ./pan -m20000 $hash >pan.log 2>&1)
	secs=$(($(date +%s) - start))
	log=$dir/pan.log
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log" | head -n 1)
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$log" | head -n 1)
	depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$log" | head -n 1)
	mem=$(sed -n 's/^ *\([0-9.]*\)[[:space:]]*total actual memory usage.*/\1/p' "$log" | head -n 1)
	first=$(grep -m 1 '^pan:1:' "$log")
	got=$(kind_of "$first")
	stats="$states states, depth ${depth:-?}, ${mem:-?} MB, ${secs}s"
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
			echo "PASS $name: verified, 0 errors ($stats)"
			return
		fi
		echo "FAIL $name: expected no error, got: ${first:-errors: ${errors:-?}}"
		trail "$dir" "$@"
		;;
	witness)
		if [ "$got" = witness ]; then
			echo "PASS $name: state reached ($stats)"
			return
		fi
		echo "FAIL $name: witness state not reached: ${first:-no error}"
		;;
	*)
		if matches "$got" "$(echo "$expect" | tr '|' ,)"; then
			echo "PASS $name: caught as $got ($stats)"
			trail "$dir" "$@"
			return
		fi
		echo "FAIL $name: expected $expect, got $got: ${first:-no error}"
		trail "$dir" "$@"
		;;
	esac
	failures=$((failures + 1))
}

# The interleaving of a run's error: the steps of the threads (thread t is
# proc t+2: proc 0 is the monitor, 1 is init; a witness run has one more),
# without the ghost bookkeeping and the locals' resets.
trail()
{
	[ "$show_trail" = 1 ] || return 0
	dir=$1
	shift
	(cd "$dir" && "$spin" -t -p "$@" rdv.pml 2>&1) |
		sed -n 's/^ *[0-9]*:[[:space:]]*proc *\([0-9]*\) (thread:[0-9]*) rdv.pml:\([0-9]*\) (state [0-9]*)[[:space:]]*/  proc \1 line \2: /p' |
		grep -v -e 'nrun = ' -e 'nni = ' -e 'phase\[t\] = ' -e 'niso' -e 'isoer = ' \
			-e 'isofull = ' -e 'greq = ' -e 'gfull = ' -e 'gahead\[' -e 'nblk\[' \
			-e ': \[\(l[mhio]\|rd[mhieo]\|le\|ch\|c\|k\|j\|w\|allf\|ok\) = [0-9]*\]' \
			-e ': \[(1)\]' -e ': \[else\]' -e ': *$'
	grep -m 1 '^pan:1:' "$dir/pan.log" | sed 's/^/  /'
}

[ "$list" = 1 ] || echo "rdv model check: $model"
# The faithful model: 3 threads, random programs of 2 operations, thread 0
# starting unregistered, unregistering from any state.
run correct pass
# I7 (a) and (b), each in a fixed scenario.
run scenario_i7a pass -DSCENARIO_I7A
run scenario_i7b pass -DSCENARIO_I7B
# Timed requests (thread 2's; or every thread's, 1 operation each): each
# may time out at any point of its wait.
run timed pass -DTIMED=4 -DNO_CHURN_ANY
run timed_all pass -DTIMED=7 -DOPS=1
# The grant's loads with each thread's bits in a mask word of its own (> 64
# threads); unregistering from inside sections is left to `correct`.
run word_per_thread pass -DWORD_PER_THREAD -DNO_CHURN_ANY
# With the futex layer of the two channels, one operation per thread: no
# lost wake-up (it would be an invalid end state).
run futex pass -DMODEL_FUTEX -DOPS=1
run futex_timed pass -DMODEL_FUTEX -DOPS=1 -DTIMED=4 -DNO_CHURN_ANY
# Seeded bugs: each must be caught.
run blocked_idle i1full -DBLOCKED_IDLE
run i_before_h i1full -DI_BEFORE_H
run leaver_ignores_plain 'i1|i5' -DLEAVER_IGNORES_PLAIN
run no_revalidate 'i1|i2|i5' -DNO_REVALIDATE -DTIMED=4
run withdraw_no_lock 'i1|i5' -DWITHDRAW_NO_LOCK -DTIMED=4
run fifo_broken i3 -DFIFO_BROKEN
run strict_fifo deadlock -DSTRICT_FIFO -DSCENARIO_I7B
run no_holder_check i2 -DNO_HOLDER_CHECK
run lost_wake_ready deadlock -DMODEL_FUTEX -DOPS=1 -DLOST_WAKE_READY
run lost_wake_queue deadlock -DMODEL_FUTEX -DOPS=1 -DLOST_WAKE_QUEUE
run seed_release_bug 'i1|i5' -DSEED_RELEASE_BUG
run no_dekker_recheck 'i1|i5' -DNO_DEKKER_RECHECK
run haproxy_i7 deadlock -DHAPROXY_I7
run haproxy_i7_scenario deadlock -DHAPROXY_I7 -DSCENARIO_I7A
run nested_deadlock deadlock -DNESTED_DEADLOCK
run full_as_plain 'i1|i1full' -DFULL_AS_PLAIN
# Non-vacuity: the interesting states are reached by the faithful model.
run witness_full_idle_blocked witness -DWITNESS_FULL_IDLE_BLOCKED
run witness_i7a witness -DWITNESS_I7A
run witness_overtake witness -DWITNESS_OVERTAKE
run witness_withdraw_held witness -DWITNESS_WITHDRAW_HELD -DTIMED=4
run witness_register witness -DWITNESS_REGISTER
run witness_release witness -DWITNESS_RELEASE
run witness_nested witness -DWITNESS_NESTED
run witness_sleep witness -DMODEL_FUTEX -DOPS=1 -DWITNESS_SLEEP

[ "$list" = 1 ] && exit 0
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
