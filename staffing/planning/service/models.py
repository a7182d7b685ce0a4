"""Each queue's staffing model, through staffing.erlang: Erlang C for live contacts (answered within a time),
workload for back office (hours of work per interval at a ceiling of occupancy); and the service level a
number of operators would give."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from staffing import erlang
from staffing.planning.service.queues import PlannedQueue


def required_operators(
    queue: PlannedQueue, volume: NDArray[np.float64], aht_s: NDArray[np.float64], interval_s: int
) -> NDArray[np.float64]:
    """Operators to schedule per interval for this queue alone (shrinkage included)."""
    required = np.zeros(volume.size)
    busy = volume > 0
    if not busy.any():
        return required
    if queue.model == "erlang_c":
        grid = erlang.required_agents_grid(
            volume[busy],
            aht_s[busy],
            interval_s,
            queue.target_service_level,
            queue.answer_time_s,
            max_occupancy=queue.max_occupancy,
            shrinkage=queue.shrinkage,
        )
        required[busy] = np.asarray(grid.scheduled, dtype=np.float64)
        return required
    required[busy] = [
        erlang.workload_agents(
            float(v), float(a), interval_s, occupancy=queue.max_occupancy, shrinkage=queue.shrinkage
        )
        for v, a in zip(volume[busy], aht_s[busy], strict=True)
    ]
    return required


def service_level(operators: float, traffic_erlangs: float, aht_s: float, answer_s: float) -> float | None:
    """Erlang C's share of work answered within ``answer_s`` with this many operators at work (None when
    there is no work)."""
    if traffic_erlangs <= 0 or aht_s <= 0:
        return None
    agents = math.floor(operators + 1e-9)
    if agents <= 0 or agents <= traffic_erlangs:
        return 0.0  # an overloaded queue grows without bound
    return float(erlang.erlang_c(agents, traffic_erlangs, aht_s, answer_s).service_level)
