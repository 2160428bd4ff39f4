"""OpenTelemetry traces of the question pipeline's stages; off unless configured.

`OTEL_TRACES_EXPORTER` picks the exporter as the OpenTelemetry SDK's own variables do: `none`
(the default here: no tracing, no cost), `console`, or `otlp` (gRPC; the endpoint from
`OTEL_EXPORTER_OTLP_ENDPOINT` and friends). `OTEL_SERVICE_NAME` names the service (`datachat`).
Without `opentelemetry-sdk` installed tracing stays off whatever is set.

Each question becomes a `datachat.question` span with one child span per stage (the stages the
pipeline's timer laps: policy, interpret, sql, execute, record, …), recorded when the answer is.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_tracer: Any = None
_configured = False


def _configure() -> Any:
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
    if exporter_name in ("", "none"):
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError:
        logger.warning("OTEL_TRACES_EXPORTER is set but opentelemetry-sdk is not installed")
        return None
    if exporter_name == "console":
        exporter: Any = ConsoleSpanExporter()
    elif exporter_name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        except ImportError:
            logger.warning("OTEL_TRACES_EXPORTER=otlp needs opentelemetry-exporter-otlp")
            return None
        exporter = OTLPSpanExporter()
    else:
        logger.warning("unknown OTEL_TRACES_EXPORTER %r: tracing off", exporter_name)
        return None
    service = os.environ.get("OTEL_SERVICE_NAME", "datachat")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider.get_tracer("datachat")


def tracer() -> Any:
    """The process's tracer, or None when tracing is off."""
    global _tracer, _configured
    if not _configured:
        with _lock:
            if not _configured:
                _tracer = _configure()
                _configured = True
    return _tracer


def use_provider(provider: Any) -> None:
    """Trace into `provider` (a TracerProvider; None: read the environment again). Tests."""
    global _tracer, _configured
    with _lock:
        _tracer = provider.get_tracer("datachat") if provider is not None else None
        _configured = provider is not None


def record_question(
    *, started_ns: int, ended_ns: int, stages: Sequence[tuple[str, int, int]], **attributes: Any
) -> None:
    """One question's span and its stages' spans, from times already measured."""
    current = tracer()
    if current is None:
        return
    from opentelemetry import trace

    try:
        root = current.start_span("datachat.question", start_time=started_ns)
        for key, value in attributes.items():
            if value is not None:
                root.set_attribute(f"datachat.{key}", value)
        context = trace.set_span_in_context(root)
        for name, start, end in stages:
            span = current.start_span(f"datachat.{name}", context=context, start_time=start)
            span.end(end_time=end)
        root.end(end_time=ended_ns)
    except Exception:  # noqa: BLE001 - tracing never fails an answer
        logger.warning("could not record the question's trace", exc_info=True)
