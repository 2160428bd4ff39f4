"""Which column names say personal data: a person's name by its table or by its own words."""

from __future__ import annotations

import pytest

from apps.knowledge.engine.pii import name_is_pii


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("visitor", "Name"),  # a table of visitors, conductors, …: their names
        ("conductor", "Name"),
        ("student", "Fname"),  # the short forms of first and last name
        ("student", "LName"),
        ("drivers", "forename"),  # the British word for a first name
        ("shop", "Manager_name"),  # the column's own words name a person, whatever the table
        ("pedidos", "nombre_cliente"),
        ("orders", "CustomerName"),
        ("accounts", "username"),  # an online identifier of a person
        ("cuentas", "nombre_usuario"),
        ("Addresses", "line_1"),  # the street lines of an addresses table
        ("direcciones", "linea_2"),
    ],
)
def test_a_persons_name_is_personal(table, column):
    assert name_is_pii(table, column)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("shop", "Name"),  # a shop's, a museum's, a country's name is not a person's
        ("museum", "Name"),
        ("country", "Name"),
        ("supplier", "CompanyName"),
        ("visitor", "visitor_id"),  # keys never are
        ("products", "ProductName"),
        ("film", "director"),  # a role column without a name word: not by its name alone
        ("order_items", "line_1"),  # a line of something else is no street line
        ("Addresses", "address_id"),
    ],
)
def test_other_names_are_not_personal(table, column):
    assert not name_is_pii(table, column)


# --- an address: a person's, not a building's or an organisation's ----------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("building", "Street_address"),  # where a building, a school, a firm stands
        ("Institution", "address"),
        ("schools", "zip_code"),
        ("company_offices", "postal_code"),
        ("store_locations", "address"),
        ("hotel_data", "street"),  # a generic last word is no head
        ("sucursales", "direccion"),
        ("building", "address_id"),  # a key, as before
    ],
)
def test_a_buildings_or_an_organisations_address_is_not_personal(table, column):
    assert not name_is_pii(table, column)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("customers", "address"),  # a person's address
        ("Suppliers", "Address"),  # a supplier is a businessperson first (WordNet)
        ("Orders", "ShipAddress"),  # where an order goes: a customer's
        ("Addresses", "zip_postcode"),  # a table of addresses: whoever points to them
        ("houses", "address"),  # where people live
        ("apartments", "street"),
        ("customer_sites", "address"),  # a word for people in the table's name
        ("building", "owner_address"),  # a person's word in the column's own name
        ("company", "contact_address"),
        ("stores", "phone"),  # only an address is a place's: a phone, an e-mail stay
        ("stores", "email"),
    ],
)
def test_a_persons_address_stays_personal(table, column):
    assert name_is_pii(table, column)
