#!/usr/bin/env bash
# Builds HAProxy 2.6 from Debian bookworm's source package with its
# rendez-vous point on librdv (samples/haproxy). HAProxy's code is fetched
# here, at build time, and never committed.
#
#   samples/haproxy/build.sh [-o DIR] [--rdv-build DIR | --rdv-prefix DIR] [--baseline] [-j N]
#
# Writes DIR/haproxy (default DIR: build/samples/haproxy of this checkout);
# --baseline also builds the unpatched source as DIR/haproxy-orig (HAProxy's
# own rendez-vous point, for bench.sh). Exits 77 when the source package
# cannot be fetched (no network, no deb-src and not root), 1 on any other
# failure, 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
prog=build.sh

usage() {
	cat <<EOF
Usage: samples/haproxy/build.sh [-o DIR] [--rdv-build DIR | --rdv-prefix DIR] [--baseline] [-j N]
Fetches Debian bookworm's HAProxy 2.6 source ('apt-get source haproxy', after
adding a deb-src entry when root and none exists), applies rdv's integration
(haproxy-2.6-rdv.patch, thread-rdv.h, thread-rdv.c) and builds it with
'make TARGET=linux-glibc' against librdv.

  -o, --output DIR   where to build (default: $top/build/samples/haproxy)
  --rdv-build DIR    librdv from an rdv build tree (DIR/lib/librdv.so, headers
                     from this checkout); the default when pkg-config finds no rdv
  --rdv-prefix DIR   librdv installed under DIR (its lib/pkgconfig/rdv.pc)
  --baseline         also build the unpatched source: DIR/haproxy-orig
  -j, --jobs N       parallel make jobs (default 2)
  -h, --help         this help

Exit status: 0 built, 77 the source cannot be fetched, 1 build failure, 2 usage.
EOF
}

usage_error() {
	echo "$prog: $1" >&2
	echo "Try '$prog --help'." >&2
	exit 2
}

die() {
	echo "$prog: $1" >&2
	exit "${2:-1}"
}

out=$top/build/samples/haproxy
rdv_build='' rdv_prefix='' baseline=0 jobs=2
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-o | --output) [ $# -ge 2 ] || usage_error "$1 needs a directory"; out=$2; shift ;;
	--rdv-build) [ $# -ge 2 ] || usage_error "$1 needs a directory"; rdv_build=$2; shift ;;
	--rdv-prefix) [ $# -ge 2 ] || usage_error "$1 needs a directory"; rdv_prefix=$2; shift ;;
	--baseline) baseline=1 ;;
	-j | --jobs)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a positive number"
		jobs=$2; shift ;;
	*) usage_error "unknown option '$1'" ;;
	esac
	shift
done
[ -z "$rdv_build" ] || [ -z "$rdv_prefix" ] || usage_error "--rdv-build and --rdv-prefix exclude each other"

# librdv: compile and link flags, and the rpath that lets the binary find it
# (and librdv its trace provider, next to itself) without LD_LIBRARY_PATH.
if [ -z "$rdv_build" ] && [ -z "$rdv_prefix" ] && ! pkg-config --exists rdv 2>/dev/null; then
	rdv_build=$top/build
fi
if [ -n "$rdv_build" ]; then
	rdv_build=$(cd "$rdv_build" 2>/dev/null && pwd) || die "cannot use rdv build tree '$rdv_build': no such directory"
	[ -e "$rdv_build/lib/librdv.so" ] || die "cannot use rdv build tree '$rdv_build': no lib/librdv.so (build rdv first)"
	rdv_cflags="-I$top/core/include"
	rdv_libdir=$rdv_build/lib
	rdv_libs="-L$rdv_libdir -lrdv"
	rdv_from=$rdv_build
else
	if [ -n "$rdv_prefix" ]; then
		rdv_prefix=$(cd "$rdv_prefix" 2>/dev/null && pwd) || die "cannot use rdv prefix '$rdv_prefix': no such directory"
		multiarch=$(gcc -print-multiarch 2>/dev/null || true)
		PKG_CONFIG_PATH=$rdv_prefix/lib/pkgconfig:$rdv_prefix/lib64/pkgconfig:$rdv_prefix/lib/$multiarch/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
		export PKG_CONFIG_PATH
	fi
	pkg-config --exists rdv 2>/dev/null || die "cannot find librdv: pkg-config knows no 'rdv'${rdv_prefix:+ under '$rdv_prefix'}"
	rdv_cflags=$(pkg-config --cflags rdv)
	rdv_libs=$(pkg-config --libs rdv)
	rdv_libdir=$(pkg-config --variable=libdir rdv)
	rdv_libdir=$(cd "$rdv_libdir" 2>/dev/null && pwd) || die "cannot use librdv: its libdir '$rdv_libdir' does not exist"
	rdv_from="pkg-config rdv $(pkg-config --modversion rdv) ($rdv_libdir)"
fi

for tool in apt-get dpkg-source patch make cc flock; do
	command -v "$tool" >/dev/null || die "cannot build: '$tool' is missing (scripts/install-deps.sh installs it)"
done
mkdir -p "$out/src-pkg" || die "cannot create '$out'"
out=$(cd "$out" && pwd)
# One build at a time per output directory (the test and bench.sh share it).
exec 9>"$out/.lock"
flock 9

