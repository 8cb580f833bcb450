"""Kizuna: a helpdesk built around keeping customers informed (see docs/overview.md)."""
