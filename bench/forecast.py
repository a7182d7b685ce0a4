"""The forecaster on a year of 15-minute history for 50 queues, four weeks ahead.

Synthetic, seeded history: per queue a base volume, a linear trend, a weekly shape (weekends quiet, some
queues closed on Sundays), an intraday shape (a morning and an afternoon peak at queue-specific hours) and
Poisson noise; handle times log-normal around a queue's mean. The last four weeks are held out: the forecaster
(the same numpy functions the service calls, staffing.planning.forecaster) fits on the rest, forecasts them,
and is scored by WAPE per 15-minute interval. Then it forecasts four weeks past the whole year, as the
service would. Peak RSS is the process's (resource.getrusage), so it includes Python and numpy themselves.

Prints one JSON line last: {"bench":"forecast","queues":50,"seconds":…,"wape":…,"peak_rss_mb":…}
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))
sys.path.insert(0, str(ROOT))

from staffing.planning.forecaster import History, forecast_queues, holdout_accuracy  # noqa: E402

QUEUES = int(os.environ.get("BENCH_QUEUES", "50"))
DAYS = 364
HORIZON = 28
SLOTS = 96
SEED = 20261129


def synthetic_history(rng: np.random.Generator) -> History:
    day = np.arange(DAYS, dtype=np.float64)
    slot_hours = np.arange(SLOTS) / 4.0
    base = rng.uniform(80, 1500, QUEUES)
    growth = rng.uniform(-0.3, 0.6, QUEUES) / DAYS  # -30 % .. +60 % over the year
    weekly = np.tile([1.0, 1.05, 1.0, 0.95, 0.9, 0.35, 0.1], (QUEUES, 1))
    weekly[rng.random(QUEUES) < 0.3, 6] = 0.0  # closed on Sundays
    daily = base[:, None] * (1 + growth[:, None] * day) * weekly[:, day.astype(int) % 7]
    morning, afternoon = rng.uniform(9, 11, QUEUES), rng.uniform(14, 16, QUEUES)
    shape = np.exp(-((slot_hours - morning[:, None]) ** 2) / 3.0) + 0.8 * np.exp(
        -((slot_hours - afternoon[:, None]) ** 2) / 4.0
    )
    shape /= shape.sum(axis=1, keepdims=True)
    expected = daily[:, :, None] * shape[:, None, :]
    volumes = rng.poisson(expected).astype(np.float64)
    mean_aht = rng.uniform(120, 1800, QUEUES)
    handled_s = volumes * mean_aht[:, None, None] * rng.lognormal(0, 0.15, volumes.shape)
    return History(volumes, handled_s, volumes.copy(), first_weekday=0, default_aht_s=mean_aht)


def main() -> None:
    history = synthetic_history(np.random.default_rng(SEED))
    began = time.perf_counter()
    overall, _ = holdout_accuracy(history, HORIZON)
    ahead = forecast_queues(history, HORIZON)
    seconds = time.perf_counter() - began
    assert ahead.volume.shape == (QUEUES, HORIZON, SLOTS)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"forecast {ahead.volume.sum():,.0f} tasks over {HORIZON} days; methods: "
        f"{sum(m.get('season') == 'multiplicative' for m in ahead.method)} multiplicative seasons",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "forecast",
                "queues": QUEUES,
                "seconds": round(seconds, 3),
                "wape": round(overall or 0.0, 4),
                "peak_rss_mb": round(peak_kib / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
