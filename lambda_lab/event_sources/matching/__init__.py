"""Matching: EventBridge event patterns, mapping filters, and schedule expressions."""