# --- the source package --------------------------------------------------
# Debian's archive is the only source: no other network access is needed.
have_deb_src() {
	[ -n "$(apt-cache showsrc haproxy 2>/dev/null | sed -n 's/^Version: //p' | head -1)" ]
}
add_deb_src() {
	# A deb-src twin of Debian's own entries, read only by apt-get source.
	local list=/etc/apt/sources.list.d/rdv-debian-src.sources
	[ "$(id -u)" -eq 0 ] || return 1
	echo "$prog: adding Debian bookworm's deb-src entries ($list)"
	cat >"$list" <<'EOF' || return 1
# Added by rdv's samples/haproxy/build.sh: source packages, for 'apt-get source haproxy'.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
		-o APT::Get::List-Cleanup=0 >/dev/null
}
fetch_source() {
	local spec
	(cd "$out/src-pkg" && ls haproxy_2.6*.dsc >/dev/null 2>&1) && return 0
	rm -f "$out/fetch.log"
	have_deb_src || add_deb_src || true
	have_deb_src || return 1
	# The candidate first (a security update), then bookworm's own version:
	# a mirror may lack the newest upload's files.
	for spec in haproxy haproxy/bookworm; do
		if (cd "$out/src-pkg" && apt-get source -qq --download-only \
			-o APT::Sandbox::User=root "$spec" >"$out/fetch.log" 2>&1) &&
			(cd "$out/src-pkg" && ls haproxy_2.6*.dsc >/dev/null 2>&1); then
			return 0
		fi
		rm -f "$out/src-pkg"/haproxy_*
	done
	return 1
}
started=$(date +%s)
if ! fetch_source; then
	echo "$prog: cannot fetch HAProxy's source with 'apt-get source haproxy': $(tail -1 "$out/fetch.log" 2>/dev/null || echo 'no deb-src entry, and not root to add one')" >&2
	exit 77
fi
dsc=$(cd "$out/src-pkg" && ls haproxy_2.6*.dsc | sort -V | tail -1)
deb_version=$(sed -n 's/^Version: //p' "$out/src-pkg/$dsc")
upstream=${deb_version%%-*}

# --- unpack, patch, build ------------------------------------------------
# A tree is unpacked again whenever the package or rdv's files change (a
# stamp of their checksums); otherwise make rebuilds what changed.
unpack() { # unpack DIR PATCHED(0/1)
	local dir=$1 patched=$2 stamp
	stamp=$( {
		echo "$dsc $patched"
		[ "$patched" = 0 ] || cat "$here/haproxy-2.6-rdv.patch" "$here/thread-rdv.h" "$here/thread-rdv.c"
	} | sha256sum | cut -d' ' -f1)
	if [ -f "$dir/.rdv-stamp" ] && [ "$(cat "$dir/.rdv-stamp")" = "$stamp" ]; then
		return 0
	fi
	rm -rf "$dir"
	dpkg-source --no-check --no-copy -x "$out/src-pkg/$dsc" "$dir" >"$out/unpack.log" 2>&1 ||
		die "cannot unpack '$dsc': $(tail -1 "$out/unpack.log")"
	if [ "$patched" = 1 ]; then
		patch -d "$dir" -p1 --forward --quiet <"$here/haproxy-2.6-rdv.patch" >"$out/patch.log" 2>&1 ||
			die "cannot apply haproxy-2.6-rdv.patch to HAProxy $deb_version: $(head -3 "$out/patch.log")"
		cp "$here/thread-rdv.h" "$dir/include/haproxy/thread-rdv.h"
		cp "$here/thread-rdv.c" "$dir/src/thread-rdv.c"
	fi
	echo "$stamp" >"$dir/.rdv-stamp"
}

build() { # build DIR LOG MAKE_ARGS...
	local dir=$1 log=$2
	shift 2
	if ! make -C "$dir" -j"$jobs" TARGET=linux-glibc "$@" >"$log" 2>&1; then
		tail -20 "$log" >&2
		die "cannot build HAProxy in '$dir' (log: $log)"
	fi
}

tree=$out/haproxy-$upstream-rdv
# No binary while building: a failed build leaves none, rather than an old one.
rm -f "$out/haproxy"
unpack "$tree" 1
build "$tree" "$out/make.log" DEFINE=-DUSE_RDV EXTRA_OBJS=src/thread-rdv.o \
	ADDINC="$rdv_cflags" ADDLIB="$rdv_libs -Wl,-rpath,$rdv_libdir"
install -m 755 "$tree/haproxy" "$out/haproxy.new" && mv -f "$out/haproxy.new" "$out/haproxy"
"$out/haproxy" -v >/dev/null 2>&1 || die "the built '$out/haproxy' does not run: $("$out/haproxy" -v 2>&1 | head -1)"

if [ "$baseline" = 1 ]; then
	orig=$out/haproxy-$upstream-orig
	unpack "$orig" 0
	build "$orig" "$out/make-orig.log"
	install -m 755 "$orig/haproxy" "$out/haproxy-orig.new" && mv -f "$out/haproxy-orig.new" "$out/haproxy-orig"
fi

echo "$prog: $out/haproxy: $("$out/haproxy" -v | head -1 | sed 's/ - https.*//') (Debian $deb_version), librdv from $rdv_from, $(($(date +%s) - started)) s"
[ "$baseline" = 0 ] || echo "$prog: $out/haproxy-orig: the same source unpatched (HAProxy's own rendez-vous point)"
