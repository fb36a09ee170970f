"""docker-compose.yml, the Flink image and flink-conf/ agree with shopstream settings (Docker is not needed).

Compose values are read as `docker compose` would with no variables exported on the host: every
``${VAR:-default}`` becomes its default, ``$$`` a literal ``$``.
"""
from __future__ import annotations

import importlib.metadata
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from shopstream.flink.cluster import home
from shopstream.flink.installation import CONNECTOR_JARS
from shopstream.settings import Settings, load_settings
from tests.paths import PROJECT_ROOT as REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "docker" / "flink.Dockerfile"
DOCKERIGNORE = REPO_ROOT / "docker" / "flink.Dockerfile.dockerignore"
ENTRYPOINT = REPO_ROOT / "docker" / "flink-entrypoint.sh"
CH_USERS = REPO_ROOT / "docker" / "clickhouse" / "users.d" / "shopstream.xml"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose variable interpolation: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``$$``."""
    env = env or {}
    parts = value.split("$$")
    return "$".join(_VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), p) for p in parts)


@pytest.fixture(scope="module")
def host_settings() -> Settings:
    """The settings of a developer's host: the config file, no environment overrides."""
    return load_settings(env={})


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: interpolate(str(v)) for k, v in env.items()}


def settings_env(service: dict) -> dict[str, str]:
    return {k: v for k, v in env_of(service).items() if k.startswith("SHOPSTREAM_")}


def published(service: dict) -> dict[int, int]:
    """container port -> host port of a service's published ports."""
    out = {}
    for spec in service.get("ports", []):
        if isinstance(spec, dict):
            out[int(spec["target"])] = int(spec["published"])
        else:
            *_, host, target = interpolate(str(spec)).split(":")
            out[int(target.split("/")[0])] = int(host)
    return out


def test_the_stack_has_every_service(services):
    assert {"kafka", "jobmanager", "taskmanager", "clickhouse", "redis", "migrate"} <= set(services)


def test_published_ports_equal_the_local_stack_ports(services, host_settings):
    s = host_settings
    assert s.kafka.port in published(services["kafka"]).values()
    assert list(published(services["redis"]).values()) == [s.redis.port]
    assert list(published(services["clickhouse"]).values()) == [s.clickhouse.port]
    assert list(published(services["jobmanager"]).values()) == [s.flink.rest_port]


@pytest.mark.parametrize("name", ["jobmanager", "taskmanager", "migrate", "topics", "redis"])
def test_settings_variables_are_real_settings_and_point_at_the_services(services, name):
    env = settings_env(services[name])
    assert env, f"{name} passes no SHOPSTREAM_* settings"
    s = load_settings(env=env)  # raises SettingsError on a variable that names no settings field
    assert s.kafka.bootstrap_servers == "kafka:9092"
    assert s.clickhouse.host == "clickhouse"
    assert s.redis.host == "redis"
    assert s.flink.rest_address == "jobmanager"


