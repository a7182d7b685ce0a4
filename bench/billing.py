"""The monthly invoice run: 2,000,000 time entries of 200 clients, rated into draft invoices, against a raw
SQL aggregation of the same entries (the lower bound), in one run.

Each client has a contract (6-minute per-entry rounding, weekend / holiday / out-of-hours surcharges, tax;
half of them a retainer), a business calendar with Brazil's holidays, and 10,000 entries on 2,500 tasks in
October 2026, loaded with COPY. The run builds every client's draft exactly as the monthly job does, in a
separate process whose peak RSS is reported (rating streams or aggregates in SQL: memory must not grow with
entries).
The baseline is one SQL statement summing the same entries by client, task type and skill level.

Needs Postgres: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/retaguarda_bench_billing) names a
scratch database that is dropped and recreated (BENCH_REUSE=1 keeps one loaded at the same size).
BENCH_CLIENTS and BENCH_ENTRIES size the run; BENCH_CONCURRENCY (20, arq's max_jobs) and DATABASE_POOL_MAX
(10, the settings' default) shape it as one production worker runs it. Prints one JSON line last:
{"bench":"billing","entries":…,"clients":…,"run_s":…,"raw_sql_s":…,"ratio":…,"peak_rss_mb":…,…}

It also renders invoices of 50 lines to PDF (the HTML document through WeasyPrint, as the archiving job does)
and reports ``pdf_per_s``; BENCH_PDF_ONLY=1 measures just that, with no database.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "200"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "2000000"))
ENTRIES_PER_TASK = 4
# As production runs it: the monthly run enqueues one job per client, and one worker runs up to arq's
# max_jobs (20, retaguarda.jobs.arq_worker_settings) at once on the database pool's default of 10 connections
# (DATABASE_POOL_MAX): a job holds a connection for its whole transaction, so at most 10 build at once.
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
OPERATORS = 40
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/retaguarda_bench_billing")
os.environ.setdefault("DATABASE_POOL_MAX", "10")
# BENCH_REUSE=1 keeps a database loaded by an earlier run of the same size (its invoices are deleted).
REUSE = os.environ.get("BENCH_REUSE") == "1"
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_JSON", "false")
os.environ.pop("REDIS_URL", None)
os.environ.pop("STRIPE_API_KEY", None)

OCTOBER = datetime(2026, 10, 1, 3, tzinfo=UTC)  # midnight in São Paulo
MONTH_S = 31 * 86400
TASK_COLUMNS = [
    "id", "tenant_id", "queue_id", "task_type_id", "title", "payload", "priority", "status",
    "required_skill_id", "fencing_token", "created_at", "updated_at", "completed_at",
]  # fmt: skip
ENTRY_COLUMNS = [
    "id", "tenant_id", "task_id", "operator_id", "started_at", "ended_at", "seconds", "source", "reason",
    "billable", "created_at",
]  # fmt: skip

RAW_SQL = """
SELECT e.tenant_id, t.task_type_id, os.level, SUM(e.seconds) AS seconds, COUNT(*) AS entries
FROM time_entry e
JOIN task t ON t.id = e.task_id AND t.tenant_id = e.tenant_id
LEFT JOIN operator_skill os ON os.operator_id = e.operator_id AND os.skill_id = t.required_skill_id
WHERE e.started_at >= $1 AND e.started_at < $2 AND e.billable AND e.ended_at IS NOT NULL
  AND e.invoice_id IS NULL
