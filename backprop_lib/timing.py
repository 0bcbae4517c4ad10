"""The chapters' one stopwatch: how long a computation takes, robust to a busy machine."""
from __future__ import annotations

import time
from typing import Callable

from ._validate import whole_number


def best_time(fn: Callable[[], object], repeat: int = 3, number: int = 1) -> float:
    """Seconds for one call of `fn()`: the fastest of `repeat` timings, each the mean over `number` calls.

    The minimum is what the computation costs when nothing else interferes; slower runs measure the
    machine's other work. Compare two timings as a ratio, never against a fixed number of seconds.
    """
    repeat = whole_number(repeat, "repeat", minimum=1)
    number = whole_number(number, "number", minimum=1)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best
