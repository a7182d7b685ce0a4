"""staffing.erlang against published worked examples, an exact reference (mpmath, through the regularized
incomplete gamma function rather than our recursion) and a numerically solved birth-death chain. Pure: no
database, so these run in both passes."""

from __future__ import annotations

import ast
import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest

from staffing.erlang import (
    backlog_clearance_agents,
    completed_within_agents,
    erlang_a,
    erlang_c,
    required_agents,
    required_agents_grid,
    workload_agents,
)

ROOT = Path(__file__).resolve().parents[2]
# A copy of ../shared/data/erlang_published.json, so that CI, which has only the repository, reads it too.
PUBLISHED = json.loads((Path(__file__).parent / "data" / "erlang_published.json").read_text())
mpmath.mp.dps = 40


# ---- the exact reference -----------------------------------------------------------------------------


def exact_traffic(volume: float, aht_s: float, interval_s: float) -> Fraction:
    return Fraction(repr(volume)) * Fraction(repr(aht_s)) / Fraction(repr(interval_s))


def reference_erlang_c(
    agents: int, traffic: Fraction | float, aht_s: float, answer_s: float
) -> dict[str, Any]:
    """Erlang C at 40 digits: B(N, A) = Poisson pmf(N) / cdf(N), the cdf as an incomplete gamma function."""
    a = (
        mpmath.mpf(traffic.numerator) / traffic.denominator
        if isinstance(traffic, Fraction)
        else mpmath.mpf(traffic)
    )
    n = agents
    pmf = mpmath.exp(n * mpmath.log(a) - a - mpmath.loggamma(n + 1))
    b = pmf / mpmath.gammainc(n + 1, a, mpmath.inf, regularized=True)
    c = n * b / (n - a * (1 - b))
    missed = c * mpmath.exp(-(n - a) * mpmath.mpf(repr(answer_s)) / mpmath.mpf(repr(aht_s)))
    return {"wait": c, "missed": missed, "asa": c * mpmath.mpf(repr(aht_s)) / (n - a), "occupancy": a / n}


def reference_raw(
    volume: float, aht_s: float, interval_s: float, target_sl: float, answer_s: float, cap: float = 1.0
) -> int:
    traffic = exact_traffic(volume, aht_s, interval_s)
    agents = max(math.floor(traffic) + 1, math.ceil(traffic / Fraction(repr(cap))))
    allowed = 1 - mpmath.mpf(repr(target_sl))
    while reference_erlang_c(agents, traffic, aht_s, answer_s)["missed"] > allowed:
        agents += 1
    return agents


# ---- published examples ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", PUBLISHED["required"], ids=lambda case: case["id"])
def test_published_requirements(case: dict[str, Any]) -> None:
    args = (case["volume"], case["aht_s"], case["interval_s"], case["target_sl"], case["awt_s"])
    options = {"max_occupancy": case["max_occupancy"], "shrinkage": case["shrinkage"]}
    expect = case["expect"]
    found = required_agents(*args, **options)
    assert (found.raw, found.scheduled) == (expect["raw"], expect["scheduled"])
    assert found.traffic_erlangs == pytest.approx(expect["traffic_erlangs"])
    assert found.wait_probability == pytest.approx(expect["p_wait"], abs=1e-6)
    assert found.service_level == pytest.approx(expect["sl"], abs=1e-5)
    assert found.asa_s == pytest.approx(expect["asa_s"], abs=1e-3)
    assert found.occupancy == pytest.approx(expect["occupancy"], abs=1e-6)
    grid = required_agents_grid(np.array([case["volume"]] * 3), *args[1:], **options)
    assert grid.raw.tolist() == [expect["raw"]] * 3
    assert grid.scheduled.tolist() == [expect["scheduled"]] * 3
    assert grid.service_level == pytest.approx(found.service_level, rel=1e-12)


@pytest.mark.parametrize("case", PUBLISHED["evaluate"], ids=lambda case: case["id"])
def test_published_evaluations(case: dict[str, Any]) -> None:
    figures = erlang_c(case["agents"], case["traffic_erlangs"], case["aht_s"], case["awt_s"])
    expect = case["expect"]
    assert figures.wait_probability == pytest.approx(expect["p_wait"], rel=1e-6)
    assert figures.service_level == pytest.approx(expect["service_level"], rel=1e-7)
    assert figures.asa_s == pytest.approx(expect["asa_s"], rel=1e-5)
    assert figures.occupancy == pytest.approx(expect["occupancy"], rel=1e-7)
    assert figures.answered_immediately == pytest.approx(expect["answered_immediately"], rel=1e-5)


