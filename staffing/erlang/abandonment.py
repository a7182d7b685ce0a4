"""Erlang A (Palm's M/M/N+M): callers who wait too long hang up, after an exponential patience.

With n agents, traffic a = lambda / mu, handle rate mu = 1 / aht and abandonment rate theta = 1 / patience,
write x = n mu / theta and y = lambda / theta. The waiting part of the birth-death chain sums to

    M(x, y) = sum_{k >= 0} y^k / ((x + 1)(x + 2)...(x + k)) = x e^y y^-x gamma(x, y),

the lower incomplete gamma function in the scaling of its power series. The closed forms (Mandelbaum &
Zeltyn, "The Palm/Erlang-A queue, with applications to call centers", 2007; Garnett, Mandelbaum & Reiman
2002) are then, with E = Erlang B(n, a) and r = exp(-theta t):

    P(wait)                        = E M / (1 + (M - 1) E)
    P(abandon | wait)              = sum_j p_j (j + 1) / (x + j + 1),      p_j = y^j / ((x+1)...(x+j)) / M
    P(answered after t | wait)     = gamma(x + 1, y r) / (y gamma(x, y))
                                   = r^(x+1) e^(y (1 - r)) x / (x + 1) M(x + 1, y r) / M(x, y)
    E[wait; answered | wait]       = sum_j p_j x / (theta (x + j + 1)) sum_{i=0..j} 1 / (x + i + 1)

(the abandonment sum equals the paper's 1 + 1/(rho M) - 1/rho, kept as a sum of positive terms so that a
small abandonment rate keeps its digits; the last line is the Laplace transform of the tagged task's wait
behind j others, each leaving at rate n mu + i theta, taken at theta). Every series is summed in log space,
in chunks, until its tail is provably below e^-40 of the sum: no overflow for any size, and about max(0, y -
x) + 12 sqrt(y) terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import SupportsIndex

import numpy as np
import numpy.typing as npt

from staffing.erlang.inputs import Number, agent_count, number
from staffing.erlang.waiting import erlang_c, inverse_erlang_b

NEGLIGIBLE = 40.0
"""A series stops once its tail is below e^-40 of its sum (and of each weighted sum)."""

MAX_TERMS = 50_000_000
CHUNK = 1 << 14
"""An overloaded queue with near-endless patience would need more terms than is reasonable to sum."""


@dataclass(frozen=True, slots=True)
class ErlangA:
    """How a queue with abandonment fares with `agents` agents."""

    agents: int
    traffic_erlangs: float
    wait_probability: float
    """Share of tasks that wait at all."""
    abandon_probability: float
    """Share of tasks abandoned before an agent takes them."""
    service_level: float
    """Share of all tasks answered (not abandoned) within the answer time."""
    asa_s: float
    """Average wait of the answered tasks, in seconds; math.inf when nobody is answered."""
    occupancy: float
    """Share of the agents' time spent handling tasks (abandoned ones take none)."""


@dataclass(frozen=True, slots=True)
class _LogSums:
    total: float
    """log M(x, z) = log sum_k t_k."""
    abandoning: float
    """log sum_k t_k (k + 1) / (x + k + 1)."""
    answered: float
    """log sum_k t_k x / (x + k + 1)."""
    answered_wait: float
    """log sum_k t_k x / (x + k + 1) H_k, H_k = sum_{i=0..k} 1 / (x + i + 1)."""


class _LogSum:
    """A running log(sum(exp(terms))) that never overflows."""

    def __init__(self) -> None:
        self.shift = -math.inf
        self.scaled = 0.0

    def add(self, log_terms: npt.NDArray[np.float64]) -> None:
        top = float(log_terms.max())
        if top == -math.inf:
            return
        if top > self.shift:
            self.scaled = self.scaled * math.exp(self.shift - top) if self.scaled else 0.0
            self.shift = top
        self.scaled += float(np.exp(log_terms - self.shift).sum())

    @property
    def value(self) -> float:
        return self.shift + math.log(self.scaled) if self.scaled else -math.inf


def _harmonic(x: float, last: int) -> float:
    """sum_{i=0..last} 1 / (x + i + 1), summed pairwise in chunks."""
    total = 0.0
    for first in range(0, last + 1, CHUNK):
        i = np.arange(first, min(last, first + CHUNK - 1) + 1, dtype=np.float64)
        total += float(np.sum(1.0 / (x + i + 1.0)))
    return total


