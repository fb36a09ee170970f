insert into sink_profile_context
select user_id, device, country, last_event_ms
from profile_last_context
