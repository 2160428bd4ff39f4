"""The chat page with insight answers: a why-answer's waterfall in both themes and in the page's
language (redrawn from the stored decomposition), and a HYBRID card with its cited source."""

from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import message_id

pytestmark = pytest.mark.django_db


def _figures(html: str) -> list[dict]:
    found = re.findall(r'<script id="fig-[^"]+" type="application/json">(.*?)</script>', html, re.S)
    return [json.loads(f) for f in found]


def test_a_why_answer_draws_its_waterfall_in_both_themes(login, ask_htmx, client):
    login("analista")
    _response, html = ask_htmx("¿Por qué bajaron las ventas en febrero?")

    light, dark = _figures(html)
    for figure in (light, dark):
        trace = figure["data"][0]
        assert trace["type"] == "waterfall"
        assert trace["measure"][0] == "absolute" and trace["measure"][-1] == "total"
    assert light["layout"]["template"] != dark["layout"]["template"]
    assert light["layout"]["title"]["text"].startswith("Cambio de ventas totales por")
    assert "Cascada: ventas totales pasa de" in html  # the text alternative

    # The same stored answer, read in English: the chart is redrawn in the page's language.
    client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
    chart = client.get(f"/chat/m/{message_id(html)}/chart/")
    assert chart.status_code == 200
    text = chart.content.decode()
    assert "Waterfall: ventas totales goes from" in text
    assert _figures(text)[0]["data"][0]["type"] == "waterfall"


def test_a_hybrid_card_cites_its_source_before_the_data(login, ask_htmx):
    login("analista")
    _response, html = ask_htmx("¿Qué significa margen bruto y cuál fue por categoría en 2025?")

    assert "answer-hybrid" in html
    assert html.index("<strong>Fuente:</strong> Métrica: Margen bruto") < html.index("<table")
    assert re.search(r'<a href="/knowledge/documents/\d+/">Métrica: Margen bruto</a>', html)
