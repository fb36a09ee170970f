"""Serving-side access to Redis: clients for writers and read-only services (each product has its reader)."""
