"""`python -m bench [NAME]`: run every benchmark (bench/bench_*.py) or the one called NAME.

Each benchmark module has `run() -> None` and prints one line per figure as `<figure>: <value> <unit>` after its
progress display (progress goes to stderr, figures to stdout, so a script can read the figures).
"""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name.removeprefix("bench_") for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    names = available()
    wanted = [a for a in argv if a]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"Unknown benchmark {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in wanted or names:
        started = time.perf_counter()
        print(f"[bench] {name}…", file=sys.stderr, flush=True)
        importlib.import_module(f"bench.bench_{name}").run()
        print(f"[bench] {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
