insert into sink_late_events (source_topic, source_partition, source_offset, job, event_id, user_id, event_ts,
                              `watermark`, raw_payload, kafka_ts)
select '${clickstream_topic}', kafka_partition, kafka_offset, '${job}', event_id, user_id, ts,
       current_watermark(rt), payload, kafka_ts
from stg_clickstream
where dq_reason is null and is_late
union all
select '${orders_topic}', kafka_partition, kafka_offset, '${job}', event_id, user_id, ts,
       current_watermark(rt), payload, kafka_ts
from stg_orders
where dq_reason is null and is_late