# ---- exact reference ---------------------------------------------------------------------------------

SWEEP = [
    (1, 0.5),
    (2, 1.999),
    (14, 10.0),
    (55, 48.0),
    (100, 99.99),
    (1000, 950.0),
    (1000, 999.999999),
    (3000, 2999.5),
    (10_000, 9_700.0),
    (10_000, 9_999.0),
    (10_000, 9_999.9999),
    (10_000, 30.0),
]


@pytest.mark.parametrize(("agents", "traffic"), SWEEP)
def test_erlang_c_agrees_with_the_exact_reference(agents: int, traffic: float) -> None:
    figures = erlang_c(agents, traffic, 240, 20)
    reference = reference_erlang_c(agents, traffic, 240, 20)
    assert figures.wait_probability == pytest.approx(float(reference["wait"]), rel=1e-11, abs=1e-300)
    assert 1 - figures.service_level == pytest.approx(float(reference["missed"]), rel=1e-9, abs=1e-15)
    assert figures.asa_s == pytest.approx(float(reference["asa"]), rel=1e-9, abs=1e-300)
    assert figures.occupancy == pytest.approx(float(reference["occupancy"]), rel=1e-15)


REQUIREMENTS = [
    # volume per half hour, aht, target, answer, occupancy cap
    (100, 180, 0.8, 20, 1.0),
    (1, 600, 0.9, 30, 1.0),
    (3_600, 240, 0.8, 20, 1.0),
    (7_000, 300, 0.95, 10, 1.0),
    (59_400, 300, 0.8, 20, 1.0),  # 9,900 erlangs: about 10,000 agents
    (60_000, 299.5, 0.99, 5, 0.999),
    (4_999, 360, 0.5, 0, 1.0),
    (333, 187.3, 0.85, 15, 0.85),
]


@pytest.mark.parametrize(("volume", "aht", "target", "answer", "cap"), REQUIREMENTS)
def test_required_agents_match_the_exact_reference(
    volume: float, aht: float, target: float, answer: float, cap: float
) -> None:
    expected = reference_raw(volume, aht, 1800, target, answer, cap)
    assert required_agents(volume, aht, 1800, target, answer, max_occupancy=cap).raw == expected
    assert required_agents_grid([volume], aht, 1800, target, answer, max_occupancy=cap).raw.tolist() == [
        expected
    ]


@pytest.mark.parametrize("agents", [14, 930, 10_000])
@pytest.mark.parametrize("nudge", ["-1e-13", "0", "1e-13"])
def test_a_target_within_float_noise_of_the_service_level_is_decided_exactly(agents: int, nudge: str) -> None:
    """Targets 1e-13 either side of the exact service level of `agents`: floats cannot tell them apart."""
    volume, aht, answer = {14: (100, 180, 20), 930: (5_400, 300, 20), 10_000: (59_400, 300, 20)}[agents]
    traffic = exact_traffic(volume, aht, 1800)
    level = 1 - reference_erlang_c(agents, traffic, aht, answer)["missed"]
    target = float(mpmath.nstr(level + mpmath.mpf(nudge), 17))
    expected = reference_raw(volume, aht, 1800, target, answer)
    assert expected in {agents, agents + 1}
    assert required_agents(volume, aht, 1800, target, answer).raw == expected
    assert required_agents_grid(volume, aht, 1800, target, answer).raw == expected


# ---- edges -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("agents", "traffic"), [(10, 10.0), (9, 10.0), (0, 3.0), (10_000, 10_000.5)])
def test_at_or_below_the_traffic_the_queue_never_clears(agents: int, traffic: float) -> None:
    figures = erlang_c(agents, traffic, 180, 20)
    assert (figures.wait_probability, figures.service_level, figures.asa_s) == (1.0, 0.0, math.inf)
    assert figures.occupancy == 1.0


def test_zero_volume_needs_zero_agents() -> None:
    found = required_agents(0, 180, 1800, 0.8, 20, shrinkage=0.3)
    assert (found.raw, found.scheduled, found.service_level, found.asa_s) == (0, 0, 1.0, 0.0)
    grid = required_agents_grid(np.array([[0.0, 100.0], [0.0, 0.0]]), 180, 1800, 0.8, 20, shrinkage=0.3)
    assert grid.raw.tolist() == [[0, 14], [0, 0]]
    assert grid.scheduled.tolist() == [[0, 20], [0, 0]]
    assert erlang_c(5, 0, 180, 20).wait_probability == 0.0


