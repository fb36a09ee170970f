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
``shopstream.flink.installation``.
"""
