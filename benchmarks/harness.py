"""The timing harness every benchmark here shares: medians of repeated runs, and the figure printout."""
from __future__ import annotations

import os
import statistics
import time
from typing import Any, Callable


def median_time(fn: Callable[[], Any], repeat: int, number: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int, budget: float = 2e-3) -> dict[str, list[float]]:
    """Seconds per call of each (fast) function in each of ``rounds`` interleaved rounds, each round
    calling every function for about ``budget`` seconds (after one untimed call): pairs such as
    gradient and value are compared within a round, so a change of machine speed between them cannot
    make one look cheaper."""
    numbers = {}
    for name, fn in fns.items():  # calls per round: about ``budget`` seconds of each function
        t = time.perf_counter()
        fn()
        numbers[name] = max(1, int(budget / max(time.perf_counter() - t, 1e-7)))
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            n = numbers[name]
            fn()  # untimed: the first call after another library's pays for its evicted caches
            t = time.perf_counter()
            for _ in range(n):
                fn()
            times[name].append((time.perf_counter() - t) / n)
    return times


def ratio_of_medians(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of a's time / b's time in the same round."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(what ``fn`` returned, seconds it took), for one-off costs such as compiling."""
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def print_figures(rows: Callable[[bool], dict[str, float]], argv: list[str], fmt: str = "12.4g") -> int:
    """Run ``rows(quick)`` (``--quick`` in ``argv``) and print each figure with the load around it."""
    load = os.getloadavg()[0]
    figures = rows("--quick" in argv)
    width = max(map(len, figures), default=0)
    print(f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; medians, float64")
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:{fmt}}")
    return 0
