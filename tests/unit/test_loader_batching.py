from shopstream.loader.redis_writes import NewestPerGroup


class RecordingWriter:
    def __init__(self):
        self.calls = []

    def queue(self, pipe, key, version_field, version, ttl_s, fields):
        self.calls.append((key, version_field, version, fields))


def test_only_the_newest_write_per_key_and_group_is_queued():
    writer = RecordingWriter()
    batch = NewestPerGroup(writer)
    batch.add("k", "as_of_1h", 2, 10, {"a": 2})
    batch.add("k", "as_of_1h", 1, 10, {"a": 1})      # older: dropped
    batch.add("k", "as_of_24h", 1, 10, {"b": 1})     # another group of the same key: kept
    batch.add("k", "as_of_1h", 2, 10, {"a": 22})     # same version, later: wins (as a write in order would)
    assert len(batch) == 2
    batch.queue_all(pipe=None)
    assert sorted(writer.calls) == [("k", "as_of_1h", 2, {"a": 22}), ("k", "as_of_24h", 1, {"b": 1})]
    assert len(batch) == 0
