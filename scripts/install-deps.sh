#!/usr/bin/env bash
# Installs every Debian 12 package rdv needs to build, test, trace and view.
# Run as root, or as a user who may sudo (it asks sudo itself).
set -euo pipefail
packages=(
	build-essential cmake pkg-config clang
	libclang-rt-dev # clang's runtimes (libFuzzer, ASan): only a Recommends of clang, not installed below
	liblttng-ust-dev lttng-tools liblttng-ctl-dev
	libbabeltrace2-dev babeltrace2 python3-bt2 libdw-dev zlib1g-dev
	libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libfontconfig-dev fonts-dejavu-core
	xvfb xdotool xauth spin valgrind imagemagick util-linux procps time bc
	man-db groff-base binutils
	wrk # samples/haproxy: the load generator (build.sh also needs dpkg-dev and patch, from build-essential)
)
if [ "$(id -u)" -ne 0 ]; then
	# Not root: ask sudo (a fresh Debian as root needs none, and may lack it).
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps.sh: run as root (no sudo here)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
