-- One row per expectation evaluated by `shopstream dq check`: which suite, on which table and column, whether
-- it was met, over how many rows, how many failed and a few of them. Written by the writer, read by analysts:
--   select started_at, suite, expectation, `table`, `column`, failing_rows, examples
--   from dq_runs final where not success order by started_at desc
create table if not exists ${database}.dq_runs
(
    run_id         String                  comment 'one check run; every expectation of a run shares it',
    started_at     DateTime64(3, 'UTC')    comment 'when the run started',
    scope          LowCardinality(String)  comment 'the product the run was limited to, or all',
    product        LowCardinality(String)  comment 'product owning the suite, or runtime (staging outputs, inputs)',
    suite          LowCardinality(String)  comment 'output:<output name> or input:<event type>',
    expectation    LowCardinality(String)  comment 'Great Expectations type, e.g. expect_column_values_to_not_be_null',
    reason         String                  comment 'what failing it means, e.g. null_value:user_id or missing_field:ts',
    `table`        LowCardinality(String)  comment 'ClickHouse table the expectation ran on',
    `column`       String                  comment 'column(s) it checks; empty for the table itself',
    success        Bool                    comment 'whether it was met',
    evaluated_rows UInt64                  comment 'rows it was evaluated on (0 for the table schema)',
    failing_rows   Nullable(UInt64)        comment 'rows that did not meet it; null for the table schema',
    examples       Array(String)           comment 'a few failing rows: JSON objects of their key columns',
    detail         String                  comment 'what was observed, e.g. stored as Int32, or why it could not run'
)
engine = ReplacingMergeTree
partition by toYYYYMM(started_at)
order by (run_id, suite, `table`, reason, expectation);