def _log_series(x: float, z: float) -> _LogSums:
    """The four sums above for x > 0, z >= 0, each in log space.

    The terms t_k rise while z / (x + k) > 1 and fall after, so they are summed outward from the largest one,
    each as its log relative to it: those relative logs stay small where the terms matter, so float rounding
    in their running sums stays at the level of a few ulps (summing up from k = 0 would carry the rounding of
    a log of size z). Each direction stops once its remaining terms, which shrink at least geometrically, add
    less than e^-40 of every sum.
    """
    sums = [_LogSum() for _ in range(4)]
    mode = max(0, math.floor(z - x))
    if mode > MAX_TERMS:
        raise ValueError("patience_s is too long for this queue: use erlang_c (callers who never leave)")
    log_t_mode = mode * math.log(z) - (math.lgamma(x + mode + 1.0) - math.lgamma(x + 1.0)) if mode else 0.0
    harmonic_mode = _harmonic(x, mode)

    def add(
        k: npt.NDArray[np.float64], relative_log_t: npt.NDArray[np.float64], harmonic: npt.NDArray[np.float64]
    ) -> bool:
        answered_share = x / (x + k + 1.0)
        sums[0].add(relative_log_t)
        sums[1].add(relative_log_t + np.log((k + 1.0) / (x + k + 1.0)))
        sums[2].add(relative_log_t + np.log(answered_share))
        sums[3].add(relative_log_t + np.log(answered_share * harmonic))
        # Later terms shrink by at least `ratio` each: their sum is at most the last x ratio / (1 - ratio).
        ratio = z / (x + k[-1] + 1.0) if k[-1] >= k[0] else (x + k[-1]) / z
        if k[-1] == 0 or ratio == 0:
            return True
        if ratio >= 1.0:
            return False
        log_tail = float(relative_log_t[-1]) + math.log(ratio) - math.log1p(-ratio)
        return log_tail < min(total.value for total in sums) - NEGLIGIBLE

    # Upward from the largest term: t_k = t_{k-1} z / (x + k).
    log_z = math.log(z) if z > 0 else -math.inf
    first, relative, harmonic, done = mode, 0.0, harmonic_mode, False
    while not done:
        k = np.arange(first, first + CHUNK, dtype=np.float64)
        steps = log_z - np.log(x + k)
        steps[0] = relative if first == mode else steps[0] + relative
        harmonics = np.cumsum(1.0 / (x + k + 1.0))
        harmonics += harmonic - harmonics[0] if first == mode else harmonic
        relative_log_t = np.cumsum(steps)
        done = add(k, relative_log_t, harmonics)
        relative, harmonic, first = float(relative_log_t[-1]), float(harmonics[-1]), first + CHUNK
        if first - mode > MAX_TERMS:
            raise ValueError("patience_s is too long for this queue: use erlang_c (callers who never leave)")
    # Downward from just below it: t_{k-1} = t_k (x + k) / z.
    last, relative, harmonic, done = mode - 1, 0.0, harmonic_mode, mode == 0
    while not done:
        k = np.arange(last, max(-1, last - CHUNK), -1, dtype=np.float64)
        relative_log_t = relative - np.cumsum(log_z - np.log(x + k + 1.0))
        harmonics = harmonic - np.cumsum(1.0 / (x + k + 2.0))
        done = add(k, relative_log_t, harmonics)
        relative, harmonic, last = float(relative_log_t[-1]), float(harmonics[-1]), last - CHUNK
        if mode - last > MAX_TERMS:
            raise ValueError("patience_s is too long for this queue: use erlang_c (callers who never leave)")
    return _LogSums(*(log_t_mode + total.value for total in sums))


def _logistic(log_odds: float) -> float:
    """1 / (1 + exp(-log_odds)) without overflow."""
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-log_odds))
    odds = math.exp(log_odds)
    return odds / (1.0 + odds)


def erlang_a(
    agents: SupportsIndex, traffic_erlangs: Number, aht_s: Number, patience_s: Number, answer_s: Number
) -> ErlangA:
    """Probability of waiting and of abandoning, service level within `answer_s` and ASA of answered tasks.

    `patience_s` is the callers' mean patience; math.inf gives Erlang C. Any staff is stable here, because
    callers leave: fewer agents than traffic is an ordinary answer.
    """
    n = agent_count(agents)
    traffic = number("traffic_erlangs", traffic_erlangs)
    aht = number("aht_s", aht_s, positive=True)
    patience = float(patience_s)
    if math.isnan(patience) or patience <= 0:
        raise ValueError(
            f"patience_s must be above 0 (math.inf for callers who never leave), got {patience_s!r}"
        )
    answer = number("answer_s", answer_s)
    if traffic == 0:
        return ErlangA(n, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    if patience == math.inf:
        c = erlang_c(n, traffic, aht, answer)
        return ErlangA(n, traffic, c.wait_probability, 0.0, c.service_level, c.asa_s, c.occupancy)
    if n == 0:
        return ErlangA(0, traffic, 1.0, 1.0, 0.0, math.inf, 0.0)

    x, y = n * patience / aht, traffic * patience / aht
    sums = _log_series(x, y)
    # P(wait) = M / (1/E - 1 + M), as log odds so that neither a huge M nor a huge 1/E overflows;
    # 1/E(n) - 1 = (n / a) / E(n - 1) keeps its digits where 1/E(n) is within rounding of 1.
    log_rest = math.log(n / traffic) + math.log(inverse_erlang_b(n - 1, traffic))
    waiting, not_waiting = _logistic(sums.total - log_rest), _logistic(log_rest - sums.total)
    abandon_if_waiting = math.exp(sums.abandoning - sums.total)
    answered_if_waiting = math.exp(sums.answered - sums.total)
    if answer > 0:
        late = _log_series(x + 1.0, y * math.exp(-answer / patience)).total
        # log of r^(x+1) e^(y (1 - r)) x / (x + 1), with r = exp(-answer / patience)
        log_scale = (
            -(x + 1.0) * answer / patience - y * math.expm1(-answer / patience) + math.log(x / (x + 1.0))
        )
        answered_late_if_waiting = min(answered_if_waiting, math.exp(log_scale + late - sums.total))
    else:
        answered_late_if_waiting = answered_if_waiting
    answered = not_waiting + waiting * answered_if_waiting
    wait_answered = waiting * math.exp(sums.answered_wait - sums.total) * patience
    return ErlangA(
        agents=n,
        traffic_erlangs=traffic,
        wait_probability=waiting,
        abandon_probability=waiting * abandon_if_waiting,
        service_level=not_waiting + waiting * (answered_if_waiting - answered_late_if_waiting),
        asa_s=wait_answered / answered if answered > 0 else math.inf,
        occupancy=traffic * answered / n,
    )
