-- Records of one input topic that failed a data-quality check (rendered once per event type read).
insert into sink_dead_letters (source_topic, source_partition, source_offset, job, reason, raw_payload, kafka_ts)
select '${topic}', kafka_partition, kafka_offset, '${job}', dq_reason, payload, kafka_ts
from stg_${event}
where dq_reason is not null
