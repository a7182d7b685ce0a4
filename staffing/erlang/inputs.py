"""Input checks and exact decimal arithmetic shared by the queueing models.

Planners type rates such as 0.3 shrinkage or 0.85 occupancy. The binary float nearest 0.3 is a hair below
it, so 21 / (1 - 0.3) computes as 30.000000000000004 and a plain ceil staffs 31 operators where 30 do. Every
rounding to whole operators therefore goes through a Fraction built from the float's shortest decimal
string: the number the planner typed, not its binary neighbour.
"""

from __future__ import annotations

import functools
import math
import operator
from fractions import Fraction
from typing import SupportsFloat, SupportsIndex

Number = SupportsFloat | SupportsIndex


def exact(value: Number) -> Fraction:
    """The value the planner meant: integers as they are, floats as their shortest decimal string."""
    if isinstance(value, float):  # numpy's float64 too
        return _exact_float(float(value))
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    if isinstance(value, SupportsIndex):
        return Fraction(operator.index(value))
    return _exact_float(float(value))


@functools.lru_cache(maxsize=4096)
def _exact_float(value: float) -> Fraction:
    # Cached: a grid repeats the same handle times, intervals and rates in thousands of cells.
    return Fraction(repr(value))


def number(name: str, value: Number, *, positive: bool = False) -> float:
    """A finite number of at least 0 (above 0 when `positive`), or a ValueError naming the argument."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    as_float = float(value)
    if not math.isfinite(as_float):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and as_float <= 0:
        raise ValueError(f"{name} must be above 0, got {value!r}")
    if as_float < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return as_float


def agent_count(value: SupportsIndex) -> int:
    """A whole number of agents, at least 0."""
    if isinstance(value, bool | float):
        raise TypeError(f"agents must be a whole number, got {value!r}")
    agents = operator.index(value)
    if agents < 0:
        raise ValueError(f"agents must not be negative, got {agents}")
    return agents


def share_below_one(name: str, value: Number) -> float:
    """A share in [0, 1): a target of 1 would need infinitely many agents."""
    share = number(name, value)
    if share >= 1:
        raise ValueError(f"{name} must be below 1 (no finite staff reaches 100 %), got {value!r}")
    return share


def occupancy_cap(name: str, value: Number) -> float:
    """A share in (0, 1]: the most of their time agents may spend handling work."""
    cap = number(name, value, positive=True)
    if cap > 1:
        raise ValueError(f"{name} must be at most 1, got {value!r}")
    return cap


def grossed_up(raw: int, shrinkage: Number) -> int:
    """Agents to schedule so that `raw` remain after shrinkage (breaks, training, absence): ceil exactly."""
    return math.ceil(Fraction(raw) / (1 - exact(shrinkage)))
