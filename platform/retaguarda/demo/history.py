"""A provider's recent past for one client, simulated in memory: tasks arriving with a daily and weekly shape,
taken by the pool's operators during their shifts in the order the claim uses (due time, priority, age), some
paused on a question to the client, completed after a realistic handle time; the SLA sweep replayed every
ten seconds over each task's clocks. Pure: no database, every random draw from one seeded generator, so the
same inputs give the same rows.

The rows are what the services would have written: the clock columns come from ``work.sla.clocks``
(``start_clocks``, ``pause_clocks``, ``resume_clocks``, ``advance``), the transitions set the columns the
claim, ask-the-client, answer and completion set, and the events, comments and time entries are theirs.
Outbox rows are not written: the jobs they stood for (webhooks, notices) ran long ago; the notices themselves
are rows.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from retaguarda.calendars import Calendar, add_business_time
from retaguarda.demo.texts import ANSWERS, QUESTIONS
from retaguarda.work.sla.clocks import Terms, advance, pause_clocks, resume_clocks, start_clocks

SWEEP_EVERY_S = 10
HEARTBEAT_EVERY_S = 100
PREFERRED_FOR = timedelta(minutes=15)
# Arrivals per local hour of the day (relative): a back office's morning and early-afternoon peaks, and the
# early evening's e-mail and API intake; nothing at night (the clients' systems batch it for the morning).
HOURLY_SHAPE = (
    0, 0, 0, 0, 0, 0, 0, 1.5, 4, 8, 9, 8, 5, 6, 8, 8, 6, 4, 2, 1, 0, 0, 0, 0,
)  # fmt: skip
WEEKDAY_SHAPE = (1.15, 1.05, 1.0, 1.0, 0.9, 0.15, 0.0)
BUSY_TODAY = 1.6
# Up to two hours' overtime at the end of a day when more than this many tasks an operator could take wait.
OVERTIME = timedelta(hours=2)
OVERTIME_BACKLOG = 25


@dataclass(frozen=True, slots=True)
class TypePlan:
    """A task type as the simulation uses it: how often it arrives and what it takes."""

    id: UUID
    code: str
    queue_id: UUID
    skill_id: UUID | None
    priority: int
    handle_s: int
    weight: float
    # Relative arrivals by local date (the month's first days for payroll, a quarter's filing window ...).
    season: Callable[[date], float]
    make: Callable[[random.Random, date, int], tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Worker:
    """An operator of the client's pool: who, how skilled, when on shift (local hours) and away."""

    operator_id: UUID
    user_id: UUID
    skills: dict[UUID, int]
    shift_start: int
    shift_hours: int
    saturdays: bool
    away: frozenset[date]


@dataclass(frozen=True, slots=True)
class ClientPlan:
    tenant_id: UUID
    slug: str
    locale: str
    zone: ZoneInfo
    calendar: Calendar  # the client's business calendar (answers come in its hours)
    terms: Terms  # the SLA policy version every task type of the demo runs under
    types: list[TypePlan]
    workers: list[Worker]
    client_users: list[UUID]
    daily_tasks: float  # an ordinary weekday's arrivals
    first_day: date
    now: datetime
    lease_s: int
    ask_share: float = 0.06


@dataclass
class History:
    tasks: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    comments: list[tuple[Any, ...]] = field(default_factory=list)
    # (event id, task id, kind, at, data) of every warning and breach fired
    fired: list[tuple[UUID, UUID, str, datetime, dict[str, Any]]] = field(default_factory=list)
    on_shift: int = 0


class Ids:
    """Deterministic ids: the n-th id of a seeded namespace."""

    def __init__(self, namespace: UUID) -> None:
        self.namespace = namespace
        self.count = 0

    def __call__(self) -> UUID:
        self.count += 1
        return uuid5(self.namespace, str(self.count))


# ---- arrivals ---------------------------------------------------------------------------------------------


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _hour(rng: random.Random) -> int:
    return rng.choices(range(24), weights=HOURLY_SHAPE)[0]


@dataclass(slots=True)
class SimTask:
    row: dict[str, Any]
    plan: TypePlan
    work_s: float  # handling it needs, before the operator's skill
    asks: bool
    actions: list[tuple[datetime, str, Any]] = field(default_factory=list)


