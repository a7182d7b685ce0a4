"""What a scaling plan does to the roster, worked out on memberships in memory: the what-if reads the result,
and applying writes it through the roster's own membership service.

For the plan's period ``[start, end)``:

* ``add``: a seasonal membership of the plan's pool, for ``share``; it ends by itself at ``end``.
* ``remove``: the operator's memberships of the plan's pool are cut out of the period (a membership running
  through it becomes two: before and after).
* ``borrow``: a seasonal membership of the plan's pool for ``share``, and the lender's membership is cut in
  three: before the period, the period at its share less ``share`` (gone when nothing is left), and after.
  The operator's time in the lending pool drops by exactly what the receiving pool gains.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from uuid import UUID

from retaguarda.errors import FieldError
from staffing.planning.schemas import PlanChange
from staffing.planning.service.headcount import Member


@dataclass(slots=True)
class Rewrite:
    """The memberships after the plan, and how to get there: originals replaced by their pieces (an empty
    list deletes), new memberships, and what cannot be done."""

    members: list[Member]
    originals: dict[UUID, Member] = field(default_factory=dict)
    replaced: dict[UUID, list[Member]] = field(default_factory=dict)
    added: list[Member] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)


def _cut(member: Member, start: int, end: int, share_left: int) -> list[Member]:
    pieces = [
        replace(member, until=min(member.until, start)),
        replace(member, since=max(member.since, start), until=min(member.until, end), share=share_left),
        replace(member, since=max(member.since, end)),
    ]
    return [piece for piece in pieces if piece.since < piece.until and piece.share > 0]


def _overlapping(
    members: list[Member], pool_id: UUID, operator_id: UUID, start: int, end: int
) -> list[Member]:
    return [
        m
        for m in members
        if m.pool_id == pool_id and m.operator_id == operator_id and m.since < end and m.until > start
    ]


def rewrite(members: list[Member], pool_id: UUID, start: int, end: int, changes: list[PlanChange]) -> Rewrite:
    result = Rewrite(members=list(members), originals={m.id: m for m in members if m.id is not None})
    for position, change in enumerate(changes):
        where = f"changes[{position}]"
        if change.kind in ("add", "borrow"):
            if _overlapping(result.members, pool_id, change.operator_id, start, end):
                result.problems.append(
                    FieldError(f"{where}.operatorId", "already_member", "Already a member of the pool then.")
                )
                continue
            joined = Member(None, pool_id, change.operator_id, "seasonal", start, end, change.share)
            result.added.append(joined)
            result.members.append(joined)
        if change.kind == "add":
            continue
        source = pool_id if change.kind == "remove" else change.from_pool_id
        assert source is not None
        found = _overlapping(result.members, source, change.operator_id, start, end)
        if not found:
            code = "not_member" if change.kind == "remove" else "not_member_of_lender"
            result.problems.append(
                FieldError(f"{where}.operatorId", code, "No membership of that pool during the period.")
            )
            continue
        for member in found:
            left = 0 if change.kind == "remove" else member.share - change.share
            if left < 0:
                result.problems.append(
                    FieldError(f"{where}.share", "more_than_lent", "More than the operator's share there.")
                )
                left = 0
            pieces = _cut(member, start, end, left)
            result.members.remove(member)
            result.members.extend(pieces)
            if member.id is not None:
                result.replaced[member.id] = pieces
    return result
