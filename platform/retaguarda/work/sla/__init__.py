"""SLA tracking: versioned policies, each task's response and resolution clocks on its client's business
calendar, the sweep that fires warnings and breaches exactly once, and attainment reports.

- ``clocks``: the pure rules — starting clocks, pausing and resuming them, advancing them at a sweep, and
  the view of a clock at an instant.
- ``terms``: a policy version and its calendar as plain values, cached (versions never change).
- ``policies``: policy CRUD; a change adds a version.
- ``service``: the clock hooks the work loop calls (intake, pause, resume) and clock views for reads.
- ``sweep``: the periodic sweep; ``notify``: who hears about a warning or breach, and how.
- ``reports``: attainment per client, queue, task type, priority and period.
"""
