-- Every record that names a user, from both topics, as one narrow stream.
create temporary view user_activity as
select user_id, rt from src_clickstream where user_id is not null
union all
select user_id, rt from src_orders where user_id is not null