def _arrivals(plan: ClientPlan, rng: random.Random, ids: Ids) -> list[SimTask]:
    local_now = plan.now.astimezone(plan.zone)
    span = max((local_now.date() - plan.first_day).days, 1)
    total_weight = sum(t.weight for t in plan.types)
    tasks: list[SimTask] = []
    number = 10_000
    for day in _days(plan.first_day, local_now.date()):
        holiday = plan.calendar.is_closed_date(day)
        level = plan.daily_tasks * WEEKDAY_SHAPE[day.weekday()] * (0.15 if holiday else 1.0)
        level *= 0.92 + 0.16 * (day - plan.first_day).days / span  # a client that grows
        level *= rng.lognormvariate(0, 0.1)
        if day == local_now.date():
            level *= BUSY_TODAY  # the demo opens on a busy day: a backlog and tasks at risk on the board
        for kind in plan.types:
            for _ in range(_poisson(rng, level * kind.weight / total_weight * kind.season(day))):
                local = datetime.combine(
                    day, time(_hour(rng), rng.randrange(60), rng.randrange(60)), tzinfo=plan.zone
                )
                created = local.astimezone(UTC)
                if created >= plan.now:
                    continue
                number += rng.randint(1, 7)
                tasks.append(_new_task(plan, kind, rng, ids, created, day, number))
    tasks.sort(key=lambda t: t.row["created_at"])
    return tasks


def _new_task(
    plan: ClientPlan, kind: TypePlan, rng: random.Random, ids: Ids, created: datetime, day: date, number: int
) -> SimTask:
    title, payload = kind.make(rng, day, number)
    roll = rng.random()
    priority = (
        min(4, kind.priority + 1)
        if roll < 0.05
        else max(1, kind.priority - 1)
        if roll < 0.1
        else kind.priority
    )
    row: dict[str, Any] = {
        "id": ids(),
        "tenant_id": plan.tenant_id,
        "queue_id": kind.queue_id,
        "task_type_id": kind.id,
        "external_ref": f"{plan.slug[:2].upper()}-{number}",
        "title": title,
        "payload": payload,
        "priority": priority,
        "status": "queued",
        "required_skill_id": kind.skill_id,
        "assignee_id": None,
        "preferred_operator_id": None,
        "preferred_until": None,
        "lease_expires_at": None,
        "heartbeat_at": None,
        "fencing_token": 0,
        "due_at": None,
        "created_at": created,
        "updated_at": created,
        "first_claimed_at": None,
        "completed_at": None,
        "created_by": rng.choice(plan.client_users) if plan.client_users else None,
        "sla_paused_at": None,
        "resolution_remaining_s": None,
        "sla_paused_s": 0,
        **start_clocks(plan.terms, priority, created),
    }
    work = min(kind.handle_s * rng.lognormvariate(-0.15, 0.45), kind.handle_s * 4.0)
    return SimTask(row, kind, max(work, 45.0), rng.random() < plan.ask_share)


# ---- the floor --------------------------------------------------------------------------------------------


def shift_blocks(
    worker: Worker, day: date, zone: ZoneInfo, calendar: Calendar
) -> list[tuple[datetime, datetime]]:
    """The worker's working blocks on a local day (the shift less an hour's lunch; Saturday mornings for
    those who work them; nothing on Sundays, holidays and days away), in UTC."""
    if day in worker.away or day.weekday() == 6 or (day.weekday() == 5 and not worker.saturdays):
        return []
    if calendar.is_closed_date(day):
        return []
    start = datetime.combine(day, time(worker.shift_start), tzinfo=zone)
    if day.weekday() == 5:
        return [(start.astimezone(UTC), (start + timedelta(hours=4)).astimezone(UTC))]
    lunch = start + timedelta(hours=4)
    end = start + timedelta(hours=worker.shift_hours)
    return [
        (start.astimezone(UTC), lunch.astimezone(UTC)),
        ((lunch + timedelta(hours=1)).astimezone(UTC), end.astimezone(UTC)),
    ]


