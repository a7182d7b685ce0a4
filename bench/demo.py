"""The demo load: a fresh SQLite file migrated, then the whole demo loaded (history, invoices, forecasts, the
season and its plan), timed from the load's start. ``BENCH_DEMO_SIZE`` scales it (1 is `make demo`'s)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This directory holds bench/billing.py: the packages come first, or it would shadow `billing`.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "platform"))
RESULT: dict[str, float] = {}


def main() -> None:
    size = float(os.environ.get("BENCH_DEMO_SIZE", "1"))
    with tempfile.TemporaryDirectory(prefix="retaguarda-bench-demo-") as scratch:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(scratch) / "demo.sqlite3")
        from retaguarda.cli import migrate_database

        migrating = time.perf_counter()
        migrate_database()
        migrate_s = time.perf_counter() - migrating
        from retaguarda.db import start_database, stop_database
        from retaguarda.demo import load_demo
        from retaguarda.work.tables import Task

        async def run() -> tuple[float, int]:
            await start_database()
            try:
                started, cpu = time.perf_counter(), time.process_time()
                await load_demo(size)
                seconds = time.perf_counter() - started
                RESULT["cpu_s"] = round(time.process_time() - cpu, 2)
                return seconds, await Task.count()  # scope: the benchmark's own database
            finally:
                await stop_database()

        seconds, tasks = asyncio.run(run())
    print(
        json.dumps(
            {
                "bench": "demo",
                "size": size,
                "migrate_s": round(migrate_s, 2),
                "demo_s": round(seconds, 2),
                # The machine may be shared: the process's own CPU time tells the load's cost apart.
                "cpu_s": RESULT["cpu_s"],
                "tasks": tasks,
            }
        )
    )


if __name__ == "__main__":
    main()
