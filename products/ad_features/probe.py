"""How the benchmark sees an ad: an impression shows once ``as_of_ms_5m`` of its ad reaches the end of
its minute."""
from shopstream.product import minute_end_probe

PROBE = minute_end_probe("ads:ad:", "ad_id", "as_of_ms_5m", event_type="ad_impression")
