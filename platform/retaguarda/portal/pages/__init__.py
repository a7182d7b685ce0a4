"""Portal pages, one module per area: session, home, profile, client tasks, imports, client settings, the
operator's work screen, the supervisor's board, and the account staff's catalogue and roster."""
