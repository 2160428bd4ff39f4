"""The production process model: Procfile, gunicorn config, Dockerfile, compose and Kubernetes.

No container engine runs here, so the files are parsed and held to the Procfile (one source of
truth for the three commands), to the project's real URLs and to the variables production
requires; gunicorn itself is started with the config and answers /health.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml
from django.urls import resolve

from datachat import observability

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ("web", "worker", "beat")


def procfile() -> dict[str, list[str]]:
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = shlex.split(command)
    return commands


def dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, backslash continuations joined."""
    instructions, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def manifests() -> list[dict]:
    documents = []
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in manifests() if doc["kind"] == kind}


def production_required() -> set[str]:
    """The keys of `REQUIRED` in production.py, read without importing it (it needs the secrets)."""
    tree = ast.parse((ROOT / "datachat" / "settings" / "production.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "REQUIRED":
            return {key.value for key in node.value.keys}  # type: ignore[union-attr]
    raise AssertionError("production.py has no REQUIRED")


def test_procfile_names_the_three_processes_with_the_gunicorn_config():
    commands = procfile()
    assert set(commands) == set(PROCESSES)
    assert commands["web"][0] == "gunicorn"
    assert "datachat/gunicorn.conf.py" in commands["web"]
    assert commands["web"][-1] == "datachat.wsgi:application"
    assert commands["worker"][:4] == ["celery", "--app", "datachat", "worker"]
    assert commands["beat"][:4] == ["celery", "--app", "datachat", "beat"]


def test_gunicorn_config_reads_its_knobs_from_the_environment(monkeypatch):
    import runpy

    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9999")
    config = runpy.run_path(str(ROOT / "datachat" / "gunicorn.conf.py"))
    assert config["workers"] == 7 and config["bind"] == "127.0.0.1:9999"
    assert config["timeout"] > config["graceful_timeout"] > 0
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert "%(s)s" in config["access_log_format"] and "%(M)s" in config["access_log_format"]
    # Every name the file sets is one gunicorn knows (a typo would be silently ignored).
    from gunicorn.config import Config

    known = Config().settings
    for name in config:
        if not name.startswith("_") and name not in ("os",):
            assert name in known, name


def test_dockerfile_builds_a_slim_non_root_image_running_the_procfile_web():
    instructions = dockerfile(ROOT / "Dockerfile")
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "pip install -r requirements.txt" in runs
    assert "python -m datachat.assets" in runs
    assert "manage.py collectstatic --noinput" in runs
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    # The final CMD is an exec-form JSON array equal to the Procfile's web command.
    cmd = [args for keyword, args in instructions if keyword == "CMD"][-1]
    assert json.loads(cmd) == procfile()["web"]
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=datachat.settings.production" in env


def test_compose_runs_the_procfile_commands_against_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in PROCESSES:
        assert services[name]["command"] == procfile()[name], name
        env = services[name]["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert production_required() <= set(env), name
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert "--appendonly" in services["redis"]["command"]


def test_kubernetes_deployments_run_the_procfile_commands_with_limits():
    deployments = of_kind("Deployment")
    assert set(deployments) == {f"datachat-{name}" for name in PROCESSES}
    for name in PROCESSES:
        spec = deployments[f"datachat-{name}"]["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert container["command"] == procfile()[name], name
        assert spec["securityContext"]["runAsNonRoot"] is True
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)
        sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert sources == {"datachat-config", "datachat-secrets"}
    beat = deployments["datachat-beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"


def test_kubernetes_migrates_once_per_release_in_a_job():
    (job,) = of_kind("Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    assert compose["services"]["migrate"]["command"] == container["command"]
    for deployment in of_kind("Deployment").values():
        assert "initContainers" not in deployment["spec"]["template"]["spec"]


def test_kubernetes_probes_hit_real_urls_with_an_allowed_host():
    web = of_kind("Deployment")["datachat-web"]["spec"]["template"]["spec"]["containers"][0]
    secret = of_kind("Secret")["datachat-secrets"]["stringData"]
    allowed = secret["DJANGO_ALLOWED_HOSTS"].split(",")
    views = {"readinessProbe": observability.ready, "livenessProbe": observability.health}
    for probe, view in views.items():
        get = web[probe]["httpGet"]
        assert resolve(get["path"]).func is view, probe
        assert get["port"] in ("http", 8000)
        hosts = [h["value"] for h in get.get("httpHeaders", []) if h["name"] == "Host"]
        assert hosts and hosts[0] in allowed, f"{probe}: Django would answer 400 to the pod IP"
    assert {"name": "http", "containerPort": 8000} in web["ports"]


def test_kubernetes_service_and_autoscaler_target_the_web_deployment():
    service = of_kind("Service")["datachat-web"]
    web = of_kind("Deployment")["datachat-web"]
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    hpa = of_kind("HorizontalPodAutoscaler")["datachat-web"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "datachat-web",
    }
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    # Autoscaling on CPU needs requests to measure against.
    assert web["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]


def test_kubernetes_secret_names_every_variable_production_requires():
    secret = of_kind("Secret")["datachat-secrets"]["stringData"]
    assert production_required() <= set(secret)
    assert {"DATABASE_URL", "REDIS_URL"} <= set(secret)
    config = of_kind("ConfigMap")["datachat-config"]["data"]
    assert config["DJANGO_SETTINGS_MODULE"] == "datachat.settings.production"
    assert not production_required() & set(config), "secrets belong in the Secret"


def test_makefile_serves_the_demo_and_the_process_model_with_gunicorn_and_honcho():
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run:.*?(?=^\S)", makefile, re.S | re.M).group(0)
    assert "runserver" not in makefile
    assert "gunicorn --config datachat/gunicorn.conf.py datachat.wsgi:application" in run
    assert "migrate --noinput" in run and "seed_demo" in run
    assert "DJANGO_SETTINGS_MODULE=datachat.settings.local" in makefile
    up = re.search(r"^up:.*?(?=^\S)", makefile, re.S | re.M).group(0)
    assert "honcho start --procfile Procfile" in up
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert "gunicorn==27.0.1" in pins
    assert "honcho==2.0.0" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_health_with_the_production_settings_and_config(tmp_path):
    """The Procfile's web command, as production runs it, on a free loopback port."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="datachat.settings.production",
        DJANGO_SECRET_KEY="a-test-secret-key-that-is-long-enough-for-the-deploy-check-x",
        DATACHAT_FIELD_KEY="test-field-key",
        DATACHAT_AUDIT_KEY="k1:a-test-audit-key-of-sixteen-plus",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATACHAT_DATA_DIR=os.environ["DATACHAT_DATA_DIR"],
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    command = procfile()["web"]
    command[0] = str(Path(sys.executable).with_name("gunicorn"))
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
                    status, body = resp.status, json.loads(resp.read())
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200, log.read_text()[-3000:]
        assert body == {"status": "ok"}  # no details for an anonymous caller
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    text = log.read_text()
    assert "Starting gunicorn" in text and "Shutting down" in text
    assert re.search(r'"GET /health HTTP/1\.1" 200 \d+ \d+ms', text), text[-2000:]
