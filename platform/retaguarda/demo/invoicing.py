"""The demo's past months invoiced: each month that has ended on the client's clock is drafted and finalized
by the billing services (rating, SLA credit, locking the time), as the account manager did early the next
month; the instants the services stamp are then those of that day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from billing.schemas import InvoiceRun
from billing.service import invoices
from billing.service.clients import next_month
from billing.tables import Invoice
from retaguarda import db
from retaguarda.demo.model import DemoClient, as_provider

# Invoices go out on the second day of the month, mid-morning on the client's clock.
ISSUED_ON_DAY = 2
ISSUED_AT = time(10, 30)
PAID_DAYS_EARLY = 3


async def invoice_past_months(client: DemoClient, now: datetime, manager: UUID | None) -> int:
    """Finalize every month of the history that has ended; the number of invoices finalized now."""
    ctx = as_provider(client.provider_id, manager)
    month, made = client.first_day.replace(day=1), 0
    today = now.astimezone(client.zone).date()
    while next_month(month) <= today:
        async with db.transaction():
            if not await ctx.exists(Invoice).where(
                (Invoice.tenant_id == client.tenant_id) & (Invoice.period_start == month)
            ):
                draft = await invoices.run_period(
                    ctx, InvoiceRun(tenant_id=client.tenant_id, month=f"{month:%Y-%m}")
                )
                final = await invoices.finalize_invoice(ctx, draft.id)
                issued_day = next_month(month).replace(day=ISSUED_ON_DAY)
                issued = datetime.combine(issued_day, ISSUED_AT, tzinfo=client.zone).astimezone(UTC)
                issued = min(issued, now)
                # The terms count from the day it was issued.
                shift = today - issued.astimezone(client.zone).date()
                due = final.due_date - shift if final.due_date else None
                values: dict[Any, Any] = {
                    Invoice.created_at: issued - timedelta(minutes=40),
                    Invoice.finalized_at: issued,
                    Invoice.due_date: due,
                }
                if final.status == "open" and due is not None and due < today:
                    # Paid by transfer a few days before it fell due (the demo has no Stripe account whose
                    # events would say so).
                    paid = datetime.combine(
                        due - timedelta(days=PAID_DAYS_EARLY), ISSUED_AT, tzinfo=client.zone
                    )
                    values |= {Invoice.status: "paid", Invoice.paid_at: paid.astimezone(UTC)}
                await ctx.update(Invoice, values).where(Invoice.id == draft.id)
                made += 1
        month = next_month(month)
    return made
