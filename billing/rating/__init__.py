"""Rating: time and items of a period turned into invoice lines. Pure functions on plain values (no database):
the service collects the inputs, these decide the money."""
