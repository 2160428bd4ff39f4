"""OpenTelemetry traces of the pipeline's stages (issue 15, eyes): off by default; with a tracer
provider, each question is a span with one child per stage (the in-memory exporter)."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask
from datachat import tracing

pytestmark = pytest.mark.django_db


@pytest.fixture
def spans():  # noqa: ANN201
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)


def test_tracing_is_off_by_default(monkeypatch):
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    tracing.use_provider(None)
    assert tracing.tracer() is None
    tracing.use_provider(None)


def test_a_question_is_a_span_with_its_stages(spans, member):
    answer = ask(membership=member("acme", "analista"), question="Ventas por región")
    finished = spans.get_finished_spans()
    roots = [s for s in finished if s.name == "datachat.question"]
    assert len(roots) == 1
    root = roots[0]
    assert root.attributes["datachat.type"] == answer["type"]
    assert root.attributes["datachat.org"] == "acme"
    children = [s for s in finished if s.parent is not None]
    assert children and all(s.parent.span_id == root.context.span_id for s in children)
    stage_names = {s.name.removeprefix("datachat.") for s in children}
    assert stage_names <= set(answer["timings_ms"]) and len(stage_names) >= 2
    assert all(root.start_time <= s.start_time <= s.end_time <= root.end_time for s in children)
