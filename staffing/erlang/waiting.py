"""Erlang C (M/M/N, callers wait as long as it takes): how a staff fares, and the staff a target needs.

The Erlang B blocking probability B(n, A) is carried as its inverse y(n) = 1/B(n, A) through the recursion
y(n) = 1 + (n / A) * y(n - 1), y(0) = 1: no factorials, no powers, every term positive, so nothing cancels,
and past the point where y overflows to infinity B is below 1e-308 and the figures are exactly what they
round to (nobody waits). Erlang C follows from it: C = N / (y(N) * (N - A) + A).

Starting the recursion at n = 0 costs N steps. Below the traffic A each step shrinks the relative error of y
by the factor n / A, so the recursion may instead start at n0 = floor(A) - ceil(10 sqrt A) - 10 from the
rough value y(n0) = A / (A - n0): that value is off by at most a factor A / (A - n0), and the steps up to A
shrink the error by at least exp(-(A - n0)^2 / 2A) < exp(-49), far below a float's resolution. A requirement
at 10,000 erlangs thus takes about 1,000 + (N - A) steps instead of 10,000.

Deciding whether N agents meet a service level is a comparison of two reals; in floats it is exact unless
the two are within rounding of each other. Such near ties (about one in a billion) are re-decided in
50-digit decimal arithmetic from the numbers the planner typed, so the agent count never depends on float
noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import SupportsIndex

from staffing.erlang.inputs import (
    Number,
    agent_count,
    exact,
    grossed_up,
    number,
    occupancy_cap,
    share_below_one,
)

WARM_UP_SPREAD = 10
"""Standard deviations of the traffic below A at which the recursion may start (see the module docstring)."""

NEAR_TIE = 1e-9
"""Relative gap under which a float comparison of missed share against allowed share is re-decided exactly."""

TIE_PER_STEP = 1e-13
"""Widening of that gap per recursion step and per erlang of exponent (each adds a rounding of ~1e-16)."""

DECIMAL_DIGITS = 50


@dataclass(frozen=True, slots=True)
class ErlangC:
    """How a queue of `traffic_erlangs` fares with `agents` agents."""

    agents: int
    traffic_erlangs: float
    wait_probability: float
    """Share of tasks that wait at all (Erlang C)."""
    service_level: float
    """Share of tasks answered within the answer time."""
    asa_s: float
    """Average speed of answer over all tasks, in seconds; math.inf when the queue grows without end."""
    occupancy: float
    """Share of the agents' time spent handling tasks."""

    @property
    def answered_immediately(self) -> float:
        return 1.0 - self.wait_probability


@dataclass(frozen=True, slots=True)
class Requirement:
    """The staff a queue needs in one interval."""

    raw: int
    """Fewest agents on the floor meeting the service level and the occupancy cap."""
    scheduled: int
    """Agents to schedule so that `raw` remain after shrinkage."""
    traffic_erlangs: float
    wait_probability: float
    service_level: float
    asa_s: float
    occupancy: float
    """These four at `raw` agents."""


def warm_up_start(traffic: float) -> int:
    """Agent count at which the Erlang B recursion may start; 0 or less means start at 0."""
    return math.floor(traffic) - math.ceil(WARM_UP_SPREAD * math.sqrt(traffic)) - WARM_UP_SPREAD


def inverse_erlang_b(agents: int, traffic: float) -> float:
    """1 / B(agents, traffic); math.inf once B is below the float range."""
    if traffic == 0:
        return 1.0 if agents == 0 else math.inf
    start = warm_up_start(traffic)
    if start <= 0 or agents <= start:
        start, inverse = 0, 1.0
    else:
        inverse = traffic / (traffic - start)
    for n in range(start + 1, agents + 1):
        inverse = 1.0 + n * inverse / traffic
        if inverse == math.inf:
            break
    return inverse


def _waiting_and_missed(
    agents: int, traffic: float, aht_s: float, answer_s: float, inverse_b: float
) -> tuple[float, float]:
    """Erlang C's share of tasks that wait, and that wait longer than `answer_s`, at agents > traffic > 0.

    The missed share is kept as it is, not as 1 - service level, which would lose its digits near 1.
    """
    excess = agents - traffic
    waiting = agents / (inverse_b * excess + traffic)
    return waiting, waiting * math.exp(-excess * answer_s / aht_s)


def _figures(agents: int, traffic: float, aht_s: float, answer_s: float, inverse_b: float) -> ErlangC:
    waiting, missed = _waiting_and_missed(agents, traffic, aht_s, answer_s, inverse_b)
    excess = agents - traffic
    return ErlangC(agents, traffic, waiting, 1.0 - missed, waiting * aht_s / excess, traffic / agents)


