insert into sink_dead_letters (source_topic, source_partition, source_offset, job, reason, raw_payload, kafka_ts)
select '${clickstream_topic}', kafka_partition, kafka_offset, '${job}', dq_reason, payload, kafka_ts
from stg_clickstream
where dq_reason is not null
union all
select '${orders_topic}', kafka_partition, kafka_offset, '${job}', dq_reason, payload, kafka_ts
from stg_orders
where dq_reason is not null
