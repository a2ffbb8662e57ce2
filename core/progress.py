"""Progress reporting for long work (imports, runs, evaluations): a callable the service calls as it goes.

Services take ``progress: ProgressFn | None``; commands pass ``terminal_progress(stream)``, Celery tasks pass a
function that stores the state on the task, tests pass nothing."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def terminal_progress(stream: TextIO | None = None, width: int = 30) -> ProgressFn:
    """A one-line bar per stage, redrawn at most ten times a second."""
    out = stream or sys.stderr
    last = {"stage": None, "at": 0.0}

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if stage == last["stage"] and not finished and now - last["at"] < 0.1:
            return
        last.update(stage=stage, at=now)
        if total <= 0:  # the total is not known yet (a file being read): show the count only
            out.write(f"\r  {stage:<28} {done:,}")
            out.flush()
            return
        filled = int(width * done / max(total, 1))
        end = "\n" if finished else ""
        out.write(f"\r  {stage:<28} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}{end}")
        out.flush()

    return report