GROUP BY 1, 2, 3
"""


def terms(index: int) -> dict[str, Any]:
    base: dict[str, Any] = {
        "defaultHourlyRate": "95.00",
        "hourlyRates": [{"skillLevel": 3, "rate": "120.00"}],
        "rounding": {"incrementMinutes": 6, "mode": "up", "scope": "entry"},
        "surcharges": {"weekend": "1.5", "holiday": "2", "outOfHours": "1.25"},
        "monthlyMinimum": "500.00",
        "tax": {"ratePercent": "9.25"},
    }
    if index % 2:
        base["retainer"] = {"fee": "8000.00", "includedHours": "100", "overageRate": "110.00"}
    return base


async def load(dsn: str) -> list[UUID]:
    """Tenants, calendars, roster, task types and contracts through the ORM; tasks and entries by COPY."""
    import asyncpg

    from billing.tables import Contract
    from retaguarda.work.tables import Queue, TaskType
    from staffing.tables import Operator, OperatorSkill, Skill
    from tenants.tables import BusinessCalendar, Tenant, User

    hours = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]
    provider = Tenant(
        id=uuid4(), kind="provider", slug="provider", name="Provider", timezone="America/Sao_Paulo"
    )
    await provider.save()
    skill = Skill(id=uuid4(), tenant_id=provider.id, code="finance", name="Finance")
    await skill.save()
    operators = []
    for n in range(OPERATORS):
        user = User(id=uuid4(), email=f"op{n}@bench.test", display_name=f"Operator {n}")
        await user.save()
        operator = Operator(id=uuid4(), tenant_id=provider.id, user_id=user.id, status="available")
        await operator.save()
        level = 1 + n % 3
        await OperatorSkill(
            tenant_id=provider.id, operator_id=operator.id, skill_id=skill.id, level=level
        ).save()
        operators.append(operator.id)
    clients: list[tuple[UUID, UUID, UUID]] = []
    for index in range(CLIENTS):
        tenant = Tenant(
            id=uuid4(), kind="client", slug=f"client-{index}", name=f"Client {index}", locale="pt_BR",
            timezone="America/Sao_Paulo", currency="BRL",
        )  # fmt: skip
        await tenant.save()
        await BusinessCalendar(
            tenant_id=tenant.id, name="Default", timezone="America/Sao_Paulo", weekly_hours=hours,
            holiday_country="BR", is_default=True,
        ).save()  # fmt: skip
        queue = Queue(id=uuid4(), tenant_id=tenant.id, code="default", name="Default")
        await queue.save()
        task_type = TaskType(
            id=uuid4(),
            tenant_id=tenant.id,
            code="payable",
            names={"en": "Payables"},
            required_skill_id=skill.id,
        )
        await task_type.save()
        await Contract(
            tenant_id=tenant.id, effective_from=date(2026, 1, 1), currency="BRL", terms=terms(index)
        ).save()
        clients.append((tenant.id, queue.id, task_type.id))

    rng = random.Random(2026)
    per_client = ENTRIES // CLIENTS
    tasks_per_client = per_client // ENTRIES_PER_TASK
    conn = await asyncpg.connect(dsn)
    try:
        for tenant_id, queue_id, type_id in clients:
            task_ids = [uuid4() for _ in range(tasks_per_client)]

            def task_rows(
                task_ids: list[UUID] = task_ids, tenant_id: UUID = tenant_id
            ) -> Iterator[tuple[Any, ...]]:
                for task_id in task_ids:
                    done = OCTOBER + timedelta(seconds=rng.randrange(MONTH_S))
                    yield (
                        task_id, tenant_id, queue_id, type_id, "", "{}", 2, "done", skill.id, 1,  # noqa: B023
                        done, done, done,
                    )  # fmt: skip

            def entry_rows(
                task_ids: list[UUID] = task_ids, tenant_id: UUID = tenant_id
            ) -> Iterator[tuple[Any, ...]]:
                for task_id in task_ids:
                    for _ in range(ENTRIES_PER_TASK):
                        started = OCTOBER + timedelta(seconds=rng.randrange(MONTH_S - 7200))
                        seconds = rng.randrange(30, 3600)
                        ended = started + timedelta(seconds=seconds)
                        yield (
                            uuid4(), tenant_id, task_id, rng.choice(operators), started, ended, seconds,
                            "auto", "", True, ended,
                        )  # fmt: skip

            await conn.copy_records_to_table("task", records=task_rows(), columns=TASK_COLUMNS)
            await conn.copy_records_to_table("time_entry", records=entry_rows(), columns=ENTRY_COLUMNS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return [tenant_id for tenant_id, _, _ in clients]


async def _loaded(dsn: str) -> bool:
    """A database of this size loaded by an earlier run: its invoices are deleted, the entries kept."""
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        clients = await conn.fetchval("SELECT count(*) FROM tenant WHERE kind = 'client'")
        entries = await conn.fetchval("SELECT count(*) FROM time_entry")
        if (clients, entries) != (
            CLIENTS,
            ENTRIES // CLIENTS // ENTRIES_PER_TASK * ENTRIES_PER_TASK * CLIENTS,
        ):
            return False
        await conn.execute("DELETE FROM billing_invoice")
        await conn.execute("UPDATE time_entry SET invoice_id = NULL WHERE invoice_id IS NOT NULL")
        await conn.execute("VACUUM ANALYZE billing_invoice, billing_invoice_line")
        return True
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()


async def raw_sql(dsn: str) -> float:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        end = datetime(2026, 11, 1, 3, tzinfo=UTC)
        await conn.fetch(RAW_SQL, OCTOBER, end)  # warm the cache as the run will find it
        started = time.perf_counter()
        rows = await conn.fetch(RAW_SQL, OCTOBER, end)
        elapsed = time.perf_counter() - started
        assert (
            sum(row["entries"] for row in rows)
            == ENTRIES // CLIENTS // ENTRIES_PER_TASK * ENTRIES_PER_TASK * CLIENTS
        )
        return elapsed
    finally:
        await conn.close()


async def monthly_run() -> dict[str, float]:
    """In its own process: every client's October draft, as the monthly job builds it."""
    from billing.jobs import monthly_invoice
    from billing.tables import Invoice
    from retaguarda.db import start_database, stop_database
    from tenants.tables import Tenant

    await start_database()
    clients = [row["id"] for row in await Tenant.select(Tenant.id).where(Tenant.kind == "client")]
    # The monthly job enqueues one job per client; a worker runs several at once (arq's max_jobs).
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one_client(tenant_id: UUID) -> None:
        async with slots:
            await monthly_invoice(str(tenant_id), "2026-10-01")

    started = time.perf_counter()
    await asyncio.gather(*(one_client(tenant_id) for tenant_id in clients))
    elapsed = time.perf_counter() - started
    invoices = await Invoice.count()  # scope: the bench counts every client's drafts
    await stop_database()
    assert invoices == len(clients), (invoices, len(clients))
    return {"run_s": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_in_worker() -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--run"], check=True, capture_output=True, text=True, env=os.environ
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


PDF_LINES = 50
PDF_RUNS = int(os.environ.get("BENCH_PDF_RUNS", "10"))


def pdf_rate() -> float:
    """Invoices of ``PDF_LINES`` lines rendered to PDF per second (one warm-up rendering first)."""
    from decimal import Decimal

    from billing.schemas import InvoiceDetail, InvoiceLineRead
    from billing.service.pdf import html_to_pdf
    from billing.service.rendering import invoice_document
    from billing.tables import InvoiceStatus

    lines = [
        InvoiceLineRead(
            id=uuid4(), position=i, kind="hours", description="", quantity=Decimal("12.5"), unit="hour",
            unit_price=Decimal("120.00"), amount_minor=150000, included=False, contract_id=None,
            task_type_id=None, skill_level=i % 3 + 1, category="normal", multiplier=None, raw_seconds=45000,
            billed_seconds=45000, entries=40, reason="", detail={"taskTypeNames": {"pt_BR": f"Tipo {i}"}},
        )
        for i in range(PDF_LINES)
    ]  # fmt: skip
    invoice = InvoiceDetail(
        id=uuid4(), tenant_id=uuid4(), number="2026-000123", status=InvoiceStatus.OPEN, payment_status=None,
        period_start=date(2026, 10, 1), period_end=date(2026, 11, 1), currency="BRL",
        subtotal_minor=150000 * PDF_LINES, tax_minor=0, total_minor=150000 * PDF_LINES, tax_inclusive=False,
        sla_attainment=None, due_date=date(2026, 12, 1), finalized_at=None, paid_at=None, voided_at=None,
        void_reason="", refunded_minor=0, credited_minor=0, replaces_id=None, stripe_invoice_id=None,
        created_at=datetime(2026, 11, 1, tzinfo=UTC), lines=lines,
    )  # fmt: skip
    html_to_pdf(invoice_document(invoice, "Padaria Pão Quente Ltda.", "pt_BR", issuer="Retaguarda BPO"))
    started = time.perf_counter()
    for _ in range(PDF_RUNS):
        html_to_pdf(invoice_document(invoice, "Padaria Pão Quente Ltda.", "pt_BR", issuer="Retaguarda BPO"))
    return PDF_RUNS / (time.perf_counter() - started)


async def main() -> dict[str, object]:
    from retaguarda.db import start_database, stop_database
    from retaguarda.settings import get_settings
    from tests.support.database import migrate, recreate_postgres_database

    settings = get_settings()
    assert settings.db.is_postgres, "the billing benchmark needs Postgres (DATABASE_URL)"
    if not (REUSE and await _loaded(settings.db.asyncpg_dsn)):
        await recreate_postgres_database(settings.db.url)
        await migrate()
        await start_database()
        await load(settings.db.asyncpg_dsn)
        await stop_database()
    raw_s = await raw_sql(settings.db.asyncpg_dsn)
    worker = run_in_worker()
    return {
        "bench": "billing",
        "entries": ENTRIES // CLIENTS // ENTRIES_PER_TASK * ENTRIES_PER_TASK * CLIENTS,
        "clients": CLIENTS,
        "run_s": round(worker["run_s"], 2),
        "raw_sql_s": round(raw_s, 2),
        "ratio": round(worker["run_s"] / raw_s, 2),
        "peak_rss_mb": round(worker["peak_rss_mb"], 1),
        "concurrency": CONCURRENCY,
        "pool": int(os.environ["DATABASE_POOL_MAX"]),
        "pdf_lines": PDF_LINES,
        "pdf_per_s": round(pdf_rate(), 2),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        print(json.dumps(asyncio.run(monthly_run())))
    elif os.environ.get("BENCH_PDF_ONLY") == "1":
        print(json.dumps({"bench": "billing", "pdf_lines": PDF_LINES, "pdf_per_s": round(pdf_rate(), 2)}))
    else:
        print(json.dumps(asyncio.run(main())))
