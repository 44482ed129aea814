"""Reads the callgrind dumps of `callgrind-guard` (one per measured run, in the order it printed the paths' names),
keeps each path's least instruction count (Ir: another thread's occasional work lands in one run, not in all) and
compares it with the recorded one: more than LIMIT times it fails. With `record` as the third argument, writes the
counts file anew instead."""

import json
import re
import sys
from pathlib import Path

LIMIT = 1.25


def counts(work: Path) -> dict[str, int]:
    names = [line.strip() for line in (work / "paths.txt").read_text().splitlines() if line.strip()]
    dumps = sorted(work.glob("callgrind.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    if len(dumps) < len(names):
        sys.exit(f"callgrind wrote {len(dumps)} dumps for {len(names)} paths: were the marks inlined away?")
    out = {}
    for name, dump in zip(names, dumps):
        m = re.search(r"^(?:summary|totals): (\d+)", dump.read_text(errors="replace"), re.M)
        if not m:
            sys.exit(f"{dump}: no instruction total")
        out[name] = min(out.get(name, int(m.group(1))), int(m.group(1)))
    return out


def main() -> None:
    work, recorded, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    now = counts(work)
    if mode in ("record", "--record"):
        recorded.write_text(json.dumps({"limit": LIMIT, "instructions": now}, indent=1) + "\n")
        for name, n in now.items():
            print(f"recorded {n:>14,}  {name}")
        return
    want = json.loads(recorded.read_text())["instructions"]
    failed = []
    for name, n in now.items():
        ref = want.get(name)
        if ref is None:
            failed.append(f"{name}: no recorded count (run scripts/callgrind-guard.sh BIN --record)")
            continue
        ratio = n / ref
        verdict = "FAIL" if ratio > LIMIT else "ok"
        print(f"{verdict:4} {n:>14,} instructions, {ratio:5.2f} x recorded {ref:>14,}  {name}")
        if ratio > LIMIT:
            failed.append(f"{name}: {n:,} instructions is {ratio:.2f} x the recorded {ref:,} (limit {LIMIT} x)")
        elif ratio < 0.8:
            print(f"     {name} is well under its recorded count: record the new counts with the change that did it")
    for name in want:
        if name not in now:
            failed.append(f"{name}: recorded but not measured")
    if failed:
        sys.exit("callgrind guard failed:\n  " + "\n  ".join(failed))


if __name__ == "__main__":
    main()
