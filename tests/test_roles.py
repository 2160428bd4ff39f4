"""A new role is its enum value and its default policy, nothing else.

Every role has a default policy (and a demo policy); every capability is one field of
`DataPolicy` and one boolean of `AccessPolicy`; and no module outside the allowed ones names a
role: they read capabilities through `governance.selectors.capabilities_for`.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from apps.governance.engine.policy import CAPABILITIES, DataPolicy
from apps.governance.models import AccessPolicy, Role
from apps.governance.services import ADMIN_GRANTS, DEFAULT_POLICIES, full_access_role
from apps.knowledge.management.commands.seed_demo import DEMO_POLICIES

ROOT = Path(__file__).resolve().parents[1]
# The enum, the demo's and the foreign evaluation's seed: the only modules that may name a role;
# and in governance/services.py, the default policies alone (nothing beside them there: the
# admin's groups follow the capabilities, `ADMIN_GRANTS`).
ALLOWED = {
    "apps/governance/models.py",
    "apps/knowledge/management/commands/seed_demo.py",
    "apps/chat/evaluation_foreign.py",
}
ALLOWED_ASSIGNMENTS = {"apps/governance/services.py": {"DEFAULT_POLICIES"}}
ROLE_ATTRIBUTES = set(Role.names)
ROLE_VALUES = set(Role.values)


def _field(capability: str) -> str:
    return "can_query_data" if capability == "can_query" else capability


def test_every_role_has_a_default_and_a_demo_policy() -> None:
    assert set(DEFAULT_POLICIES) == ROLE_VALUES
    assert set(DEMO_POLICIES) == ROLE_VALUES
    assert set(ADMIN_GRANTS) <= set(CAPABILITIES)
    fields = {f.name for f in AccessPolicy._meta.get_fields()}
    for spec in [*DEFAULT_POLICIES.values(), *DEMO_POLICIES.values()]:
        assert set(spec) <= fields, set(spec) - fields


def test_every_capability_is_a_policy_field_and_a_column() -> None:
    policy_fields = {f.name for f in dataclasses.fields(DataPolicy)}
    columns = {f.name for f in AccessPolicy._meta.get_fields()}
    for capability in CAPABILITIES:
        assert capability in policy_fields
        assert _field(capability) in columns
    # ... and every `can_*` column is a capability: none is read some other way.
    assert {c for c in columns if c.startswith("can_")} == {_field(c) for c in CAPABILITIES}


def test_each_capability_is_held_by_some_default_role_and_missing_from_another() -> None:
    for capability in CAPABILITIES:
        default = capability == "can_query"  # the column's default is True
        held = {r for r, spec in DEFAULT_POLICIES.items() if spec.get(_field(capability), default)}
        assert held and held != ROLE_VALUES, capability
    assert full_access_role() in ROLE_VALUES


def test_an_unknown_capability_is_an_error_not_a_silent_no() -> None:
    policy = DataPolicy(
        role="x", can_query=True, allowed_tables=frozenset(), masked_columns=frozenset()
    )
    assert policy.can("can_query")
    try:
        policy.can("can_view_audti")
    except ValueError as exc:
        assert "can_view_audti" in str(exc)
    else:
        raise AssertionError("a misspelt capability must raise")


def _role_mentions(tree: ast.AST, allowed: set[str] = frozenset()) -> list[str]:
    """Where `tree` names a role, outside the module-level assignments to `allowed` names."""
    skipped = set()
    for statement in getattr(tree, "body", ()):
        targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
        if any(isinstance(t, ast.Name) and t.id in allowed for t in targets):
            skipped.update(id(inner) for inner in ast.walk(statement))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Role"
            and node.attr in ROLE_ATTRIBUTES
        ):
            found.append(f"{node.lineno}: Role.{node.attr}")
        elif isinstance(node, ast.Constant) and node.value in ROLE_VALUES:
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_the_role_scanner_finds_what_it_looks_for() -> None:
    sample = "if m.role == Role.ADMIN or m.role in ('STEWARD',): pass\nx = 'ANALYSTS'"
    assert _role_mentions(ast.parse(sample)) == ["1: Role.ADMIN", "1: 'STEWARD'"]
    policies = "DEFAULT_POLICIES: dict = {Role.ADMIN: {}}\nGROUPS = {Role.STEWARD: ()}"
    assert _role_mentions(ast.parse(policies), {"DEFAULT_POLICIES"}) == ["2: Role.STEWARD"]


def test_no_module_outside_the_default_policies_names_a_role() -> None:
    offenders = {}
    for base in ("apps", "datachat"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED or "/tests/" in rel or "/migrations/" in rel:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            mentions = _role_mentions(tree, ALLOWED_ASSIGNMENTS.get(rel, set()))
            if mentions:
                offenders[rel] = mentions
    assert not offenders, f"read a capability instead of the role: {offenders}"


def test_no_template_names_a_role_or_a_retired_capability() -> None:
    names = "|".join(sorted(ROLE_VALUES))
    role = re.compile(rf"""["']({names})["']""")
    caps = re.compile(r"\bcaps\.(\w+)")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not role.search(text), path
        for name in caps.findall(text):
            assert name in CAPABILITIES, f"{path}: caps.{name} is not a capability"
