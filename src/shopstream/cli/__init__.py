"""The `shopstream` command."""
