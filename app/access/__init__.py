"""Who may see which issue, and everything that hangs off one: mentions, plans, tasks, statements, CAP."""
