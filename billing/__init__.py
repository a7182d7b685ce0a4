"""Billing: contracts, rating of time entries, invoices, SLA credits and Stripe."""
