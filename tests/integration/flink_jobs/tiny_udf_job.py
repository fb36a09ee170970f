"""A tiny PyFlink job for cluster tests: datagen rows -> a Python scalar UDF -> print sink.

Arguments: the number of rows (0: unbounded, 5 rows a second, for cancel tests) and the print
identifier. The UDF imports ``shopstream``, so the job fails unless the cluster's Python workers run an
interpreter where the project is installed; the print sink writes to the TaskManager's ``.out`` file.
"""
import sys

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.STRING())
def tagged(n: int) -> str:
    from shopstream.settings import ENV_PREFIX  # fails unless the worker interpreter has the project

    return f"{ENV_PREFIX}{n * 2}"


def main(rows: int, identifier: str) -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("pipeline.name", f"shopstream-cluster-smoke-{identifier}")
    bounds = (f"'number-of-rows' = '{rows}', 'fields.n.kind' = 'sequence', "
              f"'fields.n.start' = '1', 'fields.n.end' = '{rows}'" if rows
              else "'rows-per-second' = '5', 'fields.n.min' = '1', 'fields.n.max' = '1000'")
    t_env.execute_sql(f"create table numbers (n bigint) with ('connector' = 'datagen', {bounds})")
    t_env.execute_sql("create table tagged_numbers (n bigint, tag string) "
                      f"with ('connector' = 'print', 'print-identifier' = '{identifier}')")
    t_env.create_temporary_function("tagged", tagged)
    # No .wait(): the client returns once the job is accepted (with .wait() it stays until the job ends).
    t_env.execute_sql("insert into tagged_numbers select n, tagged(n) from numbers")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
