"""`shopstream dlq list|replay`: inspect dead letters and re-send corrected records."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from confluent_kafka import Producer

from shopstream.clickhouse.client import connect
from shopstream.settings import Settings


def list_dead_letters(args, s: Settings) -> int:
    client = connect(s, "analyst")
    where = "where reason like {reason:String}" if args.reason else ""
    params = {"reason": args.reason + "%"} if args.reason else {}
    rows = client.query(
        f"select source_topic, source_partition, source_offset, job, reason, kafka_ts, "
        f"substring(raw_payload, 1, 80) from dead_letters final {where} "
        f"order by kafka_ts desc limit {int(args.limit)}", parameters=params).result_rows
    total = client.query(f"select reason, count() from dead_letters final {where} group by reason "
                         f"order by count() desc", parameters=params).result_rows
    for r in rows:
        print(f"{r[0]}[{r[1]}]@{r[2]}  {r[3]}  {r[4]:<28} {r[5]}  {r[6]}")
    print("by reason: " + ", ".join(f"{reason}={n}" for reason, n in total) if total else "no dead letters")
    return 0


def replay(args, s: Settings) -> int:
    """Re-send each corrected record to its source topic and record the replay in ClickHouse."""
    fixes = [json.loads(line) for line in Path(args.fix).read_text().splitlines() if line.strip()]
    client = connect(s, "writer")
    only = "where job = {job:String}" if args.job else ""
    known = {(r[0], r[1], r[2]): r[3] for r in client.query(
        f"select source_topic, source_partition, source_offset, any(job) from dead_letters final {only} "
        "group by source_topic, source_partition, source_offset", parameters={"job": args.job or ""}).result_rows}
    producer = Producer({"bootstrap.servers": s.kafka.bootstrap_servers, "enable.idempotence": True})
    replays, missing = [], []
    for fix in fixes:
        pos = (fix["source_topic"], int(fix["source_partition"]), int(fix["source_offset"]))
        if pos not in known:
            missing.append(pos)
            continue
        payload = fix["payload"] if isinstance(fix["payload"], str) else json.dumps(fix["payload"])
        key = (json.loads(payload).get("user_id") or "").encode() or None
        producer.produce(pos[0], value=payload.encode(), key=key)
        replays.append([*pos, known[pos], datetime.now(timezone.utc), pos[0], payload])
    producer.flush(30)
    if replays:
        client.insert("dead_letter_replays", replays, column_names=[
            "source_topic", "source_partition", "source_offset", "job", "replayed_at", "target_topic",
            "corrected_payload"])
    print(f"re-sent {len(replays)} corrected record(s)")
    if missing:
        of = f"dead letters of {args.job}" if args.job else "dead letters"
        print(f"skipped {len(missing)} record(s) that are not {of}: {missing[:5]}")
        return 1
    return 0