def erlang_c(agents: SupportsIndex, traffic_erlangs: Number, aht_s: Number, answer_s: Number) -> ErlangC:
    """Probability of waiting, service level within `answer_s`, ASA and occupancy of `agents` agents.

    At or below the traffic the queue never empties: every task waits, none within the answer time, the
    average wait is infinite and the agents are always busy. That is an answer, not an error.
    """
    agents = agent_count(agents)
    traffic = number("traffic_erlangs", traffic_erlangs)
    aht = number("aht_s", aht_s, positive=True)
    answer = number("answer_s", answer_s)
    if traffic == 0:
        return ErlangC(agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents <= traffic:
        return ErlangC(agents, traffic, 1.0, 0.0, math.inf, 1.0)
    return _figures(agents, traffic, aht, answer, inverse_erlang_b(agents, traffic))


def tie_tolerance(agents: float, traffic: float, answer_over_aht: float) -> float:
    """Relative error bound, with a wide margin, of the float missed share at this staff.

    The recursion adds a rounding per step; the exponent (N - A) * answer / aht inherits A's rounding.
    """
    return NEAR_TIE + TIE_PER_STEP * (agents + traffic * (1.0 + answer_over_aht))


def meets_service_level_exactly(
    agents: int, traffic: Fraction, aht_s: Fraction, answer_s: Fraction, target_sl: Fraction
) -> bool:
    """Whether `agents` (> traffic) answer `target_sl` of tasks within `answer_s`, in 50-digit decimals."""
    with localcontext() as context:
        context.prec = DECIMAL_DIGITS
        load = Decimal(traffic.numerator) / Decimal(traffic.denominator)
        inverse = Decimal(1)
        for n in range(1, agents + 1):
            inverse = 1 + n * inverse / load
        excess = agents - load
        waiting = agents / (inverse * excess + load)
        exponent = -excess * (Decimal(answer_s.numerator) / Decimal(answer_s.denominator))
        exponent /= Decimal(aht_s.numerator) / Decimal(aht_s.denominator)
        missed = waiting * exponent.exp()
        return missed <= 1 - Decimal(target_sl.numerator) / Decimal(target_sl.denominator)


def lowest_candidate(traffic: Fraction, max_occupancy: Fraction) -> int:
    """Fewest agents that keep the queue stable (more than the traffic) and within the occupancy cap."""
    return max(math.floor(traffic) + 1, math.ceil(traffic / max_occupancy))


def required_agents(
    volume: Number,
    aht_s: Number,
    interval_s: Number,
    target_sl: Number,
    answer_s: Number,
    max_occupancy: Number = 1.0,
    shrinkage: Number = 0.0,
) -> Requirement:
    """Fewest agents answering `target_sl` of `volume` tasks per `interval_s` within `answer_s`.

    Raw is the smallest count above the traffic that meets both the service level and the occupancy cap;
    scheduled grosses it up for shrinkage. No volume needs no agents.
    """
    number("volume", volume)
    aht = number("aht_s", aht_s, positive=True)
    number("interval_s", interval_s, positive=True)
    share_below_one("target_sl", target_sl)
    answer = number("answer_s", answer_s)
    occupancy_cap("max_occupancy", max_occupancy)
    share_below_one("shrinkage", shrinkage)

    exact_traffic = exact(volume) * exact(aht_s) / exact(interval_s)
    if exact_traffic == 0:
        return Requirement(0, 0, 0.0, 0.0, 1.0, 0.0, 0.0)
    traffic = float(exact_traffic)  # correctly rounded
    agents = lowest_candidate(exact_traffic, exact(max_occupancy))
    inverse_b = inverse_erlang_b(agents, traffic)
    allowed_miss = 1.0 - float(target_sl)
    while True:
        missed = _waiting_and_missed(agents, traffic, aht, answer, inverse_b)[1]
        if abs(missed - allowed_miss) <= tie_tolerance(agents, traffic, answer / aht) * allowed_miss:
            met = meets_service_level_exactly(
                agents, exact_traffic, exact(aht_s), exact(answer_s), exact(target_sl)
            )
        else:
            met = missed <= allowed_miss
        if met:
            break
        agents += 1
        inverse_b = 1.0 + agents * inverse_b / traffic
    figures = _figures(agents, traffic, aht, answer, inverse_b)
    return Requirement(
        raw=agents,
        scheduled=grossed_up(agents, shrinkage),
        traffic_erlangs=traffic,
        wait_probability=figures.wait_probability,
        service_level=figures.service_level,
        asa_s=figures.asa_s,
        occupancy=figures.occupancy,
    )
