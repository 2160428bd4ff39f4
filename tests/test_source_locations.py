"""Data-source locations, tried the way the security review attacked them (issue 10, item 1).

The reproduction: acme's `admin` (staff, not a superuser) added a data source in the Django admin
pointing at globex's SQLite file, the app's own database or vector store, or the app's PostgreSQL
database, pressed "Refresh schema", and read `authtoken_token` through `/api/v1/query/`. Every
path is tried here as that attacker (the admin test client, the API with a token) and as platform
staff making the same mistake; the rules are knowledge/locations.py, docs/security.md.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import override_settings
from rest_framework.test import APIClient

from apps.governance.models import AuditEntry, Membership
from apps.knowledge.locations import LocationError, location_check
from apps.knowledge.models import CatalogTable, DataSource
from apps.knowledge.services import catalog_refresh, datasource_create, datasource_save
from tests.support.fixtures import api_key_for

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/knowledge/datasource/add/"


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_catalog_snapshots():  # noqa: ANN202
    """Rolled-back tests reuse primary keys; the process-wide snapshot cache must not."""
    from apps.knowledge import selectors

    selectors._snapshot_cache.clear()
    yield
    selectors._snapshot_cache.clear()


@pytest.fixture
def acme(member):  # noqa: ANN001, ANN201
    return member("acme", "admin").organization


@pytest.fixture
def org_admin(client, member):  # noqa: ANN001, ANN201
    """The attacker: acme's `admin`, staff but not a superuser, logged in to the admin."""
    user = member("acme", "admin").user
    assert user.is_staff and not user.is_superuser
    client.force_login(user)
    return client


@pytest.fixture
def platform(client, django_user_model):  # noqa: ANN001, ANN201
    """Platform staff: a superuser, logged in to the admin."""
    user = django_user_model.objects.create_superuser(
        f"platform_{uuid.uuid4().hex[:6]}", "platform@example.com", "x" * 12
    )
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def org_files():  # noqa: ANN201
    """Files and links made in orgs' folders for one test, removed afterwards."""
    made: list[Path] = []

    def make(org: str, name: str, *, copy_of: str | Path | None = None, link_to=None, text=None):  # noqa: ANN001, ANN202
        path = Path(settings.DATA_DIR) / "sources" / org / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if link_to is not None:
            path.symlink_to(link_to)
        elif copy_of is not None:
            shutil.copyfile(copy_of, path)
        else:
            path.write_text(text or "")
        made.append(path)
        return path

    yield make
    for path in made:
        path.unlink(missing_ok=True)


def token_client(user) -> APIClient:  # noqa: ANN001
    key = api_key_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def globex_file() -> Path:
    return Path(settings.DATA_DIR) / "sources" / "globex" / "globex.db"


def add_form(org, name: str, kind: str, location: str, **extra) -> dict:  # noqa: ANN001
    return {
        "organization": org.pk,
        "name": name,
        "display_name": name,
        "kind": kind,
        "location": location,
        "restricted": "on",
        **extra,
    }


