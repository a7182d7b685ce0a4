"""Erlang C staffing requirements over a planning grid against `pyworkforce`, the package users would
otherwise pick, with an exact reference (mpmath) for who is right.

96 half-hour intervals x 50 queues, seeded: each queue has a daily curve, a handle time (120-480 s, whole
seconds), a service-level target (80 % in 20 s, 90 % in 30 s, 80 % in 60 s, 95 % in 15 s), an occupancy cap
(85-100 %) and a shrinkage (25-35 %). Volumes are drawn around it twice: a typical workload (mean about 47
erlangs a cell) and a large one (mean about 900 erlangs). Ours computes every cell with required_agents_grid;
the peer computes `ErlangC(...).required_positions(service_level, max_occupancy)` cell by cell, every cell on
the typical workload and a random sample of BENCH_PEER_CELLS (default 500) on the large one, where it needs
milliseconds per cell; its time is then scaled per cell to the whole grid (the `peer_cells` field says how
many it ran). Each cell's raw and scheduled agents are checked against the exact reference: the fewest agents
above the traffic, within the cap and meeting the target at 40 digits (Erlang B through the regularized
incomplete gamma function), grossed up for shrinkage in exact fractions. Disagreements and their causes go to
stderr.

Prints one JSON line per workload, the large one last:
{"bench":"erlang","workload":…,"cells":…,"ours_s":…,"peer_s":…,"ratio":…,"ours_disagreements":…,
 "peer_disagreements":…,"peer_cells":…}
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
from pyworkforce.queuing import ErlangC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from staffing.erlang import required_agents_grid  # noqa: E402

INTERVALS, QUEUES, INTERVAL_S = 96, 50, 1800
PEER_CELLS = int(os.environ.get("BENCH_PEER_CELLS", "500"))
SEED = 20261128
TARGETS = [(0.8, 20.0), (0.9, 30.0), (0.8, 60.0), (0.95, 15.0)]
mpmath.mp.dps = 40


def workload(mean_erlangs: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    hours = np.arange(INTERVALS) / 2
    day = np.clip(np.sin((hours - 7) / 13 * np.pi), 0.05, None)  # quiet nights, a busy middle of the day
    aht = rng.integers(120, 481, QUEUES).astype(np.float64)
    choice = rng.integers(0, len(TARGETS), QUEUES)
    shape = (
        day[:, None] * rng.lognormal(0, 0.5, QUEUES)[None, :] * rng.lognormal(0, 0.15, (INTERVALS, QUEUES))
    )
    volume = np.maximum(1.0, np.round(shape / shape.mean() * mean_erlangs * INTERVAL_S / aht))
    return {
        "volume": volume,
        "aht": np.broadcast_to(aht, volume.shape),
        "target": np.broadcast_to(np.array([TARGETS[c][0] for c in choice]), volume.shape),
        "answer": np.broadcast_to(np.array([TARGETS[c][1] for c in choice]), volume.shape),
        "cap": np.broadcast_to(rng.choice([0.85, 0.9, 0.95, 1.0], QUEUES), volume.shape),
        "shrinkage": np.broadcast_to(rng.choice([0.25, 0.3, 0.35], QUEUES), volume.shape),
    }


def exact(value: float) -> Fraction:
    return Fraction(repr(float(value)))


def reference_missed(agents: int, traffic: Fraction, aht: float, answer: float) -> mpmath.mpf:
    a = mpmath.mpf(traffic.numerator) / traffic.denominator
    pmf = mpmath.exp(agents * mpmath.log(a) - a - mpmath.loggamma(agents + 1))
    b = pmf / mpmath.gammainc(agents + 1, a, mpmath.inf, regularized=True)
    waiting = agents * b / (agents - a * (1 - b))
    return waiting * mpmath.exp(-(agents - a) * mpmath.mpf(repr(answer)) / mpmath.mpf(repr(aht)))


def reference(cell: dict[str, float], guess: int) -> tuple[int, int]:
    """Exact (raw, scheduled). Checks `guess` and guess - 1 first (two evaluations when it is right)."""
    traffic = exact(cell["volume"]) * exact(cell["aht"]) / INTERVAL_S
    lowest = max(math.floor(traffic) + 1, math.ceil(traffic / exact(cell["cap"])))
    allowed = 1 - mpmath.mpf(repr(cell["target"]))

    def meets(agents: int) -> bool:
        return bool(reference_missed(agents, traffic, cell["aht"], cell["answer"]) <= allowed)

    if guess >= lowest and meets(guess) and (guess == lowest or not meets(guess - 1)):
        raw = guess
    else:
        raw = lowest
        while not meets(raw):
            raw += 1
    return raw, math.ceil(Fraction(raw) / (1 - exact(cell["shrinkage"])))


def peer(cell: dict[str, float]) -> tuple[int, int]:
    model = ErlangC(
        transactions=cell["volume"],
        aht=cell["aht"],
        asa=cell["answer"],  # pyworkforce's "asa" is the answer-time threshold of its service level
        interval=INTERVAL_S,
        shrinkage=cell["shrinkage"],
    )
    found = model.required_positions(service_level=cell["target"], max_occupancy=cell["cap"])
    return int(found["raw_positions"]), int(found["positions"])


def run(name: str, mean_erlangs: float, rng: np.random.Generator, peer_cells: int) -> dict[str, object]:
    data = workload(mean_erlangs, rng)
    cells = data["volume"].size
    args = (
        data["volume"],
        data["aht"],
        INTERVAL_S,
        data["target"],
        data["answer"],
        data["cap"],
        data["shrinkage"],
    )
    required_agents_grid(*args)  # warm up numpy and the caches once, as a planning screen would be warm
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        ours = required_agents_grid(*args)
        runs.append(time.perf_counter() - started)
    ours_s = min(runs)

    flat = {key: np.ravel(value) for key, value in data.items()}
    cell = [{key: float(flat[key][i]) for key in flat} for i in range(cells)]
    sample = sorted(rng.choice(cells, size=min(peer_cells, cells), replace=False).tolist())
    started = time.perf_counter()
    theirs = {i: peer(cell[i]) for i in sample}
    peer_s = (time.perf_counter() - started) * cells / len(sample)

    ours_raw, ours_scheduled = np.ravel(ours.raw), np.ravel(ours.scheduled)
    ours_wrong, peer_wrong, causes = 0, 0, Counter[str]()
    for i in range(cells):
        truth = reference(cell[i], int(ours_raw[i]))
        if (int(ours_raw[i]), int(ours_scheduled[i])) != truth:
            ours_wrong += 1
            print(
                f"ours wrong at {cell[i]}: {ours_raw[i]}/{ours_scheduled[i]}, exact {truth}", file=sys.stderr
            )
        if i in theirs and theirs[i] != truth:
            peer_wrong += 1
            causes[_cause(cell[i], theirs[i], truth)] += 1
    if causes:
        print(f"{name}: peer disagreements by cause: {dict(causes)}", file=sys.stderr)
    return {
        "bench": "erlang",
        "workload": name,
        "cells": cells,
        "mean_erlangs": round(float((data["volume"] * data["aht"] / INTERVAL_S).mean()), 1),
        "ours_s": round(ours_s, 5),
        "peer_s": round(peer_s, 3),
        "ratio": round(peer_s / ours_s, 1),
        "ours_disagreements": ours_wrong,
        "peer_disagreements": peer_wrong,
        "peer_cells": len(sample),
    }


def _cause(cell: dict[str, float], theirs: tuple[int, int], truth: tuple[int, int]) -> str:
    traffic = cell["volume"] / INTERVAL_S * cell["aht"]  # in the peer's order of operations
    if theirs[0] == truth[0]:
        return "scheduled: float ceil of raw / (1 - shrinkage)"
    if theirs[0] > truth[0] and truth[0] < round(traffic + 1):
        return "raw too high: its search starts at round(traffic + 1), above the answer"
    if theirs[0] == math.ceil(traffic / cell["cap"]):
        return "raw: float ceil of traffic / occupancy cap"
    return f"raw {theirs[0]} where exact is {truth[0]} at {cell}"


def main() -> None:
    rng = np.random.default_rng(SEED)
    typical = run("typical", 47, rng, INTERVALS * QUEUES)
    print(json.dumps(typical))
    large = run("large", 900, rng, PEER_CELLS)
    print(json.dumps(large))


if __name__ == "__main__":
    main()
