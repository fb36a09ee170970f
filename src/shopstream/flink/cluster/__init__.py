"""A local standalone Flink cluster built from the pip-installed PyFlink, and job submission to it.

``apache-flink`` from PyPI ships a whole Flink distribution inside the ``pyflink`` package (``bin/``,
``lib/``, ``opt/``, ``plugins/``, ``conf/``); running it as a standalone cluster takes a FLINK_HOME of our
own and daemons started without ``start-cluster.sh``. By concern:

* ``home``: the FLINK_HOME under ``<state_dir>/flink-home``, its rendered ``conf/config.yaml`` and the
  environment of Flink's ``bin/`` scripts;
* ``rest``: the JobManager's REST API (cluster status, jobs, cancel);
* ``daemons``: starting and stopping the JobManager and TaskManager;
* ``submit``: ``bin/flink run`` of a PyFlink job file;
* ``cli``: ``python -m shopstream.flink.cluster start|stop|status|jobs|submit|cancel|render-conf``.

The pieces a local job needs too (pyflink's folder, the connector jars, the workers' Python path) are in
``shopstream.flink.installation``. This package's names are the public API of its modules.
"""
from shopstream.flink.cluster.cli import main
from shopstream.flink.cluster.daemons import JOBMANAGER, TASKMANAGER, start_cluster, stop_cluster
from shopstream.flink.cluster.errors import ClusterError
from shopstream.flink.cluster.home import (
    CONF_TEMPLATE,
    IDENT,
    config_params,
    flink_env,
    flink_home,
    jobmanager_rpc_port,
    log_dir,
    pid_dir,
    prepare_flink_home,
    render_config,
    state_dir,
    write_config,
)
from shopstream.flink.cluster.rest import (
    TERMINAL_STATES,
    ClusterStatus,
    JobInfo,
    cancel_job,
    cluster_status,
    job_exceptions,
    job_state,
    list_jobs,
    rest_url,
    wait_for_job,
)
from shopstream.flink.cluster.submit import flink_run_command, submit_python_job

__all__ = [
    "CONF_TEMPLATE", "IDENT", "JOBMANAGER", "TASKMANAGER", "TERMINAL_STATES", "ClusterError", "ClusterStatus",
    "JobInfo", "cancel_job", "cluster_status", "config_params", "flink_env", "flink_home", "flink_run_command",
    "jobmanager_rpc_port", "job_exceptions", "job_state", "list_jobs", "log_dir", "main", "pid_dir",
    "prepare_flink_home", "render_config", "rest_url", "start_cluster",
    "state_dir", "stop_cluster", "submit_python_job", "wait_for_job", "write_config",
]
