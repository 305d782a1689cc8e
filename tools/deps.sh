#!/bin/sh
# Installs the Debian packages griffin needs, only those that are missing.
# --check-only: exit 1 if anything is missing, install nothing.
set -e
PKGS="build-essential pkg-config libcurl4-openssl-dev libsqlite3-dev libcjson-dev \
libsentencepiece-dev sentencepiece libarchive-dev libpcre2-dev gnuplot-nox clang"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
[ "$1" = "--check-only" ] && exit 1
echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >&2
