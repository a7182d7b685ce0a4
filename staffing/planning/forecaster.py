"""The forecaster: daily totals by Holt-Winters, spread over the day by a day-of-week x interval profile,
handle time from a day-of-week x interval average shrunk towards the queue's mean. Pure numpy; the service
feeds it history bucketed into the client's local days, the benchmark feeds it synthetic arrays.

Shapes: ``Q`` queues, ``D`` local days of history, ``S`` intervals per day (96, 48 or 24). A day with a
daylight-saving change keeps ``S`` slots keyed by wall-clock time: the repeated hour adds into its slot, the
skipped one stays empty (the grid module maps slots back to real instants).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from staffing.planning import holt_winters

# Recent weeks describe the intraday shape; older ones describe a floor that may have changed.
PROFILE_WEEKS = 8
# Pseudo-counts that pull a thin cell towards the broader estimate (a weekday's shape towards the all-days
# shape; an interval's handle time towards the queue's mean).
PROFILE_PRIOR_TASKS = 20.0
AHT_PRIOR_TASKS = 10.0


@dataclass(frozen=True, slots=True)
class History:
    volumes: NDArray[np.float64]  # (Q, D, S) tasks arrived
    handled_s: NDArray[np.float64]  # (Q, D, S) handling seconds of the tasks that arrived then
    handled_n: NDArray[np.float64]  # (Q, D, S) tasks among them with handling time
    first_weekday: int  # Monday = 0, of day 0
    default_aht_s: NDArray[np.float64]  # (Q,) when a queue has no handled task yet

    @property
    def days(self) -> int:
        return int(self.volumes.shape[1])

    def head(self, days: int) -> History:
        """The first ``days`` days (what a hold-out test fits on)."""
        return History(
            self.volumes[:, :days],
            self.handled_s[:, :days],
            self.handled_n[:, :days],
            self.first_weekday,
            self.default_aht_s,
        )


@dataclass(frozen=True, slots=True)
class Forecast:
    volume: NDArray[np.float64]  # (Q, H, S)
    aht_s: NDArray[np.float64]  # (Q, H, S)
    daily: NDArray[np.float64]  # (Q, H)
    first_weekday: int  # of forecast day 0
    method: list[dict[str, float | bool | str]]  # per queue: what was fitted


def weekdays(first_weekday: int, days: int) -> NDArray[np.int64]:
    return (first_weekday + np.arange(days)) % 7


def _by_weekday(values: NDArray[np.float64], dows: NDArray[np.int64]) -> NDArray[np.float64]:
    """(Q, D, S) summed into (Q, 7, S) by the days' weekdays."""
    summed = np.zeros((values.shape[0], 7, values.shape[2]))
    for weekday in range(7):
        summed[:, weekday] = values[:, dows == weekday].sum(axis=1)
    return summed


def intraday_profile(history: History) -> NDArray[np.float64]:
    """(Q, 7, S): the share of a weekday's volume in each interval, from the last few weeks."""
    days = min(history.days, PROFILE_WEEKS * 7)
    recent = history.volumes[:, history.days - days :]
    dows = weekdays((history.first_weekday + history.days - days) % 7, days)
    slots = recent.shape[2]
    by_dow = _by_weekday(recent, dows)
    all_days = by_dow.sum(axis=1)
    all_total = all_days.sum(axis=1, keepdims=True)
    flat = np.full_like(all_days, 1.0 / slots)
    all_shape = np.where(all_total > 0, all_days / np.where(all_total > 0, all_total, 1.0), flat)
    totals = by_dow.sum(axis=2, keepdims=True)
    prior = PROFILE_PRIOR_TASKS * all_shape[:, None, :]
    profile: NDArray[np.float64] = (by_dow + prior) / (totals + PROFILE_PRIOR_TASKS)
    return profile


def handle_time_profile(history: History) -> NDArray[np.float64]:
    """(Q, 7, S): average handle time per weekday and interval, shrunk towards the queue's mean."""
    days = min(history.days, PROFILE_WEEKS * 7)
    start = history.days - days
    dows = weekdays((history.first_weekday + start) % 7, days)
    seconds = _by_weekday(history.handled_s[:, start:], dows)
    counts = _by_weekday(history.handled_n[:, start:], dows)
    total_n = history.handled_n.sum(axis=(1, 2))
    mean = np.where(
        total_n > 0, history.handled_s.sum(axis=(1, 2)) / np.maximum(total_n, 1.0), history.default_aht_s
    )
    prior = AHT_PRIOR_TASKS * mean[:, None, None]
    aht: NDArray[np.float64] = (seconds + prior) / (counts + AHT_PRIOR_TASKS)
    return aht


def _method(fitted: holt_winters.Fitted | None, queues: int) -> list[dict[str, float | bool | str]]:
    if fitted is None:
        return [{"model": "weekday_mean"} for _ in range(queues)]
    return [
        {
            "model": "holt_winters",
            "season": "multiplicative" if fitted.multiplicative[q] else "additive",
            "alpha": float(fitted.alpha[q]),
            "beta": float(fitted.beta[q]),
            "gamma": float(fitted.gamma[q]),
            "phi": float(fitted.phi[q]),
            "rmse": round(float(fitted.rmse[q]), 3),
        }
        for q in range(queues)
    ]


def forecast_queues(history: History, horizon_days: int) -> Forecast:
    """Forecast the ``horizon_days`` local days that follow the history."""
    daily_history = history.volumes.sum(axis=2)
    fitted: holt_winters.Fitted | None = None
    if history.days >= holt_winters.MIN_DAYS:
        fitted = holt_winters.fit(daily_history)
        daily = holt_winters.forecast(fitted, horizon_days)
    else:
        daily = holt_winters.fallback(daily_history, horizon_days)
    first_weekday = (history.first_weekday + history.days) % 7
    dows = weekdays(first_weekday, horizon_days)
    profile = intraday_profile(history)[:, dows, :]
    aht = handle_time_profile(history)[:, dows, :]
    return Forecast(
        volume=daily[:, :, None] * profile,
        aht_s=aht,
        daily=daily,
        first_weekday=first_weekday,
        method=_method(fitted, history.volumes.shape[0]),
    )


def wape(actual: NDArray[np.float64], predicted: NDArray[np.float64]) -> float | None:
    """Weighted absolute percentage error: sum |actual - predicted| / sum actual (None without volume)."""
    total = float(np.abs(actual).sum())
    if total <= 0:
        return None
    return float(np.abs(actual - predicted).sum()) / total


def holdout_accuracy(history: History, holdout_days: int) -> tuple[float | None, list[float | None]]:
    """Fit on all but the last ``holdout_days`` days, forecast those, and score the forecast per interval:
    (overall WAPE, WAPE per queue). None where there is too little history or no volume to score."""
    queues = history.volumes.shape[0]
    if holdout_days < 1 or history.days - holdout_days < 7:
        return None, [None] * queues
    predicted = forecast_queues(history.head(history.days - holdout_days), holdout_days).volume
    actual = history.volumes[:, history.days - holdout_days :]
    return wape(actual, predicted), [wape(actual[q], predicted[q]) for q in range(queues)]
