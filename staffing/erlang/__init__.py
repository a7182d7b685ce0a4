"""Queueing maths for staffing: pure functions of numbers and numpy arrays (standard library and numpy only).

Exact in whole agents and numerically stable to 10,000 agents and beyond: no factorials or powers (Erlang B
runs as a ratio recursion), nothing that overflows or turns into NaN, and every decision between two agent
counts is exact (near ties are re-decided in 50-digit decimals; roundings to whole agents use the decimal
numbers the planner typed, so 21 / (1 - 0.3) is 30).

Inbound queues (Erlang C: M/M/N, tasks wait as long as it takes)

    erlang_c(agents, traffic_erlangs, aht_s, answer_s) -> ErlangC
        wait_probability, service_level (share answered within answer_s), asa_s (average speed of answer over
        all tasks), occupancy; at or below the traffic: 1, 0, math.inf, 1.
    required_agents(volume, aht_s, interval_s, target_sl, answer_s, max_occupancy=1.0, shrinkage=0.0)
        -> Requirement: raw (fewest agents meeting the service level and the occupancy cap), scheduled (raw
        grossed up for shrinkage), and traffic_erlangs, wait_probability, service_level, asa_s, occupancy at
        raw. Zero volume needs zero agents.
    required_agents_grid(...same arguments, numpy arrays that broadcast...) -> RequirementGrid
        (raw, scheduled, service_level, occupancy, asa_s), arrays in the broadcast shape; equal to
        required_agents in every cell, hundreds of times faster on a planning grid.

Queues with abandonment (Erlang A: M/M/N+M)

    erlang_a(agents, traffic_erlangs, aht_s, patience_s, answer_s) -> ErlangA
        wait_probability, abandon_probability, service_level (share of all tasks answered within answer_s),
        asa_s (average wait of answered tasks), occupancy. patience_s = math.inf is Erlang C.

Back office (work waits in a backlog)

    workload_agents(volume, aht_s, productive_s, occupancy=1.0, shrinkage=0.0) -> int
    backlog_clearance_agents(backlog, arrivals_per_day, aht_s, productive_s_per_day, days,
                             occupancy=1.0, shrinkage=0.0) -> int
    completed_within_agents(volume, aht_s, interval_s, share, within_s, max_occupancy=1.0, shrinkage=0.0)
        -> Requirement: "share of tasks completed within within_s", as Erlang C answering within
        within_s - aht_s.

Units: seconds for times; volume is tasks per interval_s; traffic in erlangs = volume x aht_s / interval_s;
shares and rates in [0, 1]. Bad inputs (negative, NaN, infinite, a target of 100 %) raise ValueError saying
which.
"""

from staffing.erlang.abandonment import ErlangA, erlang_a
from staffing.erlang.back_office import backlog_clearance_agents, completed_within_agents, workload_agents
from staffing.erlang.requirement_grid import RequirementGrid, required_agents_grid
from staffing.erlang.waiting import ErlangC, Requirement, erlang_c, required_agents

__all__ = [
    "ErlangA",
    "ErlangC",
    "Requirement",
    "RequirementGrid",
    "backlog_clearance_agents",
    "completed_within_agents",
    "erlang_a",
    "erlang_c",
    "required_agents",
    "required_agents_grid",
    "workload_agents",
]