def form_error_codes(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return [error.code for error in form.errors.as_data().get("location", [])]


def refused_attempts(org, code: str) -> int:  # noqa: ANN001
    return AuditEntry.objects.filter(
        organization=org, action="datasource_location", outcome="refused", code=code
    ).count()


# --- the org admin: no location at all ---------------------------------------------------------


def test_org_admin_cannot_add_a_source_pointing_at_another_orgs_file(org_admin, acme):
    assert org_admin.get(ADD_URL).status_code == 403
    for location in ("../globex/globex.db", str(globex_file()), "demo/globex.db"):
        response = org_admin.post(ADD_URL, add_form(acme, "leak_globex", "sqlite", location))
        assert response.status_code == 403
    assert not DataSource.all_tenants.filter(name="leak_globex").exists()
    listing = org_admin.get("/admin/knowledge/datasource/")
    assert listing.status_code == 200 and ADD_URL.encode() not in listing.content


def test_org_admin_renames_and_opens_but_cannot_post_a_location(org_admin, acme):
    source = DataSource.all_tenants.get(organization=acme, name="empresa")
    url = f"/admin/knowledge/datasource/{source.pk}/change/"
    page = org_admin.get(url)
    assert page.status_code == 200
    assert b'name="location"' not in page.content and b'name="kind"' not in page.content
    assert b"empresa.db" in page.content  # the current location is shown, read-only
    before = AuditEntry.objects.filter(organization=acme).count()
    response = org_admin.post(
        url,
        {
            "name": "empresa",
            "display_name": "Empresa (renombrada)",
            "is_default": "on",
            "restricted": "",
            # What the attacker adds by hand: ignored, the form has no such fields.
            "location": str(globex_file()),
            "kind": "postgres",
            "organization": source.organization_id,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    source.refresh_from_db()
    assert source.display_name == "Empresa (renombrada)"
    assert source.kind == "sqlite" and source.stored_location() == "empresa.db"
    entry = AuditEntry.objects.filter(organization=acme).order_by("-seq").first()
    assert AuditEntry.objects.filter(organization=acme).count() == before + 1
    assert entry.action == "datasource_update" and entry.username == "admin"
    assert entry.details["changed"] == ["display_name"] and entry.role == "ADMIN"


def test_services_refuse_a_location_from_anyone_but_platform_staff(member, acme):
    source = DataSource.all_tenants.get(organization=acme, name="empresa")
    with pytest.raises(LocationError) as refused:
        datasource_save(source=source, location="empresa.db", user=member("acme", "admin").user)
    assert refused.value.code == "location_superuser_only"
    source.kind = "postgres"
    with pytest.raises(LocationError):
        datasource_save(source=source, user=member("acme", "admin").user)


# --- the three leaks, refused whoever tries --------------------------------------------------


def test_another_orgs_file_is_refused(platform, acme):
    for location in ("../globex/globex.db", str(globex_file()), "./../globex/globex.db"):
        response = platform.post(ADD_URL, add_form(acme, "leak_globex", "sqlite", location))
        assert form_error_codes(response) == ["location_outside_org"], location
        assert b"location_outside_org" in response.content
    assert not DataSource.all_tenants.filter(name="leak_globex").exists()
    assert refused_attempts(acme, "location_outside_org") == 3
    with pytest.raises(LocationError) as refused:  # the service itself (commands, seed)
        datasource_create(org=acme, name="leak", kind="sqlite", location="../globex/globex.db")
    assert refused.value.code == "location_outside_org"


def test_the_app_database_and_the_vector_store_are_refused(platform, acme):
    data_dir = Path(settings.DATA_DIR)
    for location in (
        "../../datachat.sqlite3",
        str(data_dir / "datachat.sqlite3"),
        "../../chroma/chroma.sqlite3",
        str(data_dir / "chroma" / "chroma.sqlite3"),
        "../../demo/globex.db",  # the files' old home, outside every org's folder
    ):
        response = platform.post(ADD_URL, add_form(acme, "leak_appdb", "sqlite", location))
        assert form_error_codes(response) == ["location_is_platform"], location
    assert not DataSource.all_tenants.filter(name="leak_appdb").exists()
    assert refused_attempts(acme, "location_is_platform") == 5


def test_the_app_database_file_configured_anywhere_is_refused(acme, tmp_path, org_files):
    app_db = tmp_path / "datachat.sqlite3"
    sqlite3.connect(app_db).close()
    org_files("acme", "app.db", link_to=app_db)
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(app_db)}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overriding DATABASES: only the check reads it here
        with override_settings(DATABASES=databases):
            for location in ("app.db", str(app_db)):
                with pytest.raises(LocationError) as refused:
                    location_check(org=acme, kind="sqlite", location=location)
                assert refused.value.code == "location_is_platform"
            wal = tmp_path / "datachat.sqlite3-wal"
            with pytest.raises(LocationError, match="location_is_platform"):
                location_check(org=acme, kind="sqlite", location=str(wal))


@pytest.mark.services
def test_the_app_postgresql_database_is_refused(platform, acme, scratch_postgres_db):
    """The app database on the local PostgreSQL (as in production): its URL, with or without
    the platform's role, under another spelling of the host, or smuggled in the query string."""
    from urllib.parse import urlparse

    app = urlparse(scratch_postgres_db)
    app_db = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": app.path.lstrip("/"),
        "USER": app.username,
        "HOST": app.hostname,
        "PORT": str(app.port or 5432),
    }
    name = app_db["NAME"]
    attacks = {
        f"postgresql://postgres@127.0.0.1:5432/{name}": "location_is_platform",
        f"postgres://someone:pw@localhost:5432/{name}": "location_is_platform",
        "postgresql://postgres@127.0.0.1:5432/postgres": "location_is_platform",  # the app role
        f"postgresql://nobody@127.0.0.1/{name}": "location_is_platform",
        # libpq lets the query string override the authority: what is checked is what it uses.
        f"postgresql://x@db.example.com/other?host=127.0.0.1&dbname={name}": (
            "location_is_platform"
        ),
        "postgresql://x@127.0.0.1/other?host=db.example.com": "host_not_allowed",
        f"postgresql:///{name}": "host_not_allowed",  # a Unix socket: peer auth as the platform
        f"postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/{name}": "host_not_allowed",
        f"postgresql://127.0.0.1/{name}": "location_invalid",  # no user of its own
        f"postgresql://u@127.0.0.1/{name}?service=app": "location_invalid",
        "postgresql://u@127.0.0.1/x?hostaddr=127.0.0.1": "location_invalid",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overriding DATABASES: only the check reads it here
        with override_settings(
            DATABASES={"default": app_db}, DATACHAT_SOURCE_HOSTS=["127.0.0.1", "localhost"]
        ):
            for url, code in attacks.items():
                response = platform.post(ADD_URL, add_form(acme, "leak_appdb", "postgres", url))
                assert form_error_codes(response) == [code], url
    with override_settings(DATACHAT_SOURCE_HOSTS=[]):  # the default: no server at all
        response = platform.post(
            ADD_URL, add_form(acme, "leak_appdb", "postgres", scratch_postgres_db)
        )
        assert form_error_codes(response) == ["host_not_allowed"]
    assert not DataSource.all_tenants.filter(name="leak_appdb").exists()


@pytest.mark.services
def test_the_app_database_from_database_url_is_refused(postgres_url, tmp_path):
    """The same, with the app database configured the way production does it (DATABASE_URL)."""
    from urllib.parse import urlparse

    from tests.support.services import manage_runner

    app = urlparse(postgres_url)
    app_url = f"postgresql://{app.username}@{app.hostname}:{app.port or 5432}/datachat_app"
    run = manage_runner(
        DATABASE_URL=app_url.replace("postgresql://", "postgres://"),
        DATACHAT_DATA_DIR=str(tmp_path),
        DATACHAT_SOURCE_HOSTS=app.hostname,
    )
    script = (
        "from types import SimpleNamespace as O\n"
        "from apps.knowledge.locations import LocationError, location_check\n"
        f"for url in ({app_url!r}, {app_url.replace(app.hostname, 'localhost')!r}, "
        f"{app_url.rsplit('/', 1)[0] + '/otra'!r}):\n"
        "    try:\n"
        "        location_check(org=O(slug='acme'), kind='postgres', location=url)\n"
        "        print('accepted')\n"
        "    except LocationError as exc:\n"
        "        print(exc.code)\n"
    )
    out = run("shell", "--verbosity", "0", "-c", script).stdout.split()
    # The app database by any spelling of its host; another database with the app's role.
    assert out == ["location_is_platform", "host_not_allowed", "location_is_platform"], out


# --- variants: symlinks, `..`, absolute paths -------------------------------------------------


def test_symlink_variants_are_resolved_and_refused(platform, acme, org_files):
    org_files("acme", "link_globex.db", link_to=globex_file())
    org_files("acme", "link_relative.db", link_to=Path("..") / "globex" / "globex.db")
    org_files("acme", "link_appdb.db", link_to=Path(settings.DATA_DIR) / "datachat.sqlite3")
    org_files("acme", "nested", link_to=Path(settings.DATA_DIR) / "sources" / "globex")
    cases = {
        "link_globex.db": "location_outside_org",
        "link_relative.db": "location_outside_org",
        "nested/globex.db": "location_outside_org",
        "link_appdb.db": "location_is_platform",
    }
    for location, code in cases.items():
        response = platform.post(ADD_URL, add_form(acme, "leak_link", "sqlite", location))
        assert form_error_codes(response) == [code], location


def test_dotdot_absolute_and_odd_names_are_refused(acme):
    own = Path(settings.DATA_DIR) / "sources" / "acme" / "empresa.db"
    cases = {
        "../globex/globex.db": "location_outside_org",
        "sub/../../globex/globex.db": "location_outside_org",
        "../acme/empresa.db": "location_outside_org",  # even back into its own folder
        str(own): "location_outside_org",  # no absolute paths, even inside the folder
        "/etc/passwd": "location_outside_org",
        "~/x.db": "location_outside_org",
        "..\\globex\\globex.db": "location_outside_org",
        ".hidden.db": "location_invalid",
        "empresa.db?mode=rwc": "location_invalid",
        "empresa.db#x": "location_invalid",
        "": "location_invalid",
        "x\x00.db": "location_invalid",
    }
    for location, code in cases.items():
        with pytest.raises(LocationError) as refused:
            location_check(org=acme, kind="sqlite", location=location)
        assert refused.value.code == code, location
    checked = location_check(org=acme, kind="sqlite", location="./empresa.db")
    assert checked.stored == "empresa.db" and checked.sqlite_path == str(own.resolve())


# --- a location stored before the rules, or a link swapped later: refused when opened ----------


def test_a_location_stored_before_the_rules_is_refused_when_opened(acme, member, org_files):
    """The original chain: a source on globex's file, refreshed, queried through the API."""
    org_files("acme", "innocent.db", copy_of=globex_file())
    source = datasource_create(
        org=acme, name="leak_legacy", kind="sqlite", location="innocent.db", restricted=False
    )
    catalog_refresh(data_source=source)
    assert CatalogTable.all_tenants.filter(data_source=source, name="pedidos").exists()
    admin = token_client(member("acme", "admin").user)

    def query(n: int) -> dict:  # a new statement each time: no cached answer in the way
        sql = {"sql": f"SELECT COUNT(*) AS n{n} FROM pedidos", "source": "leak_legacy"}
        return admin.post("/api/v1/query/", sql, format="json").json()

    assert query(0)["type"] == "SQL"

    # Stored as the old admin form stored it (no check at all), or the file swapped for a link.
    for n, (tamper, code) in enumerate(
        (
            (lambda: _store_raw(source, str(globex_file())), "location_outside_org"),
            (lambda: _store_raw(source, "../globex/globex.db"), "location_outside_org"),
            (lambda: _store_raw(source, "../../datachat.sqlite3"), "location_is_platform"),
            (lambda: _swap_for_link(source, "innocent.db", globex_file()), "location_outside_org"),
        ),
        start=1,
    ):
        tamper()
        answer = query(n)
        assert answer["type"] == "REFUSED" and answer["error"]["code"] == code, answer
        assert answer["rows"] == [] and "globex" not in answer["answer"]
        with pytest.raises(LocationError) as refused:
            catalog_refresh(data_source=source)
        assert refused.value.code == code


def _store_raw(source: DataSource, location: str) -> None:
    source.set_location(location)
    DataSource.all_tenants.filter(pk=source.pk).update(location_encrypted=source.location_encrypted)


def _swap_for_link(source: DataSource, name: str, target: Path) -> None:
    path = Path(settings.DATA_DIR) / "sources" / "acme" / name
    path.unlink()
    path.symlink_to(target)
    _store_raw(source, name)


def test_refresh_of_a_location_that_cannot_be_opened_is_a_message_not_a_500(org_admin, acme):
    source = DataSource.all_tenants.get(organization=acme, name="empresa")
    tables = CatalogTable.all_tenants.filter(data_source=source).count()
    for stored, code in (
        ("gone.db", "location_unavailable"),
        ("/etc/hosts", "location_outside_org"),
    ):
        _store_raw(source, stored)
        response = org_admin.post(
            "/admin/knowledge/datasource/",
            {"action": "refresh_schema", "_selected_action": [source.pk]},
        )
        assert response.status_code == 302
        notes = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(code in note for note in notes), notes
        assert CatalogTable.all_tenants.filter(data_source=source).count() == tables


# --- platform staff: legitimate sources still work ---------------------------------------------


def test_broken_location_is_a_form_error(platform, acme, org_files):
    org_files("acme", "notes.db", text="not a database, just text\n" * 100)
    cases = {
        "missing.db": "There is no such file",
        "notes.db": "not a SQLite database",
    }
    for location, why in cases.items():
        response = platform.post(ADD_URL, add_form(acme, "broken", "sqlite", location))
        assert form_error_codes(response) == ["location_unavailable"], location
        assert why.encode() in response.content
    response = platform.post(ADD_URL, add_form(acme, "broken", "postgres", "ventas.db"))
    assert form_error_codes(response) == ["location_invalid"]
    response = platform.post(ADD_URL, add_form(acme, "broken", "sqlite", ""))
    assert response.status_code == 200 and "location" in response.context["adminform"].form.errors
    assert not DataSource.all_tenants.filter(name="broken").exists()


def test_platform_staff_add_a_sqlite_source_that_starts_restricted(
    platform, acme, member, org_files, demo_db_path
):
    org_files("acme", "ventas_copia.db", copy_of=demo_db_path)
    response = platform.post(ADD_URL, add_form(acme, "copia", "sqlite", "ventas_copia.db"))
    assert response.status_code == 302, response.content[:3000]
    source = DataSource.all_tenants.get(organization=acme, name="copia")
    assert source.restricted and source.stored_location() == "ventas_copia.db"
    created = AuditEntry.objects.filter(organization=acme, action="datasource_create").latest("seq")
    assert created.username == platform.user.username and created.role == "PLATFORM"
    assert created.details["location"] == "ventas_copia.db" and created.source == "copia"
    catalog_refresh(data_source=source)
    analista = token_client(member("acme", "analista").user)
    query = {"sql": "SELECT COUNT(*) FROM ventas", "source": "copia"}
    closed = analista.post("/api/v1/query/", query, format="json").json()
    assert closed["type"] == "REFUSED" and closed["error"]["code"] == "not_authorized"
    # acme's admin opens it to the org's roles.
    datasource_save(source=source, user=member("acme", "admin").user)  # nothing changed: no entry
    source.restricted = False
    datasource_save(source=source, user=member("acme", "admin").user)
    opened = analista.post("/api/v1/query/", query, format="json").json()
    assert opened["type"] == "SQL" and opened["rows"][0][0] > 0, opened


@pytest.mark.services
def test_platform_staff_configure_a_postgresql_source_and_query_it(
    platform, acme, member, scratch_postgres_db, demo_db_path
):
    """A legitimate server source: an allowed host, the database's own read-only role."""
    import psycopg

    from apps.knowledge.demo.postgres import load_into_postgres

    load_into_postgres(demo_db_path, scratch_postgres_db)
    role = f"datachat_t_{uuid.uuid4().hex[:8]}"
    database = scratch_postgres_db.rsplit("/", 1)[1]
    with psycopg.connect(scratch_postgres_db, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    url = f"postgresql://{role}:secreto@127.0.0.1:5432/{database}"
    try:
        with override_settings(DATACHAT_SOURCE_HOSTS=["127.0.0.1"]):
            response = platform.post(
                ADD_URL, add_form(acme, "ventas_pg", "postgres", url, restricted="")
            )
            assert response.status_code == 302, response.content[:3000]
            source = DataSource.all_tenants.get(organization=acme, name="ventas_pg")
            assert "secreto" not in source.display_location() and role in source.display_location()
            refreshed = platform.post(
                "/admin/knowledge/datasource/",
                {"action": "refresh_schema", "_selected_action": [source.pk]},
            )
            assert refreshed.status_code == 302
            assert CatalogTable.all_tenants.filter(data_source=source, name="ventas").exists()
            answer = token_client(member("acme", "admin").user).post(
                "/api/v1/query/",
                {"sql": "SELECT COUNT(*) FROM ventas", "source": "ventas_pg"},
                format="json",
            )
            assert answer.json()["type"] == "SQL", answer.json()
            assert answer.json()["rows"][0][0] > 0
            page = platform.get(f"/admin/knowledge/datasource/{source.pk}/change/")
            assert b"secreto" not in page.content
        # The host leaves the allow-list: the stored source is refused when opened.
        with override_settings(DATACHAT_SOURCE_HOSTS=[]):
            refused = token_client(member("acme", "admin").user).post(
                "/api/v1/query/",
                {"sql": "SELECT COUNT(*) FROM ventas", "source": "ventas_pg"},
                format="json",
            )
            assert refused.json()["error"]["code"] == "host_not_allowed"
    finally:
        with psycopg.connect(scratch_postgres_db, autocommit=True) as conn:
            conn.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
        base = scratch_postgres_db.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_new_sources_are_restricted_unless_opened(platform, acme, member):
    """Outside seed_demo, a new source is closed to plain analysts until an admin opens it."""
    form = platform.get(ADD_URL).context["adminform"].form
    assert form.fields["restricted"].initial is True
    source = datasource_create(org=acme, name="nueva", kind="sqlite", location="empresa.db")
    assert source.restricted
    entry = AuditEntry.objects.filter(organization=acme).order_by("-seq").first()
    assert (entry.action, entry.source, entry.channel) == ("datasource_create", "nueva", "cli")
    assert entry.details["restricted"] is True and entry.details["location"] == "empresa.db"
    catalog_refresh(data_source=source)
    analista = token_client(member("acme", "analista").user)
    answer = analista.post(
        "/api/v1/query/", {"sql": "SELECT COUNT(*) FROM ventas", "source": "nueva"}, format="json"
    ).json()
    assert answer["type"] == "REFUSED" and answer["error"]["code"] == "not_authorized"
    names = [s["name"] for s in analista.get("/api/v1/datasources/").json()["results"]]
    assert "nueva" not in names and "empresa" in names
    assert DataSource.all_tenants.get(organization=acme, name="empresa").restricted is False


# --- memberships: the user drop-down -----------------------------------------------------------


def test_membership_user_choices_are_the_orgs_own_users(org_admin, acme, member, client):
    page = org_admin.get("/admin/governance/membership/add/")
    assert page.status_code == 200
    choices = {label for _, label in page.context["adminform"].form.fields["user"].choices}
    assert "analista" in choices and "globex_analyst" not in choices
    assert b"globex_analyst" not in page.content
    outsider = member("globex", "globex_analyst").user
    response = org_admin.post(
        "/admin/governance/membership/add/",
        {"user": outsider.pk, "organization": acme.pk, "role": "ANALYST", "attributes": "{}"},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Membership.all_tenants.filter(user=outsider, organization=acme).exists()


def test_membership_user_choices_for_a_superuser_are_everyone(platform):
    page = platform.get("/admin/governance/membership/add/")
    choices = {label for _, label in page.context["adminform"].form.fields["user"].choices}
    assert {"analista", "globex_analyst"} <= choices
