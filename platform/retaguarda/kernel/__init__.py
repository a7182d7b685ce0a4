"""The kernel's own tables (sessions, login attempts, outbox, idempotency keys) as a small Piccolo app."""