def test_shrinkage_grosses_up_exactly() -> None:
    assert 21 / (1 - 0.3) > 30  # the float trap the exact arithmetic avoids
    assert workload_agents(21, 1, 1, shrinkage=0.3) == 30
    assert workload_agents(7, 1, 1, occupancy=0.7) == 10
    # 2.2 and 10 erlangs under a 50 % cap: 5 and 20 agents, scheduled ceil(5 / 0.7) = 8, ceil(20 / 0.7) = 29
    grid = required_agents_grid(np.array([1.0, 100.0]), [4_000.0, 180.0], 1800, 0.1, 0, 0.5, 0.3)
    assert grid.raw.tolist() == [5, 20]
    assert grid.scheduled.tolist() == [8, 29]


def test_grossing_up_21_agents_for_30_percent_shrinkage_gives_30() -> None:
    # 20.5 erlangs need 21 agents to be stable; a 0 % target asks nothing more.
    found = required_agents(41, 900, 1800, 0.0, 20, shrinkage=0.3)
    assert (found.raw, found.scheduled) == (21, 30)
    grid = required_agents_grid([41.0, 41.0], 900, 1800, 0.0, 20, shrinkage=[0.3, 0.3])
    assert grid.scheduled.tolist() == [30, 30]


def test_the_occupancy_cap_binds_exactly() -> None:
    # 221 tasks of 90 s per half hour: 11.05 erlangs; at 85 % exactly 13 agents (13.000000000000002 in floats)
    assert 221 * 90 / 1800 / 0.85 > 13
    unbound = required_agents(221, 90, 1800, 0.5, 60)
    assert unbound.raw < 13
    found = required_agents(221, 90, 1800, 0.5, 60, max_occupancy=0.85)
    assert found.raw == 13
    assert found.occupancy == pytest.approx(0.85)
    assert required_agents_grid([221, 221], 90, 1800, 0.5, 60, max_occupancy=0.85).raw.tolist() == [13, 13]
    assert workload_agents(221, 90, 1800, occupancy=0.85) == 13


def test_the_grid_equals_the_scalar_function_on_random_cells() -> None:
    rng = np.random.default_rng(20261128)
    shape = (24, 10)
    volume = np.round(rng.gamma(2.0, 150.0, shape)) * (rng.random(shape) > 0.1)
    volume[0, :3] = [0.5, 3_000.25, 59_000]
    aht = np.round(rng.uniform(60, 900, shape), 1)
    target = rng.choice([0.0, 0.5, 0.8, 0.9, 0.95, 0.99], size=(1, 10))
    answer = rng.choice([0.0, 10.0, 20.0, 60.0, 3_600.0], size=(1, 10))
    cap = rng.choice([0.7, 0.85, 1.0], size=(1, 10))
    shrinkage = rng.choice([0.0, 0.3, 0.35, 0.123], size=(1, 10))
    grid = required_agents_grid(volume, aht, 1800, target, answer, cap, shrinkage)
    assert grid.raw.shape == shape
    for i, j in np.ndindex(shape):
        one = required_agents(
            volume[i, j], aht[i, j], 1800, target[0, j], answer[0, j], cap[0, j], shrinkage[0, j]
        )
        assert (grid.raw[i, j], grid.scheduled[i, j]) == (one.raw, one.scheduled), (i, j)
        assert grid.service_level[i, j] == pytest.approx(one.service_level, rel=1e-9)
        assert grid.occupancy[i, j] == pytest.approx(one.occupancy, rel=1e-12)
        assert grid.asa_s[i, j] == pytest.approx(one.asa_s, rel=1e-8, abs=1e-300)


