"""OASIS Common Alerting Protocol (CAP 1.2) documents and an Atom feed of them, for early-warning systems."""
