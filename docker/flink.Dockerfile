# syntax=docker/dockerfile:1
# Flink JobManager/TaskManager image of shopstream: the Flink distribution of the official image, Python 3.11
# with the project installed, the Kafka connector jars and flink-python in lib/.
# Build context: the repository root (see docker/flink.Dockerfile.dockerignore). Used by docker-compose.yml.
ARG FLINK_VERSION=2.3.0
FROM flink:${FLINK_VERSION}-scala_2.12-java17

# The image is Ubuntu 22.04, whose python3 is 3.10; shopstream and its pinned apache-flink need 3.11.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends software-properties-common gpg-agent; \
    add-apt-repository -y ppa:deadsnakes/ppa; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev; \
    apt-get purge -y --auto-remove software-properties-common gpg-agent; \
    rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/opt/flink/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SHOPSTREAM_CONFIG=/opt/shopstream/config/shopstream.toml \
    PYTHONDONTWRITEBYTECODE=1
RUN python3.11 -m venv /opt/venv && pip install --no-cache-dir --upgrade pip

# A plain install: the data folders (sql/, schemas/, config/, flink-conf/) and products/, jobs/, udfs/,
# models/ install with the package (setup.py, shopstream.resources), so nothing reads the source tree.
COPY . /opt/shopstream
RUN pip install --no-cache-dir /opt/shopstream

# Jobs run on this cluster find the Kafka connector on the classpath, and Python UDFs need flink-python.
COPY .local/jars/flink-connector-kafka.jar .local/jars/kafka-clients.jar /opt/flink/lib/
# shopstream's Java operators (java/), compiled on the host by scripts/bootstrap.sh (settings stack.operators_jar)
COPY .local/build/shopstream-operators.jar /opt/flink/lib/
RUN cp /opt/flink/opt/flink-python-*.jar /opt/flink/lib/ \
    && install -d -o flink -g flink /var/lib/shopstream \
    && install -m 0755 /opt/shopstream/docker/flink-entrypoint.sh /shopstream-entrypoint.sh

# Renders flink-conf/config.yaml from SHOPSTREAM_* settings, then hands over to the image's entrypoint
# (which applies FLINK_PROPERTIES and starts `jobmanager` or `taskmanager` as user flink).
ENTRYPOINT ["/shopstream-entrypoint.sh"]
CMD ["help"]
