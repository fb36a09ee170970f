"""Versioned Redis hash writes: a field group is written only if its version is not older."""
from __future__ import annotations

import redis

# KEYS[1] hash key; ARGV: version field, version, ttl seconds, then field/value pairs.
_SET_IF_NOT_OLDER = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], unpack(ARGV, 4))
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
"""


class VersionedHashWriter:
    """Queues versioned field-group writes on a pipeline; one round trip per batch."""

    def __init__(self, client: redis.Redis):
        self._script = client.register_script(_SET_IF_NOT_OLDER)

    def queue(self, pipe: redis.client.Pipeline, key: str, version_field: str, version: int, ttl_s: int,
              fields: dict[str, object]) -> None:
        args: list[object] = [version_field, int(version), int(ttl_s)]
        for name, value in fields.items():
            args += [name, "" if value is None else value]
        self._script(keys=[key], args=args, client=pipe)


class NewestPerGroup:
    """Collects versioned field-group writes of one batch and keeps only the newest per (key, group):
    the same end state as writing them all in order (an older write would be refused or overwritten),
    with one script call per group instead of one per row."""

    def __init__(self, writer: VersionedHashWriter):
        self.writer = writer
        self._newest: dict[tuple[str, str], tuple[int, int, dict[str, object]]] = {}

    def add(self, key: str, version_field: str, version: int, ttl_s: int, fields: dict[str, object]) -> None:
        slot = (key, version_field)
        held = self._newest.get(slot)
        if held is None or int(version) >= held[0]:
            self._newest[slot] = (int(version), ttl_s, fields)

    def __len__(self) -> int:
        return len(self._newest)

    def queue_all(self, pipe) -> None:
        for (key, version_field), (version, ttl_s, fields) in self._newest.items():
            self.writer.queue(pipe, key, version_field, version, ttl_s, fields)
        self._newest.clear()
