#!/usr/bin/env bash
# The instruction-count guard: the hot paths of `rollbook bench guard` (a register GET and POST, the register page,
# the evaluation of the demo) counted by callgrind, which repeats exactly whatever else the machine does, and
# compared with the counts recorded in scripts/callgrind-counts.json. Fails when a path costs more than 1.25 times
# its recorded count.
#
#   scripts/callgrind-guard.sh [BIN]            check (BIN: default .build/debug/rollbook, the build CI makes)
#   scripts/callgrind-guard.sh [BIN] --record   write the counts file anew (commit it, with the reason)
#
# Needs valgrind (Debian: apt-get install valgrind) and python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${1:-.build/debug/rollbook}"
MODE="${2:-check}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rollbook-callgrind.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The demo primary, marked to the day before the measured day; cheap passwords (the paths sign in).
"$BIN" demo --database "$WORK/guard.sqlite" --through 2026-11-24 --seed 2025 --bcrypt-cost 4 > /dev/null
# Valgrind 3.19 cannot read the DWARF 5 that Swift writes: a copy without debug information (the symbol table, which
# names the marks, stays).
objcopy --strip-debug "$(dirname "$BIN")/callgrind-guard" "$WORK/callgrind-guard"
# Hashing seeded the same way every run, so dictionaries iterate the same way.
SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
    --zero-before='*callgrindGuardStart*' --dump-before='*callgrindGuardStop*' \
    "$WORK/callgrind-guard" --database "$WORK/guard.sqlite" --as-of 2026-11-25 > "$WORK/paths.txt" 2> "$WORK/valgrind.log" || {
    cat "$WORK/valgrind.log" >&2
    exit 1
}
python3 scripts/callgrind_guard.py "$WORK" scripts/callgrind-counts.json "$MODE"
