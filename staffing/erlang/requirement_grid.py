"""required_agents over whole grids (intervals x queues) at once: what the planning screens call.

Every cell runs the same Erlang B recursion as the scalar function (see staffing.erlang.waiting), vectorised
across cells and stepping all of them upward in lock step:

1. Per cell, the fewest agents worth checking: above the traffic and within the occupancy cap, decided exactly
   (floats first; the few cells within rounding of a whole number are redone with Fractions).
2. Warm-up: each cell starts the recursion at its own warm-up point and needs its own number of steps to reach
   that fewest count. Cells are sorted by that number, so the cells still climbing are always a prefix of the
   arrays and each step is three in-place ufunc calls on a slice, with no masks and no wasted work.
3. Search: from there every still-unmet cell checks the service level and steps one agent up; cells leave the
   working set as they meet it. Near ties are re-decided in 50-digit decimals, as in the scalar function.
4. Figures at the chosen count; scheduled = raw grossed up for shrinkage, exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from staffing.erlang.inputs import exact
from staffing.erlang.waiting import NEAR_TIE, TIE_PER_STEP, WARM_UP_SPREAD, meets_service_level_exactly

Floats = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]
ArrayOrNumber = npt.ArrayLike

NEAR_WHOLE = 1e-9
"""Relative distance to a whole number under which a float ratio is rounded with Fractions instead."""


class RequirementGrid(NamedTuple):
    """required_agents for every cell, in the broadcast shape of the inputs."""

    raw: Counts
    scheduled: Counts
    service_level: Floats
    occupancy: Floats
    asa_s: Floats


def _checked(
    name: str, values: Floats, *, positive: bool = False, below_one: bool = False, at_most_one: bool = False
) -> None:
    bad = ~np.isfinite(values) | (values < 0)
    limits = "at least 0"
    if positive:
        bad |= values == 0
        limits = "above 0"
    if below_one:
        bad |= values >= 1
        limits += " and below 1"
    if at_most_one:
        bad |= values > 1
        limits += " and at most 1"
    if bad.any():
        raise ValueError(f"{name} must be finite, {limits}; got {values[np.flatnonzero(bad)[0]]!r}")


def _exact_ceil(approx: Floats, exact_value: Callable[[int], Fraction], *, strictly_above: bool) -> Counts:
    """ceil(q) (or the smallest whole number above q) for exact values q whose floats are `approx`."""
    whole = np.floor(approx) + 1 if strictly_above else np.ceil(approx)
    result = whole.astype(np.int64)
    near = np.abs(approx - np.rint(approx)) <= NEAR_WHOLE * np.maximum(1.0, approx)
    for i in np.flatnonzero(near):
        value = exact_value(int(i))
        result[i] = math.floor(value) + 1 if strictly_above else math.ceil(value)
    return result


def _grossed_up(raw: Counts, shrinkage: Floats) -> Counts:
    """ceil(raw / (1 - shrinkage)) exactly, in integers: a grid has few distinct shrinkage rates."""
    scheduled = np.empty_like(raw)
    for rate in np.unique(shrinkage):
        cells = np.flatnonzero(shrinkage == rate)
        available = 1 - exact(rate)  # p / q, so raw / available = raw * q / p
        if available.denominator * (int(raw[cells].max()) + 1) < 2**62:
            scheduled[cells] = -(-raw[cells] * available.denominator // available.numerator)
        else:  # a rate typed with many digits: Python's unbounded integers instead of int64
            scheduled[cells] = [math.ceil(int(r) / available) for r in raw[cells]]
    return scheduled


def _inverse_erlang_b_at(lowest: Counts, traffic: Floats) -> Floats:
    """1 / B(lowest, traffic) per cell, stepping from each cell's warm-up start (prefix trick, see above)."""
    start = np.maximum(0.0, np.floor(traffic) - np.ceil(WARM_UP_SPREAD * np.sqrt(traffic)) - WARM_UP_SPREAD)
    steps = lowest - start.astype(np.int64)
    order = np.argsort(-steps, kind="stable")
    steps_sorted = steps[order]
    agents = start[order]
    inverse = np.where(agents > 0, traffic[order] / (traffic[order] - agents), 1.0)
    per_erlang = 1.0 / traffic[order]
    longest = int(steps_sorted[0])
    # At step s (0-based) the cells with at least longest - s steps to go are climbing: a prefix.
    climbing = np.searchsorted(-steps_sorted, -(longest - np.arange(longest)), side="right")
    ratio = np.empty_like(agents)
    for s in range(longest):
        k = int(climbing[s])
        agents[:k] += 1.0
        np.multiply(agents[:k], per_erlang[:k], out=ratio[:k])
        inverse[:k] *= ratio[:k]
        inverse[:k] += 1.0
    unsorted = np.empty_like(inverse)
    unsorted[order] = inverse
    return unsorted


