"""Rating as pure functions: rounding, surcharges, retainer, minimum, SLA credit, tax, currencies, sums."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from billing.rating.calendar_segments import Category, Version, build_segments, classify
from billing.rating.model import Adjustment, LineKind, PricedPeriod, TimeGroup
from billing.rating.pricing import price_period
from billing.rating.rounding import round_seconds
from billing.terms import (
    ContractTerms,
    Retainer,
    Rounding,
    RoundingMode,
    RoundingScope,
    SlaCredit,
    Surcharges,
    Tax,
)
from retaguarda.calendars import Calendar

C = uuid4()
TYPE = uuid4()
D = Decimal


def terms(**overrides: object) -> ContractTerms:
    return ContractTerms(default_hourly_rate=D("100.00"), **overrides)  # type: ignore[arg-type]


def group(
    seconds: int, billed: int | None = None, category: Category = Category.NORMAL, n: int = 1
) -> TimeGroup:
    return TimeGroup(C, TYPE, None, category, seconds, seconds if billed is None else billed, n)


def draft(t: ContractTerms, groups: list[TimeGroup], currency: str = "BRL", **kw: object) -> PricedPeriod:
    return price_period(
        currency=currency,
        period_terms=t,
        terms={C: t},
        time_groups=groups,
        item_groups=[],
        attainment=kw.pop("attainment", None),  # type: ignore[arg-type]
        adjustments=kw.pop("adjustments", ()),  # type: ignore[arg-type]
    )


def amounts(result: PricedPeriod) -> dict[LineKind, int]:
    return {line.kind: line.amount_minor for line in result.lines}


def assert_adds_up(result: PricedPeriod) -> None:
    assert sum(line.amount_minor for line in result.lines if not line.included) == result.total_minor


@pytest.mark.parametrize(
    ("seconds", "increment", "mode", "billed_minutes"),
    [
        (7 * 60, 15, RoundingMode.UP, 15),
        (7 * 60, 15, RoundingMode.NEAREST, 0),
        (8 * 60, 15, RoundingMode.NEAREST, 15),
        (450, 15, RoundingMode.NEAREST, 15),  # a tie rounds up
        (16 * 60, 15, RoundingMode.DOWN, 15),
        (61, 1, RoundingMode.UP, 2),
        (6 * 60, 6, RoundingMode.UP, 6),
        (0, 15, RoundingMode.UP, 0),
    ],
)
def test_round_seconds(seconds: int, increment: int, mode: RoundingMode, billed_minutes: int) -> None:
    assert round_seconds(seconds, Rounding(increment_minutes=increment, mode=mode)) == billed_minutes * 60


def test_rounding_per_entry_bills_more_than_per_period() -> None:
    """Three 7-minute entries at 15 minutes up: 45 minutes entry by entry, 30 minutes on the total."""
    rule = Rounding(increment_minutes=15, mode=RoundingMode.UP, scope=RoundingScope.ENTRY)
    per_entry = sum(round_seconds(7 * 60, rule) for _ in range(3))
    per_period = round_seconds(3 * 7 * 60, Rounding(increment_minutes=15, scope=RoundingScope.PERIOD))
    assert (per_entry, per_period) == (45 * 60, 30 * 60)
    entry_draft = draft(terms(), [group(21 * 60, per_entry, n=3)])
    period_draft = draft(terms(), [group(21 * 60, per_period, n=3)])
    assert amounts(entry_draft)[LineKind.HOURS] == 7500  # 0.75 h x 100.00
    assert amounts(period_draft)[LineKind.HOURS] == 5000
    hours_line = entry_draft.lines[0]
    assert (hours_line.raw_seconds, hours_line.billed_seconds, hours_line.entries) == (1260, 2700, 3)


def test_holiday_surcharge_on_the_client_calendar() -> None:
    calendar = Calendar.from_row(
        timezone="America/Sao_Paulo",
        weekly_hours=[{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
        holiday_country="BR",
    )
    # 2026-11-20 (Friday) is Black Consciousness Day, a national holiday in Brazil since 2024.
    holiday_noon = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 12:00 in São Paulo
    assert classify(calendar, holiday_noon) is Category.HOLIDAY
    assert classify(calendar, datetime(2026, 11, 21, 15, 0, tzinfo=UTC)) is Category.WEEKEND
    assert classify(calendar, datetime(2026, 11, 19, 23, 0, tzinfo=UTC)) is Category.OUT_OF_HOURS  # 20:00
    assert classify(calendar, datetime(2026, 11, 19, 15, 0, tzinfo=UTC)) is Category.NORMAL
    t = terms(surcharges=Surcharges(holiday=D("2"), weekend=D("1.5"), out_of_hours=D("1.25")))
    result = draft(t, [group(3600), group(3600, category=Category.HOLIDAY)])
    surcharge = next(line for line in result.lines if line.kind is LineKind.SURCHARGE)
    assert (surcharge.category, surcharge.multiplier, surcharge.amount_minor) == (
        Category.HOLIDAY,
        D("2"),
        10000,
    )
    assert amounts(result)[LineKind.HOURS] == 20000
    assert result.total_minor == 30000
    assert_adds_up(result)


def test_segments_split_the_period_where_version_or_category_changes() -> None:
    calendar = Calendar.from_row(
        timezone="America/Sao_Paulo",
        weekly_hours=[{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
        holiday_country="BR",
    )
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    end = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    v1, v2 = uuid4(), uuid4()
    versions = [
        Version(v1, datetime(2026, 1, 1, tzinfo=UTC)),
        Version(v2, datetime(2026, 11, 16, 3, tzinfo=UTC)),
    ]
    segments = build_segments(calendar, versions, start, end)
    for minute in range(0, 30 * 24 * 60, 37):  # every 37 minutes across the month
        at = datetime.fromtimestamp(start.timestamp() + minute * 60, tz=UTC)
        located = segments.locate(at)
        assert located is not None
        assert located == (v1 if at < versions[1].starts_at else v2, classify(calendar, at))


def test_retainer_covers_included_hours_and_bills_overage() -> None:
    t = terms(retainer=Retainer(fee=D("5000.00"), included_hours=D("40"), overage_rate=D("120.00")))
    result = draft(t, [group(45 * 3600, n=30)])
    lines = amounts(result)
    assert lines[LineKind.HOURS] == 0  # covered: shown, not charged again
    assert lines[LineKind.RETAINER] == 500000
    assert lines[LineKind.OVERAGE] == 60000  # 5 h x 120.00
    assert result.total_minor == 560000
    under = draft(t, [group(10 * 3600)])
    assert LineKind.OVERAGE not in amounts(under)
    assert under.total_minor == 500000
    assert_adds_up(result)


def test_monthly_minimum_tops_up() -> None:
    t = terms(monthly_minimum=D("1000.00"))
    result = draft(t, [group(3 * 3600)])
    assert amounts(result)[LineKind.MINIMUM] == 70000
    assert result.total_minor == 100000
    assert LineKind.MINIMUM not in amounts(draft(t, [group(20 * 3600)]))


def test_sla_credit_table() -> None:
    t = terms(
        sla_credits=[
            SlaCredit(below_percent=D("95"), credit_percent=D("5")),
            SlaCredit(below_percent=D("90"), credit_percent=D("10")),
        ]
    )
    groups = [group(10 * 3600)]
    assert LineKind.SLA_CREDIT not in amounts(draft(t, groups, attainment=D("0.96")))
    assert LineKind.SLA_CREDIT not in amounts(draft(t, groups, attainment=None))
    assert amounts(draft(t, groups, attainment=D("0.93")))[LineKind.SLA_CREDIT] == -5000
    eighty = draft(t, groups, attainment=D("0.8"))
    assert amounts(eighty)[LineKind.SLA_CREDIT] == -10000
    assert eighty.total_minor == 90000
    assert eighty.credit_percent == D("10")


def test_tax_exclusive_adds_to_the_total() -> None:
    result = draft(terms(tax=Tax(rate_percent=D("8.65"))), [group(3600 + 1800)])
    assert result.subtotal_minor == 15000
    assert result.tax_minor == 1298  # 12.975 rounds half to even
    assert result.total_minor == 16298
    assert_adds_up(result)


def test_tax_inclusive_is_shown_not_added() -> None:
    result = draft(terms(tax=Tax(rate_percent=D("21"), inclusive=True)), [group(3600)])
    tax = next(line for line in result.lines if line.kind is LineKind.TAX)
    assert tax.included
    assert result.total_minor == result.subtotal_minor == 10000
    assert result.tax_minor == 1736  # 100.00 x 21/121 = 17.355...
    assert_adds_up(result)


def test_zero_decimal_currency() -> None:
    t = ContractTerms(default_hourly_rate=D("3333"), tax=Tax(rate_percent=D("10")))
    result = draft(t, [group(1000)], currency="JPY")  # 1000/3600 h x 3333 = 925.83 yen
    assert amounts(result)[LineKind.HOURS] == 926
    assert result.tax_minor == 93  # 92.6
    assert result.total_minor == 1019
    assert_adds_up(result)


def test_lines_add_up_exactly_to_the_total() -> None:
    rates = [D("97.37"), D("113.11"), D("71.99")]
    levels = [1, 2, None]
    t = terms(
        hourly_rates=[],
        surcharges=Surcharges(weekend=D("1.333"), holiday=D("1.777"), out_of_hours=D("1.111")),
        monthly_minimum=D("1.00"),
        sla_credits=[SlaCredit(below_percent=D("99"), credit_percent=D("3.3"))],
        tax=Tax(rate_percent=D("7.77")),
    )
    groups = [
        TimeGroup(C, uuid4(), levels[i % 3], list(Category)[i % 4], 1000 + i * 377, 1000 + i * 377, 1)
        for i in range(40)
    ]
    result = draft(
        t,
        groups,
        attainment=D("0.9"),
        adjustments=[Adjustment(D("-12.34"), "goodwill"), Adjustment(D("0.07"), "rounding")],
    )
    assert_adds_up(result)
    assert result.total_minor == result.subtotal_minor + result.tax_minor
    assert rates and all(isinstance(line.amount_minor, int) for line in result.lines)


def test_most_specific_hourly_rate_wins() -> None:
    other = uuid4()
    from billing.terms import HourlyRate

    t = terms(
        hourly_rates=[
            HourlyRate(rate=D("50"), skill_level=3),
            HourlyRate(rate=D("70"), task_type_id=TYPE),
            HourlyRate(rate=D("90"), task_type_id=TYPE, skill_level=3),
        ]
    )
    assert t.hourly_rate(TYPE, 3) == D("90")
    assert t.hourly_rate(TYPE, 1) == D("70")
    assert t.hourly_rate(other, 3) == D("50")
    assert t.hourly_rate(other, None) == D("100.00")
    assert UUID(int=0) != TYPE and date(2026, 1, 1)


def test_prior_period_time_is_its_own_group_outside_the_month() -> None:
    """Late time of a settled month: not covered by this month's retainer (its overage rate prices it), not
    counted towards the minimum or the SLA credit, taxed with the rest."""
    t = terms(
        retainer=Retainer(fee=D("1000.00"), included_hours=D("10"), overage_rate=D("150.00")),
        monthly_minimum=D("2000.00"),
        sla_credits=[SlaCredit(below_percent=D("90"), credit_percent=D("10"))],
        tax=Tax(rate_percent=D("10")),
    )
    result = price_period(
        currency="BRL",
        period_terms=t,
        terms={C: t},
        time_groups=[group(3600)],
        item_groups=[],
        attainment=D("0.5"),
        prior_time_groups=[group(7200)],
        prior_detail={"priorSince": "2026-09-01T03:00:00+00:00"},
    )
    by_kind = [(line.kind, line.amount_minor, bool(line.detail.get("priorPeriod"))) for line in result.lines]
    assert by_kind == [
        (LineKind.HOURS, 0, False),
        (LineKind.RETAINER, 100000, False),
        (LineKind.MINIMUM, 100000, False),
        (LineKind.SLA_CREDIT, -20000, False),
        (LineKind.HOURS, 30000, True),
        (LineKind.TAX, 21000, False),
    ]
    assert result.lines[4].detail["priorSince"] == "2026-09-01T03:00:00+00:00"
    assert_adds_up(result)
