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