class _Cells:
    """The busy cells' inputs, flattened, and their exact values on demand."""

    def __init__(self, volume: Floats, aht_s: Floats, interval_s: Floats, answer_s: Floats) -> None:
        self.volume, self.aht_s, self.interval_s, self.answer_s = volume, aht_s, interval_s, answer_s
        self.traffic = volume * aht_s / interval_s

    def exact_traffic(self, i: int) -> Fraction:
        return exact(self.volume[i]) * exact(self.aht_s[i]) / exact(self.interval_s[i])


def _search(cells: _Cells, lowest: Counts, inverse_b: Floats, target: Floats) -> tuple[Counts, Floats]:
    """Per cell, the fewest agents from `lowest` up meeting the target, and 1 / B there."""
    raw = np.empty_like(lowest)
    inverse_at_raw = np.empty_like(inverse_b)
    # The working set: cells not yet meeting their target, compacted as cells leave it.
    where = np.arange(lowest.size)
    agents = lowest.astype(np.float64)
    inverse = inverse_b.copy()
    traffic = cells.traffic
    answer_over_aht = cells.answer_s / cells.aht_s
    allowed_miss = 1.0 - target
    while where.size:
        excess = agents - traffic
        missed = agents / (inverse * excess + traffic) * np.exp(-excess * answer_over_aht)
        met = missed <= allowed_miss
        tolerance = (NEAR_TIE + TIE_PER_STEP * (agents + traffic * (1.0 + answer_over_aht))) * allowed_miss
        for j in np.flatnonzero(np.abs(missed - allowed_miss) <= tolerance):
            i = int(where[j])
            met[j] = meets_service_level_exactly(
                int(agents[j]),
                cells.exact_traffic(i),
                exact(cells.aht_s[i]),
                exact(cells.answer_s[i]),
                exact(target[j]),
            )
        if met.any():
            raw[where[met]] = agents[met]
            inverse_at_raw[where[met]] = inverse[met]
            left = ~met
            where, agents, inverse = where[left], agents[left], inverse[left]
            traffic, answer_over_aht = traffic[left], answer_over_aht[left]
            allowed_miss, target = allowed_miss[left], target[left]
        agents += 1.0
        inverse = 1.0 + agents * inverse / traffic
    return raw, inverse_at_raw


def required_agents_grid(
    volume: ArrayOrNumber,
    aht_s: ArrayOrNumber,
    interval_s: ArrayOrNumber,
    target_sl: ArrayOrNumber,
    answer_s: ArrayOrNumber,
    max_occupancy: ArrayOrNumber = 1.0,
    shrinkage: ArrayOrNumber = 0.0,
) -> RequirementGrid:
    """required_agents for every cell of broadcastable arrays (typically volume is intervals x queues and the
    rest scalars or per-queue rows). Exactly the scalar function's answer in every cell."""
    inputs = (volume, aht_s, interval_s, target_sl, answer_s, max_occupancy, shrinkage)
    arrays = np.broadcast_arrays(*(np.asarray(value, dtype=np.float64) for value in inputs))
    shape = arrays[0].shape
    vol, aht, interval, target, answer, cap, shrink = (np.ravel(a).astype(np.float64) for a in arrays)
    _checked("volume", vol)
    _checked("aht_s", aht, positive=True)
    _checked("interval_s", interval, positive=True)
    _checked("target_sl", target, below_one=True)
    _checked("answer_s", answer)
    _checked("max_occupancy", cap, positive=True, at_most_one=True)
    _checked("shrinkage", shrink, below_one=True)

    size = vol.size
    raw = np.zeros(size, dtype=np.int64)
    scheduled = np.zeros(size, dtype=np.int64)
    service_level = np.ones(size)
    occupancy = np.zeros(size)
    asa = np.zeros(size)
    busy = np.flatnonzero(vol > 0)  # no volume needs no agents: the zeros and ones above
    if busy.size:
        cells = _Cells(vol[busy], aht[busy], interval[busy], answer[busy])
        cap_b, shrink_b = cap[busy], shrink[busy]
        with np.errstate(over="ignore"):  # 1 / B overflowing to inf means B = 0: nobody waits
            lowest = np.maximum(
                _exact_ceil(cells.traffic, cells.exact_traffic, strictly_above=True),
                _exact_ceil(
                    cells.traffic / cap_b,
                    lambda i: cells.exact_traffic(i) / exact(cap_b[i]),
                    strictly_above=False,
                ),
            )
            inverse_b = _inverse_erlang_b_at(lowest, cells.traffic)
            found, inverse_b = _search(cells, lowest, inverse_b, target[busy])
            agents = found.astype(np.float64)
            excess = agents - cells.traffic
            waiting = agents / (inverse_b * excess + cells.traffic)
            service_level[busy] = 1.0 - waiting * np.exp(-excess * cells.answer_s / cells.aht_s)
            asa[busy] = waiting * cells.aht_s / excess
        occupancy[busy] = cells.traffic / agents
        raw[busy] = found
        scheduled[busy] = _grossed_up(found, shrink_b)
    return RequirementGrid(
        raw.reshape(shape),
        scheduled.reshape(shape),
        service_level.reshape(shape),
        occupancy.reshape(shape),
        asa.reshape(shape),
    )
