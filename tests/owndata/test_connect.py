"""Your own data: a new organization, a connected SQLite file, an analyst who asks at once.

Given `create_org` and `add_datasource` (the contract's commands, run in-process), when an
analyst asks, then the answer is SQL over the new source and its personal columns come back
masked; the connection service refuses what it must with stable codes.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.chat.pipeline import ask, run_query
from apps.governance.engine.policy import MASK
from apps.governance.models import AccessPolicy, AuditEntry, Organization, Role
from apps.governance.services import membership_create, policy_resolve
from apps.knowledge.locations import LocationError
from apps.knowledge.models import CatalogColumn, CatalogTable, DataSource, Document, FlagSource
from apps.knowledge.selectors import catalog_snapshot
from apps.knowledge.services import ConnectError, catalog_refresh, datasource_connect

pytestmark = pytest.mark.django_db


def shop_db(path: Path) -> Path:
    """A small English shop: customers (half their columns personal: readable, masked),
    products, orders, payroll (sensitive), contacts (e-mails under a name that says nothing)."""
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE Customers (CustomerID INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT,
            Email TEXT, Phone TEXT, Fax TEXT, Address TEXT, City TEXT, Segment TEXT,
            Country TEXT, Since TEXT, Status TEXT, Tier INTEGER);
        CREATE TABLE Products (ProductID INTEGER PRIMARY KEY, ProductName TEXT, Price REAL);
        CREATE TABLE Orders (OrderID INTEGER PRIMARY KEY, CustomerID INTEGER
            REFERENCES Customers(CustomerID), ProductID INTEGER REFERENCES Products(ProductID),
            Quantity INTEGER, Total REAL, OrderDate TEXT);
        CREATE TABLE Payroll (EmployeeID INTEGER PRIMARY KEY, Salary REAL, Iban TEXT);
        CREATE TABLE Contacts (ContactID INTEGER PRIMARY KEY, Label TEXT, Reach TEXT);
        """
    )
    for i in range(1, 21):
        con.execute(
            "INSERT INTO Customers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (i, f"Ann{i}", f"Lee{i}", f"ann{i}@example.com", f"+1 555 010 {i:04d}",
             f"(171) 555-{i:04d}", f"{i} Main St", "Springfield" if i % 2 else "Shelbyville",
             "Retail" if i % 3 else "Wholesale", "US", "2024-01-01", "active", i % 3),
        )  # fmt: skip
        con.execute("INSERT INTO Contacts VALUES (?,?,?)", (i, f"c{i}", f"p{i}@mail.example"))
    for i in range(1, 6):
        con.execute("INSERT INTO Products VALUES (?,?,?)", (i, f"Widget {i}", 10.0 * i))
    for i in range(1, 41):
        con.execute(
            "INSERT INTO Orders VALUES (?,?,?,?,?,?)",
            (i, i % 20 + 1, i % 5 + 1, 2, 20.0 * (i % 5 + 1), f"2025-0{i % 9 + 1}-15"),
        )
    con.execute("INSERT INTO Payroll VALUES (1, 50000, 'ES9121000418450200051332')")
    con.commit()
    con.close()
    return path


@pytest.fixture
def new_org(tmp_path: Path):  # noqa: ANN201
    slug = f"shop-{tmp_path.name[-8:].lower().replace('_', '-')}"
    call_command("create_org", slug=slug, name="Shop Inc", language="en", stdout=io.StringIO())
    return Organization.objects.get(slug=slug)


def test_new_org_users_ask_at_once_and_personal_columns_come_back_masked(new_org, tmp_path):
    # Given a new org, a small SQLite file connected with the command, and an analyst
    out = io.StringIO()
    call_command(
        "add_datasource",
        org=new_org.slug,
        name="shop",
        file=str(shop_db(tmp_path / "shop.db")),
        default=True,
        stdout=out,
    )
    assert "5 tables" in out.getvalue()
    analyst, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-ann", password="x", role=Role.ANALYST
    )
    # When the analyst asks
    answer = ask(membership=analyst, question="How many orders are there?")
    # Then the answer is SQL over the new source
    assert answer["type"] == "SQL", answer["answer"]
    assert answer["rows"] == [[40]]
    # And every personal column of Customers comes back masked
    rows = run_query(membership=analyst, sql="SELECT * FROM Customers")
    assert rows["type"] == "SQL", rows.get("error")
    columns = [c.lower() for c in rows["columns"]]  # the guard prints names folded
    personal = {"FirstName", "LastName", "Email", "Phone", "Fax", "Address"}
    for name in personal:
        index = columns.index(name.lower())
        assert {row[index] for row in rows["rows"]} == {MASK}, name
    assert {row[columns.index("city")] for row in rows["rows"]} != {MASK}
    # And the sensitive table is kept from the analyst, not from the admin
    payroll = run_query(membership=analyst, sql="SELECT * FROM Payroll")
    assert payroll["type"] == "REFUSED" and payroll["error"]["code"] == "table_not_allowed"
    admin, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-boss", password="x", role=Role.ADMIN
    )
    boss = run_query(membership=admin, sql="SELECT Salary FROM Payroll")
    assert boss["rows"] == [[50000.0]]


