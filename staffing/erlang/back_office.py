"""Back-office staffing: work that sits in a backlog for hours or days rather than callers waiting in a queue.

Workload models count hours of work against hours of agents; every rounding to whole agents is a ceil in exact
decimal arithmetic (see staffing.erlang.inputs). The "X % completed within T" SLA goes back to Erlang C.
"""

from __future__ import annotations

import math

from staffing.erlang.inputs import Number, exact, number, occupancy_cap, share_below_one
from staffing.erlang.waiting import Requirement, required_agents


def workload_agents(
    volume: Number, aht_s: Number, productive_s: Number, occupancy: Number = 1.0, shrinkage: Number = 0.0
) -> int:
    """Agents to schedule for `volume` tasks of `aht_s` each, when an agent has `productive_s` seconds for
    them (per the same period as the volume), is busy `occupancy` of that time and loses `shrinkage` of it:
    ceil(volume x aht / productive / occupancy / (1 - shrinkage)), exactly."""
    number("volume", volume)
    number("aht_s", aht_s, positive=True)
    number("productive_s", productive_s, positive=True)
    occupancy_cap("occupancy", occupancy)
    share_below_one("shrinkage", shrinkage)
    work = exact(volume) * exact(aht_s)
    return math.ceil(work / (exact(productive_s) * exact(occupancy) * (1 - exact(shrinkage))))


def backlog_clearance_agents(
    backlog: Number,
    arrivals_per_day: Number,
    aht_s: Number,
    productive_s_per_day: Number,
    days: Number,
    occupancy: Number = 1.0,
    shrinkage: Number = 0.0,
) -> int:
    """Agents to schedule so that `backlog` tasks are cleared within `days` days while the `arrivals_per_day`
    keep coming: everything on hand plus everything arriving, worked in the agents' productive time over
    those days. After the date the same agents run ahead of arrivals; workload_agents gives the steady
    state."""
    number("backlog", backlog)
    number("arrivals_per_day", arrivals_per_day)
    number("aht_s", aht_s, positive=True)
    number("productive_s_per_day", productive_s_per_day, positive=True)
    number("days", days, positive=True)
    occupancy_cap("occupancy", occupancy)
    share_below_one("shrinkage", shrinkage)
    work = (exact(backlog) + exact(arrivals_per_day) * exact(days)) * exact(aht_s)
    per_agent = exact(productive_s_per_day) * exact(days) * exact(occupancy) * (1 - exact(shrinkage))
    return math.ceil(work / per_agent)


def completed_within_agents(
    volume: Number,
    aht_s: Number,
    interval_s: Number,
    share: Number,
    within_s: Number,
    max_occupancy: Number = 1.0,
    shrinkage: Number = 0.0,
) -> Requirement:
    """Staff so that `share` of tasks are completed within `within_s` of arriving (a back-office SLA).

    A task is completed in time when it is started within `within_s - aht_s`: Erlang C with that answer
    time, taking each task's handle time as the average. (Erlang C's own exponential handle times would make
    any SLA shorter than a few handle times unreachable, which the tasks' real, far less spread out handle
    times do not.) `within_s` below `aht_s` cannot be met and is refused.
    """
    number("within_s", within_s)
    number("aht_s", aht_s, positive=True)
    start_within = exact(within_s) - exact(aht_s)
    if start_within < 0:
        raise ValueError(
            f"within_s ({within_s!r}) must be at least aht_s ({aht_s!r}): a task takes that long"
        )
    return required_agents(
        volume,
        aht_s,
        interval_s,
        share,
        float(start_within),
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
