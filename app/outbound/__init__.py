"""Outbound HTTP on behalf of clients (webhook deliveries, feed polling), kept off internal addresses."""
