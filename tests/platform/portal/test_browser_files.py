"""Files in a real browser: a client attaches a PDF on the new-task form, the operator downloads it from the
work screen and completes with a receipt, and the client downloads the receipt. Every page is reached by
clicking from the role's home page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.platform.portal.test_browser import (  # the same server and browser fixtures
    CSP_VIOLATIONS,
    LAPTOP,
    PHONE,
    _open_from_menu,
    _signed_in,
    browser,
    server,
)
from tests.support.object_storage import pdf_bytes
from tests.support.work import Floor

__all__ = ["browser", "server"]
# Screenshots for a person to look at, where SCREENSHOTS_DIR names a folder (else the test's own tmp folder).
SHOTS_DIR = os.environ.get("SCREENSHOTS_DIR", "")

# What the client reads, by locale.
TEXTS = {
    "pt-BR": {
        "new": "Nova tarefa",
        "attachments": "Anexos",
        "attached": "Anexado",
        "submit": "Enviar tarefa",
        "submitted": "Sua tarefa foi enviada.",
        "tasks": "Tarefas",
        "amount": "1.234,56",
        "delivered": "Entregas",
        "sent": "Enviados com a tarefa",
    },
    "es": {
        "new": "Nueva tarea",
        "attachments": "Adjuntos",
        "attached": "Adjuntado",
        "submit": "Enviar tarea",
        "submitted": "Su tarea se envió.",
        "tasks": "Tareas",
        "amount": "1.234,56",
        "delivered": "Entregables",
        "sent": "Enviados con la tarea",
    },
}


async def _download(page: Page, name: str, tmp: Path) -> bytes:
    async with page.expect_download() as started:
        await page.get_by_role("link", name=name).click()
    download = await started.value
    assert download.suggested_filename == name
    target = tmp / f"{page.viewport_size['width'] if page.viewport_size else 0}-{name}"
    await download.save_as(target)
    return target.read_bytes()


@pytest.mark.parametrize(
    ("who", "locale", "viewport"),
    [("a_member", "pt-BR", PHONE), ("b_member", "es", LAPTOP)],
    ids=["pt-BR-phone", "es-laptop"],
)
async def test_a_pdf_goes_in_with_the_task_and_a_receipt_comes_back(
    floor: Floor,
    server: str,
    browser: Browser,
    tmp_path: Path,
    who: str,
    locale: str,
    viewport: dict[str, int],
) -> None:
    texts = TEXTS[locale]
    invoice, receipt = pdf_bytes("Boleto 0042"), pdf_bytes("Comprovante 0042")
    (tmp_path / "boleto-0042.pdf").write_bytes(invoice)
    (tmp_path / "comprovante.pdf").write_bytes(receipt)
    phone = viewport is PHONE
    shots = Path(SHOTS_DIR) if SHOTS_DIR else tmp_path

    # The client attaches the invoice on the new-task form and submits.
    client = await _signed_in(browser, server, floor.world.people[who].email, locale, viewport)
    await _open_from_menu(client, texts["new"], phone=phone)
    await client.get_by_label("Supplier").fill("ACME")
    await client.get_by_label("Amount").fill(texts["amount"])
    await client.get_by_label(texts["attachments"]).set_input_files(str(tmp_path / "boleto-0042.pdf"))
    upload = client.locator(".upload", has_text="boleto-0042.pdf")
    await expect(upload.locator(".status")).to_have_text(texts["attached"])
    await client.screenshot(path=str(shots / f"new-task-{locale}.png"), full_page=True)
    await client.get_by_role("button", name=texts["submit"]).click()
    await expect(client.get_by_role("status")).to_contain_text(texts["submitted"])
    files = client.locator("#files")
    await expect(files.get_by_role("list", name=texts["sent"])).to_contain_text("boleto-0042.pdf")
    # A spreadsheet dropped on the task page joins the task (the page lists it once it is stored).
    await client.locator("#files [data-dropzone]").evaluate(
        """zone => {
            const data = new DataTransfer();
            const rows = "data;valor\\n01/12/2026;10,00\\n";
            data.items.add(new File([rows], "lancamentos.csv", {type: "text/csv"}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }"""
    )
    await expect(files.get_by_role("list", name=texts["sent"])).to_contain_text("lancamentos.csv")

    # The operator takes the task, downloads the invoice and completes with the receipt.
    operator = await _signed_in(browser, server, floor.world.people["operator"].email, "en-US", LAPTOP)
    await _open_from_menu(operator, "My work", phone=False)
    await operator.get_by_role("button", name="Next task").click()
    await expect(operator.get_by_role("list", name="Files from the client")).to_contain_text(
        "boleto-0042.pdf"
    )
    assert await _download(operator, "boleto-0042.pdf", tmp_path) == invoice
    await operator.get_by_label(re.compile("^Attach what you return")).set_input_files(
        str(tmp_path / "comprovante.pdf")
    )
    # The page lists the deliverable once it is stored.
    await expect(operator.get_by_role("list", name="Deliverables")).to_contain_text("comprovante.pdf")
    await operator.screenshot(path=str(shots / f"work-screen-{locale}.png"), full_page=True)
    await operator.get_by_role("button", name="Complete").click()
    await expect(operator.get_by_role("status")).to_contain_text("Task completed")

    # The client finds the task from the list and downloads the receipt.
    await client.goto("/")
    await _open_from_menu(client, texts["tasks"], phone=phone)
    await client.locator("table a, .list a, main a").filter(has_text="ACME").first.click()
    delivered = client.get_by_role("list", name=texts["delivered"])
    await expect(delivered).to_contain_text("comprovante.pdf")
    await client.screenshot(path=str(shots / f"task-page-{locale}.png"), full_page=True)
    assert await _download(client, "comprovante.pdf", tmp_path) == receipt
    assert not CSP_VIOLATIONS[client] and not CSP_VIOLATIONS[operator]