class Floor:
    """The operators of one client's pool working its queues, event by event."""

    def __init__(self, plan: ClientPlan, rng: random.Random, tasks: list[SimTask]) -> None:
        self.plan, self.rng, self.tasks = plan, rng, tasks
        self.next_arrival = 0
        self.waiting: dict[UUID | None, list[tuple[Any, ...]]] = {}
        # Answered tasks, back in the queue at the answer.
        self.later: list[tuple[datetime, int, SimTask]] = []
        self.blocks = {w.operator_id: self._blocks(w) for w in plan.workers}
        self.held: dict[UUID, tuple[SimTask, datetime]] = {}
        self.serial = 0

    def _blocks(self, worker: Worker) -> list[tuple[datetime, datetime]]:
        local_now = self.plan.now.astimezone(self.plan.zone).date()
        plan = self.plan
        return [
            block
            for day in _days(plan.first_day, local_now)
            for block in shift_blocks(worker, day, plan.zone, plan.calendar)
        ]

    def _enqueue(self, task: SimTask) -> None:
        row = task.row
        key = (
            row["due_at"] or datetime.max.replace(tzinfo=UTC),
            -row["priority"],
            row["created_at"],
            row["id"],
        )
        self.serial += 1
        heapq.heappush(self.waiting.setdefault(row["required_skill_id"], []), (*key, self.serial, task))

    def _admit(self, until: datetime) -> None:
        while (
            self.next_arrival < len(self.tasks) and self.tasks[self.next_arrival].row["created_at"] <= until
        ):
            self._enqueue(self.tasks[self.next_arrival])
            self.next_arrival += 1
        while self.later and self.later[0][0] <= until:
            self._enqueue(heapq.heappop(self.later)[2])

    def _next_moment(self) -> datetime | None:
        moments = []
        if self.next_arrival < len(self.tasks):
            moments.append(self.tasks[self.next_arrival].row["created_at"])
        if self.later:
            moments.append(self.later[0][0])
        return min(moments) if moments else None

    def _pick(self, worker: Worker) -> SimTask | None:
        best: tuple[Any, ...] | None = None
        for skill in (None, *worker.skills):
            heap = self.waiting.get(skill)
            if heap and (best is None or heap[0][:5] < best[:5]):
                best = heap[0]
        if best is None:
            return None
        task: SimTask = best[-1]
        heapq.heappop(self.waiting[task.row["required_skill_id"]])
        return task

    def run(self) -> None:
        now = self.plan.now
        ready = [
            (blocks[0][0], i)
            for i, w in enumerate(self.plan.workers)
            if (blocks := self.blocks[w.operator_id])
        ]
        heapq.heapify(ready)
        block_index = dict.fromkeys(range(len(self.plan.workers)), 0)
        while ready:
            moment, i = heapq.heappop(ready)
            if moment >= now:
                continue
            worker = self.plan.workers[i]
            blocks = self.blocks[worker.operator_id]
            while block_index[i] < len(blocks) and self._block_end(worker, blocks, block_index[i]) <= moment:
                block_index[i] += 1
            if block_index[i] >= len(blocks):
                continue
            start, end = blocks[block_index[i]][0], self._block_end(worker, blocks, block_index[i])
            if moment < start:
                heapq.heappush(ready, (start, i))
                continue
            self._admit(moment)
            task = self._pick(worker)
            if task is None:
                coming = self._next_moment()
                resume = end if coming is None or coming >= end else max(coming, moment)
                heapq.heappush(ready, (resume + timedelta(seconds=1), i))
                continue
            done_at = self._work(task, worker, moment)
            if done_at is not None:
                gap = timedelta(seconds=self.rng.uniform(10, 120))
                heapq.heappush(ready, (done_at + gap, i))

    def _block_end(self, worker: Worker, blocks: list[tuple[datetime, datetime]], index: int) -> datetime:
        """A day's last block runs into overtime while the work the operator can take piles up (the floor
        catches up after a peak instead of carrying it for weeks)."""
        end = blocks[index][1]
        last_of_day = index + 1 == len(blocks) or blocks[index + 1][0] - end > timedelta(hours=4)
        if not last_of_day:
            return end
        backlog = sum(len(self.waiting.get(skill, ())) for skill in (None, *worker.skills))
        return end + OVERTIME if backlog > OVERTIME_BACKLOG else end

    def _work(self, task: SimTask, worker: Worker, moment: datetime) -> datetime | None:
        """Claim at ``moment``; finish, or ask the client. None when ``now`` comes first (still held)."""
        level = worker.skills.get(task.row["required_skill_id"], 3) if task.row["required_skill_id"] else 3
        left = task.work_s * (1.25 - 0.07 * level)
        task.actions.append((moment, "claim", worker))
        if task.asks:
            task.asks = False
            asked = moment + timedelta(seconds=left * self.rng.uniform(0.2, 0.6))
            if asked >= self.plan.now:
                self.held[worker.operator_id] = (task, moment)
                return None
            task.actions.append((asked, "ask", worker))
            task.work_s *= 0.6
            waited = timedelta(seconds=self.rng.lognormvariate(math.log(3 * 3600), 0.9))
            answered = add_business_time(self.plan.calendar, asked, waited)
            if answered < self.plan.now:
                task.actions.append((answered, "answer", worker))
                self.serial += 1
                heapq.heappush(self.later, (answered, self.serial, task))
            return asked
        finished = moment + timedelta(seconds=left)
        if finished >= self.plan.now:
            self.held[worker.operator_id] = (task, moment)
            return None
        task.actions.append((finished, "complete", worker))
        return finished

    def on_shift(self) -> int:
        now = self.plan.now
        return sum(1 for blocks in self.blocks.values() for start, end in blocks if start <= now < end)


