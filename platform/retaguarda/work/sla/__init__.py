"""SLA tracking: versioned policies, each task's response and resolution clocks on its client's business
calendar, the sweep that fires warnings and breaches exactly once, and attainment reports.

- ``clocks``: the pure rules — starting clocks, pausing and resuming them, advancing them at a sweep, and
  the view of a clock at an instant (no database, web or job import: the layering test keeps it so).
- ``tables``, ``schemas``, ``controllers``, ``jobs``: as in every domain.
- ``service/terms``: a policy version and its calendar as plain values, cached (versions never change).
- ``service/policies``: policy CRUD; a change adds a version.
- ``service/task_clocks``: the clock hooks the work loop calls (intake, pause, resume) and clock views for
  reads.
- ``service/sweep``: the periodic sweep; ``service/alerting``: who hears about a warning or breach, and how;
  ``service/inbox``: a provider user's in-app notices.
- ``service/risk``: the open tasks closest to breaching, for the screens that watch them.
- ``service/reports``: attainment per client, queue, task type, priority and period.
"""
