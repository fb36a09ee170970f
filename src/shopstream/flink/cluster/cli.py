"""The command line of the local cluster: ``python -m shopstream.flink.cluster start|stop|status|...``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from shopstream.flink.cluster.daemons import start_cluster, stop_cluster
from shopstream.flink.cluster.errors import ClusterError
from shopstream.flink.cluster.home import write_config
from shopstream.flink.cluster.rest import cancel_job, cluster_status, list_jobs, rest_url
from shopstream.flink.cluster.submit import submit_python_job
from shopstream.settings import load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shopstream.flink.cluster",
                                     description="The local standalone Flink cluster of shopstream.")
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render-conf", help="write flink-conf/config.yaml rendered from settings")
    render.add_argument("--output", type=Path, required=True)
    render.add_argument("--python", default=os.environ.get("SHOPSTREAM_FLINK_PYTHON"),
                        help="python.executable of the workers (env SHOPSTREAM_FLINK_PYTHON; default: this one)")
    sub.add_parser("start")
    sub.add_parser("stop")
    sub.add_parser("status")
    sub.add_parser("jobs")
    submit = sub.add_parser("submit")
    submit.add_argument("job_file", type=Path)
    submit.add_argument("job_args", nargs=argparse.REMAINDER)
    cancel = sub.add_parser("cancel")
    cancel.add_argument("job_id")
    ns = parser.parse_args(argv)
    settings = load_settings()
    try:
        if ns.command == "render-conf":
            write_config(settings, ns.output, python_executable=ns.python)
        elif ns.command == "start":
            print(f"flink: {start_cluster(settings)} at {rest_url(settings)}")
        elif ns.command == "stop":
            print(f"flink: {stop_cluster(settings)}")
        elif ns.command == "status":  # exit status 1 when down: usable as a container health check
            status = cluster_status(settings)
            print(status)
            return 0 if status.running else 1
        elif ns.command == "jobs":
            for job in list_jobs(settings):
                print(f"{job.job_id}  {job.state:<10} {job.name}")
        elif ns.command == "submit":
            print(submit_python_job(settings, ns.job_file, ns.job_args))
        elif ns.command == "cancel":
            cancel_job(settings, ns.job_id)
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
