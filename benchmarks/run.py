"""`make bench`: run every benchmark module in this folder and print one table.

Each module exposes ``run() -> list[dict]`` rows: name, value, unit, baseline, ratio, note.
``python benchmarks/run.py NAME ...`` runs only the named modules.
"""

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
SKIP = {"run", "harness", "__init__"}


def main(selected: list[str]) -> int:
    names = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in SKIP)
    if selected:
        names = [n for n in names if n in selected]
    rows = []
    failed = []
    for name in names:
        started = time.monotonic()
        print(f"== {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            for row in module.run():
                rows.append({"module": name, **row})
        except Exception:  # noqa: BLE001 (any failure of one module is reported, and the rest still run)
            # One broken benchmark must not hide the others' figures: report it, go on, fail at the end.
            traceback.print_exc()
            failed.append(name)
            rows.append({"module": name, "name": f"{name} FAILED", "value": "-", "unit": "", "note": "see above"})
        print(f"   done in {time.monotonic() - started:.0f}s", flush=True)
    print()
    header = f"{'benchmark':58} {'value':>12} {'unit':>7} {'baseline':>12} {'ratio':>8}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['name'][:58]:58} {row['value']!s:>12} {row['unit']:>7} {row.get('baseline', '')!s:>12} "
            f"{row.get('ratio', '')!s:>8}  {row.get('note', '')}"
        )
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
