"""Production settings, as a server would load them: secrets required, debug impossible, HTTPS.

Each test starts a real process (`manage.py`, `python -c "import datachat.wsgi"`, the Celery app)
with the environment a deployment would have, minus what the test takes away.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest

from tests.support.services import ROOT, manage_runner

REQUIRED = ("DJANGO_SECRET_KEY", "DATACHAT_FIELD_KEY", "DATACHAT_AUDIT_KEY", "DJANGO_ALLOWED_HOSTS")
SETTINGS_PRINT = (
    "from django.conf import settings; "
    "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
    "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_PROXY_SSL_HEADER, "
    "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.ALLOWED_HOSTS, "
    "settings.CSRF_TRUSTED_ORIGINS)"
)


def production_env(tmp_path, **overrides: str) -> dict[str, str]:  # noqa: ANN001
    env = {
        "DJANGO_SETTINGS_MODULE": "datachat.settings.production",
        "DATACHAT_DATA_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATACHAT_FIELD_KEY": secrets.token_urlsafe(32),
        "DATACHAT_AUDIT_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "datachat.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://datachat.example.com",
        "DJANGO_DEBUG": "",
    }
    env.update(overrides)
    return env


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_each_required_variable(tmp_path, missing):
    # Given a production environment with one required variable absent (empty counts as absent)
    run = manage_runner(**production_env(tmp_path, **{missing: ""}))
    # When any management command starts
    result = run("check", check=False)
    # Then it stops, naming the variable and pointing at the deployment docs
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"without {missing} (" in result.stderr and "docs/deploy.md" in result.stderr
    for other in set(REQUIRED) - {missing}:
        assert f"{other} (" not in result.stderr


def test_django_debug_cannot_turn_debug_on_in_production(tmp_path):
    run = manage_runner(**production_env(tmp_path, DJANGO_DEBUG="1"))
    out = run("shell", "--no-imports", "-c", SETTINGS_PRINT).stdout.strip().splitlines()[-1]
    assert out.startswith("False ")


def test_production_https_settings_come_from_the_environment(tmp_path):
    run = manage_runner(**production_env(tmp_path))
    out = run("shell", "--no-imports", "-c", SETTINGS_PRINT).stdout.strip().splitlines()[-1]
    assert out == (
        "False True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') True True "
        "['datachat.example.com'] ['https://datachat.example.com']"
    )
    # Without a proxy in front, Django must not believe a client's X-Forwarded-Proto
    direct = manage_runner(
        **production_env(tmp_path, DJANGO_BEHIND_PROXY="0", DJANGO_HSTS_SECONDS="600")
    )
    out = direct("shell", "--no-imports", "-c", SETTINGS_PRINT).stdout.strip().splitlines()[-1]
    assert out.startswith("False True 600 True None ")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # Given production settings and the required environment
    run = manage_runner(**production_env(tmp_path))
    # When Django's deployment checklist runs, failing on any warning
    result = run("check", "--deploy", "--fail-level", "WARNING", check=False)
    # Then it finds nothing (HSTS preload is the one documented, opt-in exception)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_would_catch_a_weakened_setting(tmp_path):
    # A control for the test above: the checklist does run and fail on a real problem
    run = manage_runner(**production_env(tmp_path, DJANGO_SECURE_COOKIES="0"))
    result = run("check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "code",
    [
        "import datachat.wsgi",
        "from datachat.celery import app; print(app.conf.broker_url)",
    ],
    ids=["wsgi", "celery"],
)
def test_wsgi_and_celery_without_a_settings_module_load_production_and_fail_loudly(tmp_path, code):
    # Given a server or worker started with no DJANGO_SETTINGS_MODULE and no secrets
    env = manage_runner(DATACHAT_DATA_DIR=str(tmp_path)).env  # type: ignore[attr-defined]
    for name in REQUIRED:
        env.pop(name, None)
    # When it loads the project
    result = _python(code, env)
    # Then it did not fall back to the local settings: production refuses to start
    assert result.returncode != 0
    assert "Production settings refuse to start without DJANGO_SECRET_KEY" in result.stderr


def test_wsgi_with_production_environment_serves(tmp_path):
    # Given the required environment and no settings module named: production settings load
    env = {**manage_runner().env, **production_env(tmp_path)}  # type: ignore[attr-defined]
    del env["DJANGO_SETTINGS_MODULE"]
    code = (
        "import datachat.wsgi; from django.conf import settings; "
        "print(settings.SETTINGS_MODULE, settings.DEBUG)"
    )
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "datachat.settings.production False"


def test_manage_py_keeps_local_settings_for_developers(tmp_path):
    run = manage_runner(DATACHAT_DATA_DIR=str(tmp_path))
    code = "from django.conf import settings; print(settings.SETTINGS_MODULE)"
    out = run("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]
    assert out == "datachat.settings.local"
