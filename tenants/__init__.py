"""Tenants and identity: tenants, users, memberships and roles, account assignments, API keys, business
calendars, and the resolver that turns a session or an API key into a Principal."""