def test_container_side_ports_match_what_the_containers_are_told(services):
    inside = load_settings(env=settings_env(services["jobmanager"]))
    assert inside.redis.port in published(services["redis"])
    assert inside.clickhouse.port in published(services["clickhouse"])
    assert inside.flink.rest_port in published(services["jobmanager"])
    kafka = env_of(services["kafka"])
    listeners = dict(item.split("://") for item in kafka["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert inside.kafka.bootstrap_servers in listeners.values()


def test_kafka_advertises_the_host_listener_of_the_settings(services, host_settings):
    kafka = env_of(services["kafka"])
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    addresses = [a.split("://")[1] for a in advertised]
    assert host_settings.kafka.bootstrap_servers in addresses, f"no advertised listener for the host: {advertised}"
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert int(kafka["KAFKA_NUM_PARTITIONS"]) == host_settings.kafka.partitions


def test_every_variable_default_equals_the_config_value(host_settings):
    """``${SHOPSTREAM_REDIS__PASSWORD:-x}``: x must be what config/shopstream.toml says."""
    found = _VAR.findall(COMPOSE.read_text())
    assert found
    for name, default in found:
        assert name.startswith("SHOPSTREAM_"), f"{name}: compose variables are settings variables"
        section, field = name[len("SHOPSTREAM_"):].lower().split("__")
        value = getattr(getattr(host_settings, section), field)
        shown = value.reveal() if hasattr(value, "reveal") else str(value)
        assert default == shown, f"{name} defaults to {default!r} in compose, config says otherwise"


def test_passwords_inside_the_stack_equal_the_config(services, host_settings):
    inside = load_settings(env=settings_env(services["jobmanager"]))
    for section, field in [("redis", "password"), ("redis", "serving_password"),
                           ("clickhouse", "password"), ("clickhouse", "analyst_password")]:
        assert getattr(getattr(inside, section), field).reveal() == \
            getattr(getattr(host_settings, section), field).reveal(), f"{section}.{field}"


def test_commands_only_use_variables_their_service_defines(services):
    for name, service in services.items():
        texts = [str(service.get("command", "")), str((service.get("healthcheck") or {}).get("test", ""))]
        used = set(re.findall(r"\$\$\{?([A-Za-z_][A-Za-z0-9_]*)", " ".join(texts)))
        missing = used - set(env_of(service))
        assert not missing, f"{name} uses {missing} but does not define them"


def test_redis_has_a_password_and_a_read_only_serving_user(services, host_settings):
    command = " ".join(services["redis"]["command"])
    assert '--user default on ">$$SHOPSTREAM_REDIS__PASSWORD"' in command
    serving = command.split('--user "$$SHOPSTREAM_REDIS__SERVING_USER"', 1)[1]
    assert "-@all +@read" in serving and "+@write" not in serving and "+@all" not in serving
    assert env_of(services["redis"])["SHOPSTREAM_REDIS__SERVING_USER"] == host_settings.redis.serving_user


def test_clickhouse_users_are_the_settings_users(services, host_settings):
    c = host_settings.clickhouse
    root = ET.parse(CH_USERS).getroot()
    users = root.find("users")
    writer, analyst = users.find(c.user), users.find(c.analyst_user)
    assert writer is not None and analyst is not None
    ch_env = env_of(services["clickhouse"])
    for user, secret in ((writer, c.password), (analyst, c.analyst_password)):
        var = user.find("password").get("from_env")
        assert ch_env[var] == secret.reveal(), f"password of {user.tag} ({var})"
    profile = root.find("profiles").find(analyst.find("profile").text)
    assert profile.find("readonly").text == "1"
    assert [q.text for q in analyst.find("grants")] == [f"GRANT SELECT ON {c.database}.*"]
    assert [q.text for q in writer.find("grants")] == [f"GRANT ALL ON {c.database}.*"]
    mounts = services["clickhouse"]["volumes"]
    assert any(m.startswith("./docker/clickhouse/users.d/shopstream.xml:/etc/clickhouse-server/users.d/")
               for m in mounts)


def test_migrate_runs_once_before_flink(services):
    migrate = services["migrate"]
    assert migrate["command"][-1] == "migrate" and migrate["restart"] == "no"
    assert migrate["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    for name in ("jobmanager", "taskmanager"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_flink_services_are_built_from_the_dockerfile_and_mount_flink_conf(services):
    for name in ("jobmanager", "taskmanager"):
        svc = services[name]
        assert (REPO_ROOT / svc["build"]["context"] / svc["build"]["dockerfile"]).resolve() == DOCKERFILE
        assert "./flink-conf:/opt/shopstream/flink-conf:ro" in svc["volumes"]
        env = env_of(svc)
        props = dict(line.split(": ", 1) for line in env["FLINK_PROPERTIES"].splitlines() if line)
        assert props, "FLINK_PROPERTIES overrides the rendered config inside docker"
        # The image's entrypoint sets jobmanager.rpc.address to this, or to the container's own hostname.
        jm_address = props.get("jobmanager.rpc.address", env.get("JOB_MANAGER_RPC_ADDRESS"))
        assert jm_address == services["jobmanager"]["hostname"]
        assert jm_address == load_settings(env=settings_env(svc)).flink.rest_address
    assert services["jobmanager"]["command"] == ["jobmanager"]
    assert services["taskmanager"]["command"] == ["taskmanager"]


def test_dockerfile_copies_the_jars_that_settings_expect(host_settings):
    text = DOCKERFILE.read_text()
    jars_dir = host_settings.stack.jars_dir
    copy = next(line for line in text.splitlines() if line.startswith("COPY") and ".jar" in line)
    sources, dest = copy.split()[1:-1], copy.split()[-1]
    assert sorted(Path(s) for s in sources) == sorted(jars_dir / name for name in CONNECTOR_JARS)
    assert dest == "/opt/flink/lib/"
    ignore = DOCKERIGNORE.read_text().splitlines()
    for name in CONNECTOR_JARS:
        assert f"!{(jars_dir / name).as_posix()}" in ignore, f"{name} is not in the build context"
    assert "flink-python-" in text and "/opt/flink/lib/" in text


def test_dockerfile_flink_version_is_the_installed_pyflink_version():
    version = re.search(r"^ARG FLINK_VERSION=(\S+)$", DOCKERFILE.read_text(), re.MULTILINE).group(1)
    assert version == importlib.metadata.version("apache-flink")
    assert re.search(r"^FROM flink:\$\{FLINK_VERSION\}-scala_2\.12-java17$", DOCKERFILE.read_text(), re.MULTILINE)


def test_image_renders_the_flink_conf_before_flink_starts():
    text = ENTRYPOINT.read_text()
    render = text.index("shopstream.flink.cluster render-conf --output \"${FLINK_HOME}/conf/config.yaml\"")
    assert render < text.index("exec /docker-entrypoint.sh \"$@\"")
    assert 'ENTRYPOINT ["/shopstream-entrypoint.sh"]' in DOCKERFILE.read_text()


def test_flink_conf_template_parses_and_its_placeholders_come_from_settings(host_settings):
    template = yaml.safe_load(home.CONF_TEMPLATE.read_text())
    assert template["rest.port"] == "${rest_port}"
    assert template["taskmanager.numberOfTaskSlots"] == 2
    assert template["state.backend.type"] == "hashmap"
    assert template["execution.checkpointing.externalized-checkpoint-retention"] == "RETAIN_ON_CANCELLATION"
    placeholders = set(re.findall(r"\$\{(\w+)\}", home.CONF_TEMPLATE.read_text()))
    assert placeholders == set(home.config_params(host_settings))


def test_rendered_flink_conf_carries_the_settings(host_settings):
    s = host_settings
    conf = yaml.safe_load(home.render_config(s))
    assert conf["rest.port"] == s.flink.rest_port
    assert conf["rest.address"] == s.flink.rest_address
    assert conf["jobmanager.rpc.port"] == s.flink.rest_port + 1
    assert conf["parallelism.default"] == s.flink.parallelism
    assert conf["python.execution-mode"] == s.flink.python_execution_mode
    assert conf["execution.checkpointing.dir"] == s.path(s.flink.checkpoint_dir).resolve().as_uri()
    assert conf["execution.checkpointing.interval"] == f"{s.flink.checkpoint_interval_ms} ms"


def test_rendered_flink_conf_inside_docker_listens_on_the_published_port(services):
    inside = load_settings(env=settings_env(services["jobmanager"]))
    conf = yaml.safe_load(home.render_config(inside))
    assert conf["rest.port"] in published(services["jobmanager"])
    assert conf["execution.checkpointing.dir"] == "file:///var/lib/shopstream/checkpoints"
    for name in ("jobmanager", "taskmanager"):  # checkpoints on one volume that both processes see
        assert "flink-state:/var/lib/shopstream" in services[name]["volumes"]


def test_interpolation_reads_like_compose():
    assert interpolate("${A:-x}") == "x"
    assert interpolate("${A:-x}", {"A": "y"}) == "y"
    assert interpolate("$${A}") == "${A}"
