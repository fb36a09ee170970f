"""ClickHouse access through the URL in settings: the local endpoint or a real server alike."""
