"""The work loop: task types, queues and the pools that serve them, tasks and their history, claims and
leases, time capture, comments, CSV intake and outbound webhooks."""
