"""Webhooks: signed deliveries of outbox events to other government systems (Standard Webhooks)."""
