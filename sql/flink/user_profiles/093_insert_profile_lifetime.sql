insert into sink_profile_lifetime
select user_id, events, views, clicks, carts, orders, spend_minor, priced_views, viewed_price_minor,
       first_seen_ms, last_seen_ms, last_order_ms
from profile_lifetime
