"""The words the portal shows for the domain's codes: task statuses, history events, priorities. Statuses are
keyed by their enum, so a status without a label (or a label for no status) fails a test, not a page.

Marked with ``N_`` here and translated where they are shown (``status_label`` and friends in rendering).
"""

from __future__ import annotations

from billing.tables import InvoiceStatus
from retaguarda.i18n import N_
from retaguarda.work.imports.tables import CsvImportStatus
from retaguarda.work.sla.clocks import ClockState
from retaguarda.work.tables import TaskStatus
from retaguarda.work.webhooks.tables import DeliveryStatus
from staffing.planning.tables import PlanStatus

STATUS_LABELS: dict[TaskStatus, str] = {
    TaskStatus.QUEUED: N_("Queued"),
    TaskStatus.CLAIMED: N_("In progress"),
    TaskStatus.WAITING_ON_CLIENT: N_("Waiting for an answer"),
    TaskStatus.DONE: N_("Done"),
    TaskStatus.CANCELLED: N_("Cancelled"),
}

EVENT_LABELS: dict[str, str] = {
    "created": N_("Submitted"),
    "claimed": N_("Taken by an operator"),
    "released": N_("Handed back to the queue"),
    "lease_expired": N_("Returned to the queue (no activity)"),
    "paused": N_("Question sent to the client"),
    "resumed": N_("Answered, back in the queue"),
    "commented": N_("New message"),
    "noted": N_("Internal note added"),
    "reprioritised": N_("Priority changed"),
    "completed": N_("Completed"),
    "reassigned": N_("Reassigned by a supervisor"),
    "time_corrected": N_("Time corrected"),
    "sla_warning": N_("SLA warning"),
    "sla_breach": N_("SLA breached"),
    "cancelled": N_("Cancelled"),
    "files_added": N_("Files attached"),
    "file_deleted": N_("File removed"),
    "files_expired": N_("Files deleted at the end of their retention period"),
    "legal_hold_set": N_("File placed under legal hold"),
    "legal_hold_released": N_("Legal hold released"),
}

PRIORITY_LABELS: dict[int, str] = {
    1: N_("Low"),
    2: N_("Normal"),
    3: N_("High"),
    4: N_("Urgent"),
}

SIDE_LABELS: dict[str, str] = {
    "client": N_("Client"),
    "provider": N_("Operations team"),
}

IMPORT_LABELS: dict[CsvImportStatus, str] = {
    CsvImportStatus.PENDING: N_("Waiting to start"),
    CsvImportStatus.RUNNING: N_("Importing"),
    CsvImportStatus.DONE: N_("Finished"),
    CsvImportStatus.FAILED: N_("Failed"),
}

DELIVERY_LABELS: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: N_("Pending"),
    DeliveryStatus.SENDING: N_("Sending"),
    DeliveryStatus.SUCCEEDED: N_("Delivered"),
    DeliveryStatus.FAILED: N_("Failed"),
}

OPERATOR_STATUS_LABELS: dict[str, str] = {
    "available": N_("Available"),
    "away": N_("Away"),
    "offline": N_("Offline"),
}

SLA_STATE_LABELS: dict[ClockState, str] = {
    ClockState.RUNNING: N_("On track"),
    ClockState.PAUSED: N_("Paused"),
    ClockState.WARNING: N_("At risk"),
    ClockState.BREACHED: N_("Breached"),
    ClockState.MET: N_("Met"),
}

NOTICE_LABELS: dict[str, str] = {
    "sla_warning": N_("SLA warning"),
    "sla_breached": N_("SLA breached"),
    "client_question": N_("Question from the operator"),
    "task_done": N_("Task done"),
}

CLOCK_LABELS: dict[str, str] = {
    "response": N_("First response"),
    "resolution": N_("Resolution"),
}

GROUP_BY_LABELS: dict[str, str] = {
    "priority": N_("Priority"),
    "client": N_("Client"),
    "queue": N_("Queue"),
    "taskType": N_("Task type"),
    "day": N_("Day"),
    "week": N_("Week"),
    "month": N_("Month"),
}

PLAN_STATUS_LABELS: dict[PlanStatus, str] = {
    PlanStatus.DRAFT: N_("Draft"),
    PlanStatus.APPROVED: N_("Approved"),
    PlanStatus.APPLIED: N_("Applied"),
    PlanStatus.CANCELLED: N_("Cancelled"),
}

PLAN_CHANGE_LABELS: dict[str, str] = {
    "add": N_("Add to the pool"),
    "remove": N_("Take out of the pool"),
    "borrow": N_("Borrow from another pool"),
}

STAFFING_MODEL_LABELS: dict[str, str] = {
    "workload": N_("Back office (workload)"),
    "erlang_c": N_("Live contacts (Erlang C)"),
}

PLAN_EVENT_LABELS: dict[str, str] = {
    "created": N_("Drafted"),
    "updated": N_("Changed"),
    "approved": N_("Approved"),
    "applied": N_("Applied"),
    "cancelled": N_("Cancelled"),
}

INVOICE_STATUS_LABELS: dict[InvoiceStatus, str] = {
    InvoiceStatus.DRAFT: N_("Draft"),
    InvoiceStatus.OPEN: N_("Issued"),
    InvoiceStatus.PAID: N_("Paid"),
    InvoiceStatus.VOID: N_("Void"),
    InvoiceStatus.UNCOLLECTIBLE: N_("Uncollectible"),
}

PAYMENT_LABELS: dict[str, str] = {
    "not_due": N_("Not due yet"),
    "due": N_("Due"),
    "overdue": N_("Overdue"),
    "failed": N_("Payment failed"),
    "paid": N_("Paid"),
    "partially_refunded": N_("Partially refunded"),
    "refunded": N_("Refunded"),
    "void": N_("Void"),
    "uncollectible": N_("Uncollectible"),
}