def test_connected_source_is_open_documented_in_the_org_language_and_audited(new_org, tmp_path):
    result = datasource_connect(
        new_org, "shop", file=shop_db(tmp_path / "shop.db"), user=None, default=True
    )
    source = result.source
    assert not result.queued and source.setup_status == DataSource.SetupStatus.READY
    assert source.restricted is False  # the org's policies mask personal data by rule
    # The copy lives in the org's folder under a generated name, never the caller's path
    stored = source.stored_location()
    assert "/" not in stored and stored.startswith("shop-") and stored.endswith(".db")
    assert (Path(settings.DATA_DIR) / "sources" / new_org.slug / stored).is_file()
    titles = set(
        Document.all_tenants.filter(data_source=source, kind="TABLE").values_list(
            "title", flat=True
        )
    )
    assert "Table Customers" in titles  # English org: English documents
    body = Document.all_tenants.get(data_source=source, title="Table Customers").body
    assert "## Columns" in body and "personal data" in body
    entry = AuditEntry.objects.filter(organization=new_org, action="datasource_create").last()
    assert entry is not None and entry.details["restricted"] is False


def test_value_sample_flags_a_column_whose_name_says_nothing(new_org, tmp_path):
    source = datasource_connect(new_org, "shop", file=shop_db(tmp_path / "s.db"), user=None).source
    reach = CatalogColumn.all_tenants.get(table__data_source=source, name="Reach")
    assert reach.pii and reach.distinct_values is None  # e-mails by their values, not indexed
    label = CatalogColumn.all_tenants.get(table__data_source=source, name="Label")
    assert not label.pii


def test_policies_follow_the_catalog_a_table_added_later_by_the_rule(new_org, tmp_path):
    path = shop_db(tmp_path / "shop.db")
    source = datasource_connect(new_org, "shop", file=path, user=None).source
    analyst, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-al", password="x", role=Role.ANALYST
    )
    # A table added to the file after connecting, then a refresh
    live = Path(source.location())
    con = sqlite3.connect(live)
    con.execute(
        "CREATE TABLE Suppliers (SupplierID INTEGER PRIMARY KEY, Company TEXT, ContactName TEXT)"
    )
    con.execute("INSERT INTO Suppliers VALUES (1, 'Acme', 'Jane Roe')")
    con.commit()
    con.close()
    catalog_refresh(data_source=source)
    source.refresh_from_db()
    policy = policy_resolve(
        membership=analyst, catalog=catalog_snapshot(data_source=source).policy_flags()
    )
    assert "Suppliers" in policy.allowed_tables
    assert ("Suppliers", "ContactName") in policy.masked_columns
    assert "Payroll" not in policy.allowed_tables
    # An admin allows the sensitive table by naming it; a steward unflags a column
    AccessPolicy.all_tenants.filter(organization=new_org, role=Role.ANALYST).update(
        allowed_tables=["*", "-@sensitive", "Payroll"]
    )
    column = CatalogColumn.all_tenants.get(table__data_source=source, name="City")
    assert not column.pii
    fax = CatalogColumn.all_tenants.get(table__data_source=source, name="Fax")
    fax.pii, fax.pii_source = False, FlagSource.STEWARD
    fax.save()
    catalog_refresh(data_source=source)  # the steward's choice survives a refresh
    fax.refresh_from_db()
    assert fax.pii is False
    source.refresh_from_db()
    policy = policy_resolve(
        membership=analyst, catalog=catalog_snapshot(data_source=source).policy_flags()
    )
    assert "Payroll" in policy.allowed_tables
    assert ("Customers", "Fax") not in policy.masked_columns
    assert ("Customers", "Email") in policy.masked_columns


def test_a_rule_without_the_catalog_fails_closed(new_org):
    analyst, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-fc", password="x", role=Role.ANALYST
    )
    policy = policy_resolve(membership=analyst, table_names=["Customers", "Orders"])
    assert policy.allowed_tables == frozenset()


