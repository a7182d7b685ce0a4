"""Billing in the portal: a client admin's consumption and invoices; the account manager drafts a month,
adjusts it with a reason, finalizes and voids it; other clients' invoices do not exist."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.billing.builders import add_contract, add_work
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.support.work import Floor

RETAINER = {"retainer": {"includedHours": "10", "fee": "500.00", "overageRate": "120.00"}}


def _form(session: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(session), **values}


async def drafted_invoice(floor: Floor) -> tuple[httpx.AsyncClient, str]:
    """A contract and an hour of work for client A this month, and the month's draft made on the page."""
    world = floor.world
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id, RETAINER)
    await add_work(floor, world.client_a.id, datetime.now(UTC) - timedelta(hours=3), 3600)
    month = (
        datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("America/Sao_Paulo")).strftime("%Y-%m")
    )
    drafted = await manager.post(
        "/billing/runs", data=_form(manager, client=str(world.client_a.id), month=month)
    )
    assert drafted.status_code == 303, drafted.text
    assert drafted.headers["location"].endswith("?notice=drafted")
    return manager, drafted.headers["location"].split("?")[0]


async def test_client_admin_sees_consumption_and_invoices(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id, RETAINER)
    await add_work(floor, world.client_a.id, datetime.now(UTC) - timedelta(hours=3), 5400)
    admin = await world.sign_in("a_admin")
    page = await admin.get("/billing")
    assert page.status_code == 200, page.text
    assert 'id="consumption-title"' in page.text and "<progress" in page.text
    assert re.search(r"1,5\b", text_of(page.text))  # hours billed so far, in Portuguese
    home = await admin.get("/")
    assert 'id="consumption-title"' in home.text
    assert (await admin.get("/billing/contracts")).status_code == 200
    for who in ("a_member", "supervisor", "operator"):
        assert (await (await world.sign_in(who)).get("/billing")).status_code == 403, who


async def test_account_manager_adjusts_finalizes_and_voids(floor: Floor) -> None:
    manager, invoice_url = await drafted_invoice(floor)
    page = await manager.get(invoice_url)
    assert page.status_code == 200
    assert "Finalize invoice" in page.text and 'class="document"' in page.text
    document = await manager.get(f"{invoice_url}/document")
    assert document.status_code == 200 and document.headers["content-type"].startswith("text/html")
    wrong = await manager.post(f"{invoice_url}/adjustments", data=_form(manager, amount="ten", reason=""))
    assert wrong.status_code == 422
    assert field_error(wrong.text, "amount") is not None
    no_reason = await manager.post(f"{invoice_url}/adjustments", data=_form(manager, amount="-50", reason=""))
    assert no_reason.status_code == 422 and field_error(no_reason.text, "reason") is not None
    adjusted = await manager.post(
        f"{invoice_url}/adjustments",
        data=_form(manager, amount="-50.00", reason="Goodwill credit", description="Credit"),
    )
    assert adjusted.headers["location"].endswith("notice=adjusted")
    # A draft is the provider's until finalized: the client does not see it yet, nor acts on it.
    a_admin = await floor.world.sign_in("a_admin")
    assert (await a_admin.get(invoice_url)).status_code == 404
    assert (await a_admin.post(f"{invoice_url}/finalize", data=_form(a_admin))).status_code == 403
    assert (await (await floor.world.sign_in("b_admin")).get(invoice_url)).status_code == 404
    token = csrf_of(manager)
    manager.headers.pop("X-CSRF-Token")
    assert (await manager.post(f"{invoice_url}/finalize", data={})).status_code == 403
    manager.headers["X-CSRF-Token"] = token
    finalized = await manager.post(f"{invoice_url}/finalize", data=_form(manager))
    assert finalized.headers["location"].endswith("notice=finalized"), finalized.text
    issued = text_of((await manager.get(finalized.headers["location"])).text)
    assert "The invoice was finalized and issued." in issued and "Issued" in issued
    assert "Finalize invoice" not in issued
    client_view = await a_admin.get(invoice_url)
    assert client_view.status_code == 200 and "Void invoice" not in client_view.text
    unexplained = await manager.post(f"{invoice_url}/void", data=_form(manager, void_reason=""))
    assert unexplained.status_code == 422 and field_error(unexplained.text, "void_reason")
    voided = await manager.post(f"{invoice_url}/void", data=_form(manager, void_reason="Wrong period"))
    assert voided.headers["location"].endswith("notice=voided")
    listing = text_of((await manager.get("/billing?status=void")).text)
    assert "Void" in listing and "Cliente A Ltda." in listing
    # The history names who did each step, the person who finalized and voided it included.
    history = text_of((await manager.get(invoice_url)).text)
    history = history[history.index("History") :]
    manager_name = floor.world.people["account_manager"].email.split("@")[0]
    assert "Invoice finalized ·" in history and "Invoice voided ·" in history, history
    assert "Drafted ·" in history
    assert history.count("Account Manager") + history.count(manager_name) >= 2, history