# ---- replaying what the services write ------------------------------------------------------------------


def _tick(moment: datetime) -> datetime:
    """The first run of the ten-second sweep at or after ``moment``."""
    seconds = moment.timestamp()
    return datetime.fromtimestamp(math.ceil(seconds / SWEEP_EVERY_S) * SWEEP_EVERY_S, UTC)


class Replay:
    """One task's life applied to its row, with the sweeps that ran in between."""

    def __init__(self, plan: ClientPlan, sim: SimTask, ids: Ids, out: History, rng: random.Random) -> None:
        self.plan, self.sim, self.ids, self.out, self.rng = plan, sim, ids, out, rng
        self.row = sim.row
        self.entry: tuple[UUID, datetime, UUID] | None = None

    def event(self, kind: str, at: datetime, worker: Worker | None = None, **extra: Any) -> UUID:
        event_id = self.ids()
        actor = extra.pop("actor", worker.user_id if worker else None)
        self.out.events.append(
            (
                event_id,
                self.row["tenant_id"],
                self.row["id"],
                kind,
                at,
                actor,
                worker.operator_id if worker else None,
                extra.pop("token", self.row["fencing_token"] if worker else 0),
                extra.pop("data", {}),
            )
        )
        return event_id

    def sweep_until(self, limit: datetime) -> None:
        """The sweeps that looked at the task before ``limit`` (and before now)."""
        row = self.row
        while row["sla_next_at"] is not None:
            stamp = _tick(row["sla_next_at"])
            if stamp >= limit or stamp > self.plan.now:
                return
            moved = advance(row, stamp)
            for fired in moved.fired:
                data = {"clock": fired.kind.value, "dueAt": row[f"{fired.kind.value}_due_at"].isoformat()}
                event_id = self.event(fired.event, stamp, data=data)
                self.out.fired.append((event_id, row["id"], fired.event, stamp, data))
            row.update(
                response_state=moved.response_state,
                resolution_state=moved.resolution_state,
                sla_next_at=moved.sla_next_at,
                due_at=moved.due_at,
            )

    def close_entry(self, at: datetime) -> None:
        assert self.entry is not None
        entry_id, started, operator_id = self.entry
        ended = max(at, started)
        self.out.entries.append(
            (entry_id, self.row["tenant_id"], self.row["id"], operator_id, started, ended,
             int((ended - started).total_seconds()), "auto", "", True, None, None, None)
        )  # fmt: skip
        self.entry = None

    def heartbeat(self, since: datetime, until: datetime) -> datetime:
        beats = int((until - since).total_seconds()) // HEARTBEAT_EVERY_S
        return since + timedelta(seconds=beats * HEARTBEAT_EVERY_S)

    def claim(self, at: datetime, worker: Worker) -> None:
        row = self.row
        row.update(
            status="claimed",
            assignee_id=worker.operator_id,
            lease_expires_at=at + timedelta(seconds=self.plan.lease_s),
            heartbeat_at=at,
            fencing_token=row["fencing_token"] + 1,
            first_claimed_at=row["first_claimed_at"] or at,
            preferred_operator_id=None,
            preferred_until=None,
            updated_at=at,
        )
        if row["sla_version_id"] is not None:
            row["due_at"] = row["resolution_due_at"]
        self.entry = (self.ids(), at, worker.operator_id)
        self.event("claimed", at, worker)

    def ask(self, at: datetime, worker: Worker) -> None:
        row = self.row
        row["heartbeat_at"] = self.heartbeat(row["heartbeat_at"], at)
        row.update(
            status="waiting_on_client",
            assignee_id=None,
            lease_expires_at=None,
            preferred_operator_id=worker.operator_id,
            updated_at=at,
        )
        self.close_entry(at)
        paused = pause_clocks(self.plan.terms, row, at)
        if paused:
            row.update(paused)
        question = self.rng.choice(QUESTIONS[self.plan.locale])
        self.out.comments.append(
            (self.ids(), row["tenant_id"], row["id"], worker.user_id, "provider", question, at)
        )
        self.event("paused", at, worker, data={"reason": "waiting_on_client"})

    def answer(self, at: datetime, asker: Worker) -> None:
        row = self.row
        author = self.rng.choice(self.plan.client_users) if self.plan.client_users else None
        answer = self.rng.choice(ANSWERS[self.plan.locale])
        self.out.comments.append((self.ids(), row["tenant_id"], row["id"], author, "client", answer, at))
        self.event("commented", at, actor=author, data={"side": "client"})
        resumed = resume_clocks(self.plan.terms, row, at)
        row.update(status="queued", preferred_until=at + PREFERRED_FOR, updated_at=at)
        if resumed:
            row.update(resumed)
        self.event(
            "resumed", at, actor=author, data={"preferredOperatorId": str(row["preferred_operator_id"] or "")}
        )

    def complete(self, at: datetime, worker: Worker) -> None:
        row = self.row
        row["heartbeat_at"] = self.heartbeat(row["heartbeat_at"], at)
        row.update(status="done", lease_expires_at=None, completed_at=at, updated_at=at)
        self.close_entry(at)
        self.event("completed", at, worker)

    def hold_until_now(self) -> None:
        """Still being worked: the last heartbeat before now, the lease it gave, the running entry."""
        row, now = self.row, self.plan.now
        beat = self.heartbeat(row["heartbeat_at"], now)
        row.update(
            heartbeat_at=beat, lease_expires_at=beat + timedelta(seconds=self.plan.lease_s), updated_at=beat
        )
        assert self.entry is not None
        entry_id, started, operator_id = self.entry
        self.out.entries.append(
            (
                entry_id,
                row["tenant_id"],
                row["id"],
                operator_id,
                started,
                None,
                0,
                "auto",
                "",
                True,
                None,
                None,
                None,
            )
        )

    def run(self) -> None:
        row = self.row
        self.event("created", row["created_at"], actor=row["created_by"])
        steps = {"claim": self.claim, "ask": self.ask, "answer": self.answer, "complete": self.complete}
        for at, kind, worker in self.sim.actions:
            self.sweep_until(at)
            steps[kind](at, worker)
        self.sweep_until(self.plan.now + timedelta(microseconds=1))
        if self.entry is not None:
            self.hold_until_now()


def simulate(plan: ClientPlan, seed: int) -> History:
    """The client's history up to ``plan.now``."""
    rng = random.Random(f"{seed}:{plan.slug}")
    ids = Ids(uuid5(UUID(int=seed), plan.slug))
    tasks = _arrivals(plan, rng, ids)
    floor = Floor(plan, rng, tasks)
    floor.run()
    out = History(on_shift=floor.on_shift())
    for sim in tasks:
        Replay(plan, sim, ids, out, rng).run()
        out.tasks.append(sim.row)
    return out
