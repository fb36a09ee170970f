insert into sink_profile_lifetime
select user_id, as_of_ms, events, `views`, clicks, carts, orders, spend_minor, priced_views, viewed_price_minor,
       first_seen_ms, last_seen_ms, last_order_ms, device, country, last_event_ms
from profile_lifetime
