-- Valid events of one input topic that arrived after the watermark had passed them (once per event type).
insert into sink_late_events (source_topic, source_partition, source_offset, job, event_id, user_id, event_ts,
                              `watermark`, raw_payload, kafka_ts)
select '${topic}', kafka_partition, kafka_offset, '${job}', event_id, ${user_id}, ts,
       current_watermark(rt), payload, kafka_ts
from stg_${event}
where dq_reason is null and is_late