def test_huge_inputs_give_numbers_not_nan() -> None:
    many = erlang_c(1_000_000, 10.0, 180, 20)
    assert (many.wait_probability, many.service_level, many.asa_s) == (0.0, 1.0, 0.0)
    for figures in (erlang_c(10_000, 9_999.999_999, 300, 20), erlang_c(20_000, 19_000.5, 1, 10_000)):
        assert all(math.isfinite(v) for v in (figures.wait_probability, figures.service_level, figures.asa_s))
    found = required_agents(10_000_000, 300, 1800, 0.8, 20)  # 1.67 million erlangs
    assert found.raw > found.traffic_erlangs and math.isfinite(found.service_level)
    grid = required_agents_grid([1e6, 1.0, 10.0], 300, 1800, 0.99, 20, max_occupancy=[1.0, 0.001, 1.0])
    assert not np.isnan(np.concatenate([grid.service_level, grid.asa_s, grid.occupancy])).any()
    assert grid.raw[1] == 167  # 0.1667 erlangs under a 0.1 % cap
    patient = erlang_a(10_000, 12_000.0, 300, 600, 20)
    assert all(math.isfinite(v) for v in (patient.wait_probability, patient.service_level, patient.asa_s))


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: erlang_c(-1, 10, 180, 20), "agents"),
        (lambda: erlang_c(10, -1, 180, 20), "traffic_erlangs"),
        (lambda: erlang_c(10, 5, 0, 20), "aht_s"),
        (lambda: erlang_c(10, 5, 180, -20), "answer_s"),
        (lambda: erlang_c(10, math.nan, 180, 20), "traffic_erlangs"),
        (lambda: required_agents(-5, 180, 1800, 0.8, 20), "volume"),
        (lambda: required_agents(5, 180, 0, 0.8, 20), "interval_s"),
        (lambda: required_agents(5, 180, 1800, 1.0, 20), "target_sl"),
        (lambda: required_agents(5, 180, 1800, 0.8, 20, max_occupancy=0), "max_occupancy"),
        (lambda: required_agents(5, 180, 1800, 0.8, 20, shrinkage=1), "shrinkage"),
        (lambda: required_agents_grid([5, -1], 180, 1800, 0.8, 20), "volume"),
        (lambda: required_agents_grid([5, 1], [180, math.inf], 1800, 0.8, 20), "aht_s"),
        (lambda: required_agents_grid(5, 180, 1800, 0.8, 20, max_occupancy=1.5), "max_occupancy"),
        (lambda: erlang_a(10, 5, 180, 0, 20), "patience_s"),
        (lambda: workload_agents(10, 180, -1), "productive_s"),
        (lambda: backlog_clearance_agents(10, 5, 180, 3600, 0), "days"),
        (lambda: completed_within_agents(10, 180, 1800, 0.8, 100), "within_s"),
    ],
)
def test_bad_inputs_are_refused_by_name(call: Any, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        call()


# ---- back office -------------------------------------------------------------------------------------


def test_workload_and_backlog_clearance() -> None:
    # 1,000 tasks of 6 minutes in a 7.5 h day at 85 % and 30 % shrinkage: 100 h / 4.4625 h = 22.4 -> 23
    assert workload_agents(1_000, 360, 27_000, occupancy=0.85, shrinkage=0.3) == 23
    assert workload_agents(0, 360, 27_000) == 0
    # 2,000 on hand plus 500 a day for 5 days, 10 minutes each, 6 productive hours a day: 750 h / 30 h = 25
    assert backlog_clearance_agents(2_000, 500, 600, 21_600, 5) == 25
    assert backlog_clearance_agents(2_000, 500, 600, 21_600, 5, occupancy=0.8, shrinkage=0.2) == 40


def test_completed_within_is_erlang_c_started_within_the_rest() -> None:
    done = completed_within_agents(100, 180, 1800, 0.8, 200, max_occupancy=0.85, shrinkage=0.3)
    assert done == required_agents(100, 180, 1800, 0.8, 20, max_occupancy=0.85, shrinkage=0.3)
    assert (
        completed_within_agents(100, 180, 1800, 0.8, 180).raw == required_agents(100, 180, 1800, 0.8, 0).raw
    )


# ---- Erlang A ----------------------------------------------------------------------------------------


def birth_death_reference(
    agents: int, traffic: float, aht: float, patience: float, answer: float
) -> dict[str, float]:
    """M/M/N+M solved as a truncated chain (numpy linear algebra), and the tagged task's journey through the
    queue as its own small chain (service levels by uniformization, the answered wait by first-step analysis).
    """
    mu, theta, lam = 1 / aht, 1 / patience, traffic / aht
    size = agents + 400
    generator = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            generator[k, k + 1] = lam
        if k > 0:
            generator[k, k - 1] = min(k, agents) * mu + max(k - agents, 0) * theta
        generator[k, k] = -generator[k].sum()
    system = generator.T.copy()
    system[-1] = 1.0  # the balance equations are one too many: the last becomes "probabilities sum to 1"
    stationary = np.linalg.solve(system, np.r_[np.zeros(size - 1), 1.0])
    ahead = stationary[agents:]  # an arrival finds j = 0, 1, ... tasks ahead of it in the queue (PASTA)
    waiting = ahead.sum()
    abandon = theta * sum((k - agents) * p for k, p in enumerate(stationary) if k > agents) / lam
    # The tagged task: j ahead, each leaving at rate n mu + j theta; it leaves itself at rate theta.
    depth = len(ahead)
    answered_if, answered_wait = np.zeros(depth), np.zeros(depth)
    for j in range(depth):
        forward = agents * mu + j * theta
        out = forward + theta
        before = (answered_if[j - 1], answered_wait[j - 1]) if j else (1.0, 0.0)
        answered_if[j] = forward / out * before[0]
        answered_wait[j] = answered_if[j] / out + forward / out * before[1]
    # P(answered within t | j ahead) by uniformization: states j ahead, then answered, then abandoned.
    rate = agents * mu + depth * theta + theta
    step = np.eye(depth + 2)
    for j in range(depth):
        forward = agents * mu + j * theta
        step[j, j] -= (forward + theta) / rate
        step[j, j - 1 if j else depth] += forward / rate
        step[j, depth + 1] += theta / rate
    state = np.r_[ahead / waiting, 0.0, 0.0]
    in_time, weight, m = 0.0, math.exp(-rate * answer), 0
    while m < rate * answer + 12 * math.sqrt(rate * answer + 1) + 50:
        in_time += weight * state[depth]
        state, m = state @ step, m + 1
        weight *= rate * answer / m
    answered = (1 - waiting) + (ahead * answered_if).sum()
    return {
        "wait": waiting,
        "abandon": abandon,
        "sl": (1 - waiting) + waiting * in_time,
        "asa": (ahead * answered_wait).sum() / answered,
    }


@pytest.mark.parametrize(
    ("agents", "traffic", "aht", "patience", "answer"),
    [(12, 10.0, 180, 120, 20), (8, 10.0, 180, 60, 30), (30, 25.0, 300, 200, 15), (5, 2.5, 120, 600, 0)],
)
def test_erlang_a_matches_a_numerically_solved_birth_death_chain(
    agents: int, traffic: float, aht: float, patience: float, answer: float
) -> None:
    figures = erlang_a(agents, traffic, aht, patience, answer)
    reference = birth_death_reference(agents, traffic, aht, patience, answer)
    assert figures.wait_probability == pytest.approx(reference["wait"], rel=1e-9)
    assert figures.abandon_probability == pytest.approx(reference["abandon"], rel=1e-9)
    assert figures.service_level == pytest.approx(reference["sl"], rel=1e-9)
    assert figures.asa_s == pytest.approx(reference["asa"], rel=1e-9)
    assert figures.occupancy == pytest.approx(traffic * (1 - reference["abandon"]) / agents, rel=1e-9)


@pytest.mark.parametrize(("agents", "traffic"), [(14, 10.0), (55, 48.0), (1_000, 950.0)])
def test_erlang_a_becomes_erlang_c_as_patience_grows(agents: int, traffic: float) -> None:
    c = erlang_c(agents, traffic, 180, 20)
    endless = erlang_a(agents, traffic, 180, math.inf, 20)
    assert (endless.wait_probability, endless.service_level, endless.asa_s) == (
        c.wait_probability,
        c.service_level,
        c.asa_s,
    )
    patient = erlang_a(agents, traffic, 180, 180 * 1e7, 20)
    assert patient.wait_probability == pytest.approx(c.wait_probability, rel=1e-5)
    assert patient.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert patient.asa_s == pytest.approx(c.asa_s, rel=1e-5)
    assert patient.abandon_probability < 1e-5


def test_erlang_a_needs_no_stability() -> None:
    overloaded = erlang_a(8, 10, 180, 60, 20)
    assert 0 < overloaded.service_level < 1
    assert overloaded.abandon_probability > 0.2
    assert erlang_a(0, 10, 180, 60, 20).abandon_probability == 1.0


# ---- purity ------------------------------------------------------------------------------------------


def test_the_maths_imports_only_the_standard_library_and_numpy() -> None:
    allowed = set(sys.stdlib_module_names) | {"numpy", "staffing"}
    for path in (ROOT / "staffing" / "erlang").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in allowed, f"{path.name} imports {name}"
                if top == "staffing":
                    assert name.startswith("staffing.erlang"), f"{path.name} imports {name}"
