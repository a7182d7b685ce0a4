"""Business-time arithmetic against the `businesstimedelta` package, the peer users would otherwise pick.

100,000 random (start, duration) cases on a São Paulo back office (Monday to Friday 08:00-12:00 and
13:00-18:00, Brazilian national holidays): starts anywhere in 2025-2027 to the second (nights, weekends,
holidays and lunch included), durations from 1 to 80 business hours to the second. Ours computes them all; the
peer, which manages a few hundred a second, computes a random sample (BENCH_PEER_CASES, default 2,000) and
the two answers are compared on it. Every mismatch, and a sample of the agreeing cases, is checked against a
brute-force reference that reads the wall clock minute by minute; what it finds goes to stderr.

The peer is fed naive local times with its rules in its default zone, as its documentation does (it treats a
naive datetime as UTC): exact here because São Paulo has kept one offset since 2019.

Prints one JSON line last:
{"bench":"business_time","cases":…,"ours_per_s":…,"peer_per_s":…,"ratio":…,"mismatches":…}
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import businesstimedelta
import holidays

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from retaguarda.calendars import Calendar, add_business_time  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "100000"))
PEER_CASES = int(os.environ.get("BENCH_PEER_CASES", "2000"))
REFERENCE_SAMPLE = int(os.environ.get("BENCH_REFERENCE_SAMPLE", "200"))
SEED = 20261128
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
HOURS = [("08:00", "12:00"), ("13:00", "18:00")]
FIRST_START = datetime(2025, 1, 1, tzinfo=SAO_PAULO)
LAST_START = datetime(2028, 1, 1, tzinfo=SAO_PAULO)
MINUTE = timedelta(minutes=1)


def our_calendar() -> Calendar:
    return Calendar.from_row(
        timezone="America/Sao_Paulo",
        weekly_hours=[{"weekday": day, "start": s, "end": e} for day in range(5) for s, e in HOURS],
        holiday_country="BR",
    )


def peer_rule() -> businesstimedelta.Rules:
    weekdays = [0, 1, 2, 3, 4]
    return businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(start_time=clock(8), end_time=clock(18), working_days=weekdays),
            businesstimedelta.LunchTimeRule(start_time=clock(12), end_time=clock(13), working_days=weekdays),
            businesstimedelta.HolidayRule(holidays.country_holidays("BR")),
        ]
    )


def peer_add(rule: businesstimedelta.Rules, start: datetime, duration: timedelta) -> datetime:
    naive_local = start.astimezone(SAO_PAULO).replace(tzinfo=None)
    result = naive_local + businesstimedelta.BusinessTimeDelta(rule, timedelta=duration)
    return result.replace(tzinfo=SAO_PAULO)


# -- the brute-force reference -----------------------------------------------------------------------------

BR_HOLIDAYS = holidays.country_holidays("BR", years=range(2024, 2030))


def reference_open(at: datetime) -> bool:
    """Open at this instant, read off the local wall clock."""
    local = at.astimezone(SAO_PAULO)
    if local.weekday() >= 5 or local.date() in BR_HOLIDAYS:
        return False
    minute = local.hour * 60 + local.minute
    return 8 * 60 <= minute < 12 * 60 or 13 * 60 <= minute < 18 * 60


def reference_add(start: datetime, duration: timedelta) -> datetime:
    """Step minute by minute (openings and closings fall on whole minutes) until the duration is used up."""
    at = start.astimezone(UTC)
    remaining = duration
    while True:
        boundary = at.replace(second=0, microsecond=0) + MINUTE
        if reference_open(at):
            if boundary - at >= remaining:
                return at + remaining
            remaining -= boundary - at
        at = boundary


# -- the run -----------------------------------------------------------------------------------------------


def random_cases(rng: random.Random, count: int) -> list[tuple[datetime, timedelta]]:
    span = int((LAST_START - FIRST_START).total_seconds())
    return [
        (
            (FIRST_START + timedelta(seconds=rng.randrange(span))).astimezone(SAO_PAULO),
            timedelta(seconds=rng.randint(3600, 80 * 3600)),
        )
        for _ in range(count)
    ]


def describe(start: datetime) -> str:
    local = start.astimezone(SAO_PAULO)
    if local.date() in BR_HOLIDAYS:
        return "start on a holiday"
    if local.weekday() >= 5:
        return "start on a weekend"
    if reference_open(local):
        return "start in open hours"
    return "start on a working day, outside open hours"


def holidays_crossed(start: datetime, end: datetime) -> list[date]:
    day, last = start.astimezone(SAO_PAULO).date(), end.astimezone(SAO_PAULO).date()
    crossed = []
    while day <= last:
        if day in BR_HOLIDAYS:
            crossed.append(day)
        day += timedelta(days=1)
    return crossed


def main() -> None:
    rng = random.Random(SEED)
    cases = random_cases(rng, CASES)
    calendar = our_calendar()
    rule = peer_rule()

    began = time.perf_counter()
    ours = [add_business_time(calendar, start, duration) for start, duration in cases]
    ours_per_s = len(cases) / (time.perf_counter() - began)

    sample = sorted(rng.sample(range(len(cases)), min(PEER_CASES, len(cases))))
    began = time.perf_counter()
    peers = {index: peer_add(rule, *cases[index]) for index in sample}
    peer_per_s = len(sample) / (time.perf_counter() - began)

    mismatched = [index for index in sample if peers[index] != ours[index]]
    verdicts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for index in mismatched:
        start, duration = cases[index]
        truth = reference_add(start, duration)
        right = "ours" if truth == ours[index] else "peer" if truth == peers[index] else "neither"
        key = (right, describe(start))
        verdicts[key] += 1
        examples.setdefault(
            key,
            f"start {start.isoformat()} + {duration}: ours {ours[index].isoformat()}, "
            f"peer {peers[index].isoformat()}, reference {truth.isoformat()}; "
            f"holidays in between: {[d.isoformat() for d in holidays_crossed(start, truth)]}",
        )
    agreeing = [index for index in sample if index not in set(mismatched)]
    checked = rng.sample(agreeing, min(REFERENCE_SAMPLE, len(agreeing)))
    wrong_together = sum(reference_add(*cases[index]) != ours[index] for index in checked)

    print(
        f"peer sample: {len(sample)} cases, {len(mismatched)} mismatches; {len(checked)} agreeing cases "
        f"checked against the reference, {wrong_together} wrong",
        file=sys.stderr,
    )
    for (right, situation), count in verdicts.most_common():
        print(f"  {count} x {situation}: right = {right}", file=sys.stderr)
        print(f"      e.g. {examples[(right, situation)]}", file=sys.stderr)

    print(
        json.dumps(
            {
                "bench": "business_time",
                "cases": len(cases),
                "ours_per_s": round(ours_per_s),
                "peer_per_s": round(peer_per_s, 1),
                "ratio": round(ours_per_s / peer_per_s, 1),
                "mismatches": len(mismatched),
            }
        )
    )


if __name__ == "__main__":
    main()
