"""Serving-side access to Redis: clients for writers and read-only services, and profile reads."""
