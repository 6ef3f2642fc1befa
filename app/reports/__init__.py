"""Reports for people: the daily brief and the dashboard summary."""
