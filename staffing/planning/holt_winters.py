"""Holt-Winters exponential smoothing of daily volumes, in numpy, vectorised across queues.

Each queue's daily totals get a level, an additive trend and a weekly season (7 days), the season either
additive or multiplicative. The smoothing parameters (alpha, beta, gamma) and the season's kind are chosen per
queue by a small grid search on the one-step-ahead squared error: every queue runs every candidate at once,
as one ``(queues, candidates)`` array per state, so a year of history costs ~365 array steps whatever the
number of queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
from numpy.typing import NDArray

SEASON = 7
# Candidates: small on purpose (one-step error barely separates neighbouring values, and every one costs a
# pass over the history). beta stays small: a big trend gain chases noise and runs away over a 4-week horizon.
ALPHAS = (0.05, 0.1, 0.2, 0.35, 0.5)
BETAS = (0.0, 0.01, 0.05, 0.15)
GAMMAS = (0.05, 0.15, 0.3)
# The trend is damped a little towards the horizon: Gardner's damped additive trend, which forecasts weeks
# ahead far better than a straight line extrapolated from a noisy slope (phi = 1 is the undamped case).
PHIS = (1.0, 0.97)
# A multiplicative season divides by the level and by the season: below this a day counts as "closed".
EPSILON = 1e-6
# The first week initialises the state; the second warms it up before errors count.
MIN_DAYS = 2 * SEASON


@dataclass(frozen=True, slots=True)
class Fitted:
    """Per queue: the chosen parameters and the state after the last day of history."""

    alpha: NDArray[np.float64]
    beta: NDArray[np.float64]
    gamma: NDArray[np.float64]
    phi: NDArray[np.float64]
    multiplicative: NDArray[np.bool_]
    level: NDArray[np.float64]
    trend: NDArray[np.float64]
    # (queues, 7), indexed by (day index % 7) of the history's day numbering.
    season: NDArray[np.float64]
    days: int
    rmse: NDArray[np.float64]


def _candidates() -> tuple[NDArray[np.float64], ...]:
    grid = np.array(
        [(a, b, g, p, m) for m in (0.0, 1.0) for a, b, g, p in product(ALPHAS, BETAS, GAMMAS, PHIS)],
        dtype=np.float64,
    )
    return tuple(grid[:, column] for column in range(5))


def _initial_state(
    daily: NDArray[np.float64], multiplicative: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    first, second = daily[:, :SEASON], daily[:, SEASON : 2 * SEASON]
    level = first.mean(axis=1)
    trend = (second.mean(axis=1) - level) / SEASON
    additive = first - level[:, None]
    ratio = np.where(level[:, None] > EPSILON, first / np.maximum(level[:, None], EPSILON), 1.0)
    # (queues, candidates, 7): each candidate starts from its season kind's initial indices.
    season = np.where(multiplicative[None, :, None], ratio[:, None, :], additive[:, None, :])
    return level, trend, season


def fit(daily: NDArray[np.float64]) -> Fitted:
    """Fit every queue's daily series (``(queues, days)``, days >= 14) and keep its best candidate."""
    queues, days = daily.shape
    if days < MIN_DAYS:
        raise ValueError(f"Holt-Winters needs at least {MIN_DAYS} days of history")
    alpha, beta, gamma, phi, mult = _candidates()
    multiplicative = mult.astype(bool)
    level0, trend0, season = _initial_state(daily, multiplicative)
    candidates = alpha.size
    level = np.repeat(level0[:, None], candidates, axis=1)
    trend = np.repeat(trend0[:, None], candidates, axis=1)
    sse = np.zeros((queues, candidates))
    for t in range(SEASON, days):
        level, trend, error = _step(
            daily[:, t, None], level, trend, season, t % SEASON, alpha, beta, gamma, phi, multiplicative
        )
        if t >= MIN_DAYS:
            sse += error * error
    best = np.argmin(sse, axis=1)
    rows = np.arange(queues)
    return Fitted(
        alpha=alpha[best],
        beta=beta[best],
        gamma=gamma[best],
        phi=phi[best],
        multiplicative=multiplicative[best],
        level=level[rows, best],
        trend=trend[rows, best],
        season=season[rows, best, :],
        days=days,
        rmse=np.sqrt(sse[rows, best] / max(days - MIN_DAYS, 1)),
    )


def _step(
    y: NDArray[np.float64],
    level: NDArray[np.float64],
    trend: NDArray[np.float64],
    season: NDArray[np.float64],
    index: int,
    alpha: NDArray[np.float64],
    beta: NDArray[np.float64],
    gamma: NDArray[np.float64],
    phi: NDArray[np.float64],
    multiplicative: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """One day of the recursions for every (queue, candidate); the season slice is updated in place."""
    s = season[:, :, index]
    base = level + phi * trend
    forecast = np.where(multiplicative, base * s, base + s)
    open_day = s > EPSILON
    # Multiplicative: a season index of ~0 (a day the queue is closed) says nothing about the level, so the
    # level just carries on through it instead of dividing by zero.
    deseasoned = np.where(multiplicative, np.where(open_day, y / np.where(open_day, s, 1.0), base), y - s)
    new_level = alpha * deseasoned + (1.0 - alpha) * base
    new_trend = beta * (new_level - level) + (1.0 - beta) * phi * trend
    positive = new_level > EPSILON
    ratio = np.where(positive, y / np.where(positive, new_level, 1.0), s)
    season[:, :, index] = np.where(
        multiplicative, gamma * ratio + (1.0 - gamma) * s, gamma * (y - new_level) + (1.0 - gamma) * s
    )
    return new_level, new_trend, y - forecast


def forecast(fitted: Fitted, horizon: int) -> NDArray[np.float64]:
    """Daily volumes for the ``horizon`` days after the history, ``(queues, horizon)``, never negative."""
    steps = np.arange(1, horizon + 1, dtype=np.float64)
    phi = fitted.phi[:, None]
    # Sum of phi^1..phi^h: the damped trend's contribution after h steps (h when phi = 1).
    damped = np.where(phi == 1.0, steps[None, :], phi * (1.0 - phi ** steps[None, :]) / (1.0 - phi + 1e-12))
    base = fitted.level[:, None] + damped * fitted.trend[:, None]
    indices = (fitted.days + np.arange(horizon)) % SEASON
    season = fitted.season[:, indices]
    values = np.where(fitted.multiplicative[:, None], base * season, base + season)
    return np.maximum(values, 0.0)


def fallback(daily: NDArray[np.float64], horizon: int) -> NDArray[np.float64]:
    """Too little history for Holt-Winters: each weekday's mean of the days seen (the overall mean for a
    weekday not seen yet)."""
    queues, days = daily.shape
    result = np.zeros((queues, horizon))
    if days == 0:
        return result
    overall = daily.mean(axis=1)
    for weekday in range(SEASON):
        seen = daily[:, weekday::SEASON]
        mean = seen.mean(axis=1) if seen.shape[1] else overall
        result[:, [h for h in range(horizon) if (days + h) % SEASON == weekday]] = mean[:, None]
    return result
