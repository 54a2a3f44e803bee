"""Printing: a readable line per figure, then the machine-readable ``ratio`` line."""

from __future__ import annotations

import sys
from collections import defaultdict

# figure name -> size -> value, for the growth table at the end.
GROWTH: dict[str, dict[int, float]] = defaultdict(dict)


def say(text: str = "") -> None:
    print(text, flush=True)
    sys.stdout.flush()


def heading(text: str) -> None:
    say()
    say(f"== {text}")


def figure(label: str, value: float, unit: str, *, size: int | None = None, key: str = "") -> None:
    say(f"  {label:<52} {value:>12,.3f} {unit}")
    if key and size is not None:
        GROWTH[f"{key} ({unit})"][size] = value


def ratio(name: str, value: float, target: str, *, size: int | None = None) -> None:
    full = f"{name}_n{size}" if size is not None else name
    holds = _holds(value, target)
    say(f"ratio {full} {value:.3g} target {target}")
    if size is not None:
        GROWTH[f"ratio {name} ({target})"][size] = value
    RESULTS.append((full, value, target, holds))


RESULTS: list[tuple[str, float, str, bool | None]] = []


def _holds(value: float, target: str) -> bool | None:
    for op in (">=", "<=", "==", "<", ">"):
        if target.startswith(op):
            bound = float(target[len(op) :])
            return {
                ">=": value >= bound,
                "<=": value <= bound,
                "==": value == bound,
                "<": value < bound,
                ">": value > bound,
            }[op]
    return None


def summary(sizes: list[int]) -> None:
    heading("Growth with the number of patients")
    header = "| figure | " + " | ".join(f"{n:,}" for n in sizes) + " |"
    say(header)
    say("|---|" + "---|" * len(sizes))
    for name, by_size in GROWTH.items():
        cells = [f"{by_size[n]:,.3g}" if n in by_size else "" for n in sizes]
        say(f"| {name} | " + " | ".join(cells) + " |")
    heading("Targets")
    for name, value, target, holds in RESULTS:
        verdict = {True: "holds", False: "MISSED", None: "(no target)"}[holds]
        say(f"  {name:<44} {value:>10.3g}  target {target:<8} {verdict}")
