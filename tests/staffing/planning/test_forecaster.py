"""The forecaster's maths on synthetic series: Holt-Winters with trend and weekly season, the intraday
profile, WAPE on held-out days, and local-day grids across daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from staffing.planning import holt_winters
from staffing.planning.forecaster import History, forecast_queues, holdout_accuracy, wape
from staffing.planning.time_grid import local_cells, local_grid, sum_into, to_atoms

WEEK = np.array([100.0, 110, 105, 95, 90, 30, 0])


def _series(days: int, slope: float = 0.5, noise: float = 0.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    level = 100 + slope * t
    return np.maximum(level * WEEK[t % 7] / 100 + rng.normal(0, noise, days), 0)


def test_holt_winters_follows_trend_and_weekly_season() -> None:
    daily = np.vstack([_series(140), _series(140, slope=-0.2)])
    fitted = holt_winters.fit(daily)
    ahead = holt_winters.forecast(fitted, 14)
    truth = np.vstack([_series(154)[140:], _series(154, slope=-0.2)[140:]])
    assert wape(truth, ahead) is not None
    assert wape(truth, ahead) < 0.05  # type: ignore[operator]
    # Sundays are closed and stay closed; nothing is ever negative.
    assert np.all(ahead[:, (140 + np.arange(14)) % 7 == 6] < 2.0)
    assert np.all(ahead >= 0)


def test_holt_winters_picks_parameters_per_queue_by_one_step_error() -> None:
    smooth, noisy = _series(120), _series(120, noise=25, seed=7)
    fitted = holt_winters.fit(np.vstack([smooth, noisy]))
    assert fitted.rmse[0] < fitted.rmse[1]
    assert fitted.alpha.shape == (2,) and set(fitted.multiplicative.tolist()) <= {True, False}


def test_short_history_falls_back_to_weekday_means() -> None:
    daily = np.array([[10.0, 20, 30, 40, 50, 60, 70, 12, 22]])
    ahead = holt_winters.fallback(daily, 7)
    # Day 9 of the history is weekday index 2 (30 once): the mean of what each weekday saw.
    assert ahead[0, 0] == 30 and ahead[0, 1] == 40
    assert ahead[0, 5] == 11 and ahead[0, 6] == 21


def _history(days: int, slots: int = 24) -> History:
    rng = np.random.default_rng(3)
    shape = np.zeros(slots)
    shape[9:17] = [1, 2, 3, 3, 2, 2, 1, 1]
    shape /= shape.sum()
    daily = _series(days) * 2
    volumes = rng.poisson(daily[:, None] * shape[None, :])[None].astype(float)
    return History(volumes, volumes * 240.0, volumes.copy(), first_weekday=0, default_aht_s=np.array([600.0]))


def test_forecast_spreads_days_over_the_intraday_profile_and_learns_handle_time() -> None:
    history = _history(112)
    result = forecast_queues(history, 7)
    assert result.volume.shape == (1, 7, 24)
    assert np.allclose(result.volume.sum(axis=2), result.daily)
    monday = result.volume[0, 0]
    assert monday[:9].sum() < 0.5 and monday[11] > monday[9]
    assert abs(result.aht_s[0, 0, 11] - 240) < 5
    assert result.method[0]["model"] == "holt_winters"


def test_holdout_wape_scores_the_last_days() -> None:
    overall, per_queue = holdout_accuracy(_history(112), 28)
    assert overall is not None and 0 < overall < 0.35
    assert per_queue == [overall]
    assert holdout_accuracy(_history(20), 28) == (None, [None])


def test_a_daylight_saving_day_has_its_real_number_of_intervals() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    # 2026-10-25: clocks go back at 03:00, a 25-hour day; 2026-03-29: forward, 23 hours.
    autumn = local_grid(madrid, date(2026, 10, 25), 1, 60)
    spring = local_grid(madrid, date(2026, 3, 29), 1, 30)
    assert autumn.starts.size == 25 and spring.starts.size == 46
    assert autumn.slots.tolist().count(2) == 2
    assert datetime.fromtimestamp(int(autumn.starts[0]), madrid).hour == 0


def test_instants_fall_into_local_days_and_slots() -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    instants = np.array(
        [
            int(datetime(2026, 3, 2, 2, 59, tzinfo=ZoneInfo("UTC")).timestamp()),
            int(datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC")).timestamp()),
        ]
    )
    days, slots = local_cells(instants, sao_paulo, date(2026, 3, 1), 15)
    # 02:59 UTC is 23:59 on the 1st in São Paulo; 12:00 UTC is 09:00 on the 2nd.
    assert days.tolist() == [0, 1] and slots.tolist() == [95, 36]


def test_regridding_keeps_totals() -> None:
    zone = ZoneInfo("America/Sao_Paulo")
    fine = local_grid(zone, date(2026, 3, 2), 1, 15)
    coarse = local_grid(zone, date(2026, 3, 2), 1, 60)
    atoms, values = to_atoms(fine.starts, 15, np.ones(fine.starts.size))
    assert np.allclose(sum_into(coarse, atoms, values), 4.0)
    atoms, values = to_atoms(coarse.starts, 60, np.full(coarse.starts.size, 8.0))
    assert np.allclose(sum_into(fine, atoms, values), 2.0)
