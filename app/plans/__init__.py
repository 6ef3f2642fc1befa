"""Response plans: the recommended answer to an issue, its tasks, statements and evaluation."""