async def test_a_credit_note_from_the_invoice_page_reaches_the_client(floor: Floor) -> None:
    """The account manager credits part of an issued invoice in the manager's language, then the rest; the
    client admin reads both credit notes with the invoice and downloads its PDF."""
    manager, invoice_url = await drafted_invoice(floor)
    finalized = await manager.post(f"{invoice_url}/finalize", data=_form(manager))
    assert finalized.status_code == 303, finalized.text
    page = await manager.get(invoice_url)
    assert "Issue credit note" in page.text and "data-confirm" in page.text
    no_reason = await manager.post(
        f"{invoice_url}/credit-notes", data=_form(manager, credit_reason="", credit_amount="", credit_memo="")
    )
    assert no_reason.status_code == 422 and field_error(no_reason.text, "credit_reason") is not None
    too_much = await manager.post(
        f"{invoice_url}/credit-notes",
        data=_form(manager, credit_reason="goodwill", credit_amount="1000000", credit_memo=""),
    )
    assert too_much.status_code == 422 and field_error(too_much.text, "credit_amount") is not None
    partial = await manager.post(
        f"{invoice_url}/credit-notes",
        data=_form(manager, credit_reason="service_issue", credit_amount="100.00", credit_memo="Late tasks"),
    )
    assert partial.headers["location"].endswith("notice=credited"), partial.text
    rest = await manager.post(
        f"{invoice_url}/credit-notes",
        data=_form(manager, credit_reason="goodwill", credit_amount="", credit_memo=""),
    )
    assert rest.status_code == 303
    done = await manager.get(invoice_url)
    assert "Issue credit note" not in done.text  # nothing left to credit
    client = await floor.world.sign_in("a_admin")
    seen = text_of((await client.get(invoice_url)).text)
    year = datetime.now(UTC).year
    assert f"CN-{year}-000001" in seen and f"CN-{year}-000002" in seen
    assert "Serviço abaixo do combinado" in seen and "Late tasks" in seen and "Cortesia" in seen
    assert "Issue credit note" not in seen and "Emitir nota de crédito" not in seen  # clients only read
    pdf = await client.get(f"{invoice_url}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


async def test_the_consumption_card_agrees_with_the_issued_invoice(floor: Floor) -> None:
    """Once this month's invoice is issued, the card shows its hours and total (they once disagreed: the card
    read 0 h billed beside an invoice for 0.69 h); a draft of a month still running says so."""
    manager, invoice_url = await drafted_invoice(floor)
    draft_page = text_of((await manager.get(invoice_url)).text)
    assert "This period has not ended yet" in draft_page
    assert (await manager.post(f"{invoice_url}/finalize", data=_form(manager))).status_code == 303
    invoice = (await manager.get(f"/api/v1/billing/invoices/{invoice_url.rsplit('/', 1)[1]}")).json()
    hours_billed = sum(line["billedSeconds"] for line in invoice["lines"] if line["kind"] == "hours") / 3600
    client = await floor.world.sign_in("a_admin")
    consumption = (await client.get("/api/v1/billing/consumption")).json()
    assert consumption["invoiceNumber"] == invoice["number"]
    assert consumption["estimatedTotalMinor"] == invoice["totalMinor"]
    assert float(consumption["billedHours"]) == hours_billed == 1.0
    card = text_of((await client.get("/")).text)
    assert "Faturado" in card and invoice["number"] in card


def test_credit_refusals_read_in_the_viewers_language() -> None:
    from retaguarda.errors import FieldError
    from retaguarda.portal.forms import error_text

    refused = FieldError("amount", "exceeds_invoice", "More than is left of the invoice.")
    assert error_text(refused, "es") == "Más de lo que queda de la factura."
    assert error_text(refused, "pt_BR") == "Mais do que resta da fatura."
