"""docs/deploy.md names every environment variable the product reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "deploy.md").read_text()


def _names(pattern: str, *paths: Path) -> set[str]:
    found: set[str] = set()
    for path in paths:
        found |= set(re.findall(pattern, path.read_text(), re.MULTILINE))
    return found


def test_every_settings_variable_is_documented():
    settings = sorted((ROOT / "datachat" / "settings").glob("*.py"))
    names = _names(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', *settings)
    assert {"DJANGO_ALLOWED_HOSTS", "DATACHAT_API_CHAT_RATE", "DATABASE_URL"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in DOC)
    assert not missing, f"add to docs/deploy.md: {missing}"


def test_gunicorn_and_provider_variables_are_documented():
    names = _names(
        r'environ\.get\(\s*"([A-Z][A-Z0-9_]*)"',
        ROOT / "datachat" / "gunicorn.conf.py",
        *sorted((ROOT / "apps" / "governance" / "engine" / "dialects").glob("*.py")),
    )
    # The LLM endpoint's variables, as the settings module lists them (LLM_VARIABLES).
    names |= _names(
        r'^    "((?:DATACHAT_LLM|OPENAI_)[A-Z0-9_]*)",$', ROOT / "datachat" / "settings" / "base.py"
    )
    names |= _names(r'_int\(\s*"([A-Z][A-Z0-9_]*)"', ROOT / "datachat" / "gunicorn.conf.py")
    names |= _names(r'get\(\s*"(DATACHAT_[A-Z0-9_]+)"', ROOT / "datachat" / "providers" / "llm.py")
    assert {"GUNICORN_WORKERS", "DATACHAT_LLM_TIMEOUT"} <= names
    missing = sorted(name for name in names if name not in DOC)
    assert not missing, f"add to docs/deploy.md: {missing}"


def test_the_required_variables_are_said_to_be_required():
    section = DOC.split("## Required: production refuses to start without them", 1)[1]
    section = section.split("\n## ", 1)[0]
    for name in (
        "DJANGO_SECRET_KEY",
        "DATACHAT_FIELD_KEY",
        "DATACHAT_AUDIT_KEY",
        "DJANGO_ALLOWED_HOSTS",
    ):
        assert f"`{name}`" in section, name
