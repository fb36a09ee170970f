"""How the benchmark sees a profile: a clickstream event shows once ``as_of_ms_1h`` reaches the end of its
minute."""
from shopstream.product import minute_end_probe

PROBE = minute_end_probe("profile:", "user_id", "as_of_ms_1h")
