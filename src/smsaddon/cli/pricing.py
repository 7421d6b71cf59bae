"""Pricing commands: segments, countries."""