def test_not_a_sqlite_file_is_refused_with_a_code_and_leaves_nothing(new_org, tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"hello, not a database" * 100)
    with pytest.raises(ConnectError) as caught:
        datasource_connect(new_org, "notes", file=bogus, user=None)
    assert caught.value.code == "file_not_sqlite"
    folder = Path(settings.DATA_DIR) / "sources" / new_org.slug
    assert not list(folder.glob("notes-*")) and not list(folder.glob(".upload-*"))
    assert not DataSource.all_tenants.filter(organization=new_org).exists()
    # A damaged file with a SQLite header fails the quick check
    damaged = tmp_path / "damaged.db"
    shop_db(damaged)
    raw = bytearray(damaged.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)
    damaged.write_bytes(bytes(raw))
    with pytest.raises(ConnectError) as caught:
        datasource_connect(new_org, "damaged", file=damaged, user=None)
    assert caught.value.code == "file_not_sqlite"


def test_file_over_the_limit_is_refused(new_org, tmp_path, settings):
    settings.DATACHAT_UPLOAD_MAX_MB = 0
    with pytest.raises(ConnectError) as caught:
        datasource_connect(new_org, "shop", file=shop_db(tmp_path / "shop.db"), user=None)
    assert caught.value.code == "file_too_large" and "0 MB" in caught.value.message


def test_who_may_connect(new_org, tmp_path, django_user_model):
    admin, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-adm", password="x", role=Role.ADMIN
    )
    analyst, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-ana", password="x", role=Role.ANALYST
    )
    path = shop_db(tmp_path / "shop.db")
    # An org admin uploads a file: the platform chose where it lives
    result = datasource_connect(new_org, "shop", file=path, user=admin.user)
    assert result.source.setup_status == DataSource.SetupStatus.READY
    # … but may not give a server URL
    with pytest.raises(LocationError) as caught:
        datasource_connect(new_org, "pg", url="postgresql://u:p@127.0.0.1:5432/x", user=admin.user)
    assert caught.value.code == "location_superuser_only"
    # An analyst connects nothing; the attempt is audited as refused
    with pytest.raises(ConnectError) as caught:
        datasource_connect(new_org, "mine", file=path, user=analyst.user)
    assert caught.value.code == "connect_not_allowed"
    assert AuditEntry.objects.filter(
        organization=new_org, outcome="refused", code="connect_not_allowed"
    ).exists()


def test_unreachable_server_is_a_clear_error(new_org):
    with pytest.raises(LocationError) as caught:
        datasource_connect(new_org, "pg", url="postgresql://nobody:x@127.0.0.1:1/none", user=None)
    assert caught.value.code == "location_unavailable"


def test_command_errors_are_one_line_with_the_code(new_org, tmp_path):
    bogus = tmp_path / "x.db"
    bogus.write_text("nope")
    with pytest.raises(CommandError, match="^file_not_sqlite: "):
        call_command("add_datasource", org=new_org.slug, name="x", file=str(bogus))
    with pytest.raises(CommandError, match="unknown organization"):
        call_command("add_datasource", org="nope-nope", name="x", file=str(bogus))


def test_create_org_defaults_name_no_demo_table(new_org):
    policies = {p.role: p for p in AccessPolicy.all_tenants.filter(organization=new_org)}
    assert set(policies) == set(Role.values)
    text = repr([(p.allowed_tables, p.masked_columns, p.row_filters) for p in policies.values()])
    for demo_name in ("clientes", "empleados", "ventas", "productos"):
        assert demo_name not in text
    assert policies[Role.ANALYST].masked_columns == ["@pii"]
    assert policies[Role.ADMIN].masked_columns == []
    assert new_org.language == "en"
    assert CatalogTable.all_tenants.filter(organization=new_org).count() == 0


def test_chat_page_switches_between_the_org_sources(new_org, tmp_path):
    from django.test import Client

    from apps.chat.models import Message

    datasource_connect(new_org, "shop", file=shop_db(tmp_path / "a.db"), user=None, default=True)
    other = tmp_path / "b.db"
    con = sqlite3.connect(other)
    con.executescript(
        "CREATE TABLE Stores (StoreID INTEGER PRIMARY KEY, City TEXT);"
        "INSERT INTO Stores VALUES (1, 'Oslo'), (2, 'Rome'), (3, 'Lima');"
    )
    con.commit()
    con.close()
    datasource_connect(new_org, "stores", file=other, user=None)
    analyst, _ = membership_create(
        org=new_org, username=f"{new_org.slug}-web", password="x", role=Role.ANALYST
    )
    client = Client()
    client.force_login(analyst.user)
    page = client.get("/chat/").content.decode()
    assert 'name="source"' in page and 'value="stores"' in page and 'value="shop"' in page
    client.post("/chat/", {"question": "How many stores are there?", "source": "stores"})
    message = Message.all_tenants.filter(conversation__user=analyst.user).last()
    assert message.answer["type"] == "SQL" and message.answer["rows"] == [[3]]
    assert message.conversation.data_source.name == "stores"
