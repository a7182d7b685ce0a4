"""Every status the domain can store has exactly one label the portal shows for it."""

from __future__ import annotations

from enum import StrEnum

import pytest

from retaguarda.portal import labels
from retaguarda.work.tables import Task, TaskStatus


@pytest.mark.parametrize(
    "table",
    [
        labels.STATUS_LABELS,
        labels.IMPORT_LABELS,
        labels.DELIVERY_LABELS,
        labels.SLA_STATE_LABELS,
        labels.PLAN_STATUS_LABELS,
        labels.INVOICE_STATUS_LABELS,
    ],
)
def test_each_status_has_one_label(table: dict[StrEnum, str]) -> None:
    statuses = {type(key) for key in table}
    assert len(statuses) == 1, "one enum per table"
    (enum,) = statuses
    assert set(table) == set(enum), f"{enum.__name__} members without a label, or labels for no member"
    assert all(text for text in table.values())


def test_stored_strings_find_their_label_and_the_column_knows_its_choices() -> None:
    # Rows hand statuses back as plain strings: the enum keys must still find them.
    assert labels.STATUS_LABELS["waiting_on_client"] == labels.STATUS_LABELS[TaskStatus.WAITING_ON_CLIENT]  # type: ignore[index]
    assert Task.status._meta.choices is TaskStatus
