insert into sink_campaign_spend
select campaign_id, day_start_ms, as_of_ms, spend_today_minor, clicks_today
from campaign_spend_today
