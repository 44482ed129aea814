#!/usr/bin/env bash
# Register submission under load (BENCHMARKS.md, "Register submission under load"): installs Debian's wrk if it is
# missing, builds the release binary and runs `rollbook bench load`, which seeds the demo secondary in a fresh SQLite
# file, starts Rollbook and a bare Vapor JSON app on loopback and drives both with wrk in one run.
#
#   scripts/bench-load.sh                                   64 connections, 2 wrk threads, 20 s on each server
#   scripts/bench-load.sh --duration 30 --connections 128   any option of `rollbook bench load --help`
#
# Settings (environment): ROLLBOOK_SCRATCH, the build folder (default .build, as `swift build`).
# Installing wrk needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
    echo "Installing wrk (Debian package)..." >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq wrk >/dev/null
fi

scratch="${ROLLBOOK_SCRATCH:-.build}"
swift build -c release --scratch-path "$scratch" --product rollbook >&2
exec "$scratch/release/rollbook" bench load "$@"
