#!/bin/sh
# Install what nerd needs to build, run and test, from Debian 12's packages.
# Run as root (or through sudo). Safe to run again.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config ca-certificates \
	libzmq3-dev libpcre2-dev libjansson-dev libutf8proc-dev libinih-dev \
	libsystemd-dev systemd \
	python3 python3-zmq python3-jsonschema python3-ahocorasick \
	iso-codes unicode-cldr-core scdoc \
	chromium fonts-dejavu-core iproute2 \
	clang libclang-rt-14-dev valgrind strace >/dev/null
