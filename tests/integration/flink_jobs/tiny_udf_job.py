"""A tiny bounded PyFlink job for cluster tests: datagen rows -> a Python scalar UDF -> blackhole.

Argument: the number of rows. The UDF imports ``shopstream`` so the job fails unless the Python
workers of the cluster run an interpreter where the project is installed.
"""
import sys

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.STRING())
def tagged(n: int) -> str:
    import shopstream.settings  # proves the worker interpreter has the project installed

    return f"{shopstream.settings.ENV_PREFIX}{n * 2}"


def main(rows: int) -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("pipeline.name", "shopstream-cluster-smoke")
    t_env.execute_sql(f"""
        create table numbers (n bigint) with (
            'connector' = 'datagen', 'number-of-rows' = '{rows}',
            'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '{rows}')""")
    t_env.execute_sql("create table sink (n bigint, tag string) with ('connector' = 'blackhole')")
    t_env.create_temporary_function("tagged", tagged)
    t_env.execute_sql("insert into sink select n, tagged(n) from numbers")


if __name__ == "__main__":
    main(int(sys.argv[1]))
