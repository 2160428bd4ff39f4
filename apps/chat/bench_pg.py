"""`manage.py bench --pg-rows N`: a PostgreSQL source of N rows, answered and exported.

Generates (once; kept between runs when it already holds N rows) a scratch database
`dcbench_big` with a `ventas` table made by `generate_series`, reached through a login
role of its own, and connects it to the org as the data source `bench_big`. Then, as the org's
ADMIN: an aggregate question over all N rows under the org's deadline, and CSV exports of the
full result of a plain listing at several sizes, with the process's resident memory sampled
while the file streams (the export must not grow with the rows). Never run by the tests.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

DB_NAME = "dcbench_big"
ROLE = "dcbench_big"
SOURCE = "bench_big"
ROLE_PASSWORD = "datachat-bench"  # a local scratch role, loopback only


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def _peak_rss() -> Iterator[dict[str, float]]:
    """The process's RSS before the block and its peak during it (sampled every 20 ms)."""
    result = {"before": _rss_mb(), "peak": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result["peak"] = max(result["peak"], _rss_mb())
            stop.wait(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        result["peak"] = max(result["peak"], _rss_mb())


def _ensure_database(admin_url: str, rows: int) -> tuple[str, float]:
    """The scratch source database with `rows` rows; (its URL for the source role, seconds
    spent generating, 0 when reused)."""
    import psycopg

    parsed = urlparse(admin_url)
    base = parsed._replace(path=f"/{DB_NAME}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        conn.execute(
            "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            f"'{ROLE}') THEN CREATE ROLE \"{ROLE}\" LOGIN PASSWORD '{ROLE_PASSWORD}'; END IF; "
            "END$$"
        )
    spent = 0.0
    with psycopg.connect(base.geturl(), autocommit=True) as conn:
        have = conn.execute("SELECT to_regclass('public.ventas') IS NOT NULL").fetchone()[0]
        count = conn.execute("SELECT COUNT(*) FROM ventas").fetchone()[0] if have else -1
        if count != rows:
            started = time.perf_counter()
            conn.execute("DROP TABLE IF EXISTS ventas")
            conn.execute(
                "CREATE TABLE ventas AS SELECT g AS id, "
                "(ARRAY['Norte','Sur','Este','Oeste'])[1 + g %% 4] AS region, "
                "(ARRAY['online','tienda','mayorista'])[1 + g %% 3] AS canal, "
                "round((random() * 1000)::numeric, 2) AS total, "
                "date '2024-01-01' + (g %% 730) AS fecha "
                "FROM generate_series(1, %s) AS g",
                (rows,),
            )
            conn.execute("ALTER TABLE ventas ADD PRIMARY KEY (id)")
            conn.execute("VACUUM ANALYZE ventas")
            spent = time.perf_counter() - started
        conn.execute(f'GRANT SELECT ON ventas TO "{ROLE}"')
    host = parsed.hostname or "127.0.0.1"
    port = parsed.port or 5432
    return f"postgres://{ROLE}:{ROLE_PASSWORD}@{host}:{port}/{DB_NAME}", spent


def bench_big_source(
    *, org: Any, rows: int, admin_url: str, export_sizes: list[int]
) -> list[tuple[str, tuple, list[tuple]]]:
    from apps.chat.exports import message_export
    from apps.chat.models import Message
    from apps.chat.pipeline import run_query
    from apps.governance.models import Membership, Organization
    from apps.governance.selectors import member_can
    from apps.knowledge.selectors import datasource_get
    from apps.knowledge.services import datasource_connect

    source_url, generated = _ensure_database(admin_url, rows)
    if datasource_get(org=org, name=SOURCE) is None:
        datasource_connect(org, SOURCE, url=source_url, user=None, restricted=False)
    # The first member who may query and export (the bench measures both).
    membership = next(
        (
            m
            for m in Membership.all_tenants.for_org(org).select_related("organization", "user")
            if member_can(m, "can_query") and member_can(m, "can_export")
        ),
        None,
    )
    results: list[tuple[str, tuple, list[tuple]]] = []

    aggregate = (
        "SELECT region, canal, COUNT(*) AS ventas, SUM(total) AS total "
        "FROM ventas GROUP BY region, canal ORDER BY region, canal"
    )
    saved = {"count_cap": org.count_cap, "query_timeout_ms": org.query_timeout_ms}

    def limits(**values: int) -> None:
        Organization.objects.filter(pk=org.pk).update(**values)
        membership.organization.refresh_from_db()

    def timed_answer(sql: str) -> tuple[dict, float]:
        started = time.perf_counter()
        answer = run_query(membership=membership, sql=sql, source_name=SOURCE, channel="cli")
        return answer, (time.perf_counter() - started) * 1000

    measures = []
    try:
        for deadline in (saved["query_timeout_ms"], 60_000):
            limits(query_timeout_ms=deadline)
            answer, answered = timed_answer(aggregate)
            summed = sum(int(r[2]) for r in answer.get("rows") or [])
            code = (answer.get("error") or {}).get("code") or answer["type"]
            measures.append(
                (
                    f"aggregate over every row, deadline {deadline / 1000:g} s",
                    f"{code}, {summed:,} rows summed, {answered:.0f} ms",
                )
            )
            if answer["type"] == "SQL":
                break
        results.append(
            (
                f"PostgreSQL source of {rows:,} rows (generated in {generated:.1f} s; 0: reused)",
                ("measure", "value"),
                measures,
            )
        )
        export_rows = []
        for size in export_sizes:
            # The stored SQL carries the count cap of its answer: answer at each size.
            limits(count_cap=size, query_timeout_ms=300_000)
            listing, _ms = timed_answer("SELECT id, region, canal, total, fecha FROM ventas")
            message = Message.all_tenants.get(pk=listing["message_id"])
            with _peak_rss() as rss:
                started = time.perf_counter()
                export = message_export(
                    membership=membership, message=message, fmt="csv", channel="cli"
                )
                written = 0
                chunks = export.chunks if export.chunks is not None else iter([export.file.read()])
                with open(os.devnull, "wb") as sink:
                    for chunk in chunks:
                        sink.write(chunk)
                        written += len(chunk)
                seconds = time.perf_counter() - started
            export_rows.append(
                (
                    f"{export.row_count:,}",
                    f"{written / 1e6:.1f}",
                    f"{seconds:.1f}",
                    f"{rss['before']:.0f}",
                    f"{rss['peak']:.0f}",
                    f"{rss['peak'] - rss['before']:+.0f}",
                )
            )
    finally:
        limits(**saved)
    results.append(
        (
            "CSV export of the full listing, streamed (resident memory of this process, MB)",
            ("rows", "MB written", "seconds", "RSS before", "RSS peak", "growth"),
            export_rows,
        )
    )
    return results
