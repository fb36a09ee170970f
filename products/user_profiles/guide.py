"""The user-profile lines of ``shopstream guide``: what the last run left, with a real user to look at."""
from __future__ import annotations


def guide(settings, client) -> str:
    db = settings.clickhouse.database
    users = client.query(f"select uniqExact(user_id) from {db}.user_profiles").result_rows[0][0]
    top = client.query(f"select user_id from {db}.user_profiles final order by events_total desc limit 1").result_rows
    sample = top[0][0] if top else "<user_id>"
    r = settings.redis
    return f"""User profiles: {users} users.
  .venv/bin/shopstream serving get profile:{sample}
  redis-cli -p {r.port} --user {r.serving_user} --pass <serving password> HGETALL profile:{sample}
  .venv/bin/shopstream sql "select segment, count() as users, sum(spend_minor_total) / 100 as spend_usd
                             from user_profiles final group by segment order by users desc\""""
