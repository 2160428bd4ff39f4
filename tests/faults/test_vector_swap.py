"""`reindex_knowledge` while the service runs (issue 15, seen 3): a process that holds a handle
on an org's collection keeps finding documents after another process rebuilt the index, and
indexing a document writes its new chunks before removing its old ones."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from datachat.providers.vectorstore import VectorStore
from tests.support.services import ROOT


@dataclass(frozen=True)
class FakeChunk:
    chunk_id: str
    document_id: str
    title: str
    text: str
    kind: str = "note"
    table: str = ""
    columns: tuple[str, ...] = ()
    version: int = 1


def chunks(document_id: str, texts: list[str], version: int = 1) -> list[FakeChunk]:
    return [
        FakeChunk(f"{document_id}:{n}", document_id, f"doc {document_id}", text, version=version)
        for n, text in enumerate(texts)
    ]


REBUILD = """
import json, sys
from datachat.providers.vectorstore import VectorStore
from tests.faults.test_vector_swap import chunks
store = VectorStore.local(sys.argv[1])
docs = [chunks("1", ["margen bruto por producto"]), chunks("2", ["devoluciones de clientes"]),
        chunks("3", ["inventario en almacenes"])]
print(json.dumps(store.rebuild_org("acme", docs)))
"""


def _rebuild_in_another_process(path: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", REBUILD, path], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.drill
def test_reindex_under_load_keeps_answering(tmp_path):
    """The drill: queries keep coming in one process while another rebuilds the index."""
    import threading

    store = VectorStore.local(str(tmp_path))
    store.upsert("acme", chunks("1", ["margen bruto por producto"]))
    results: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def query_loop() -> None:
        for _ in range(2000):  # bounded
            if stop.is_set():
                return
            try:
                results.append(len(store.query("acme", "margen bruto", k=2)))
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                errors.append(exc)

    worker = threading.Thread(target=query_loop)
    worker.start()
    try:
        for _ in range(2):
            assert _rebuild_in_another_process(str(tmp_path)) == 3
    finally:
        stop.set()
        worker.join(timeout=60)
    assert not errors, errors[:3]
    assert results and sum(1 for n in results if n > 0) >= 0.95 * len(results)
    assert store.query("acme", "inventario almacenes", k=1)


@pytest.mark.drill
def test_a_rebuild_in_another_process_does_not_break_this_ones_handles(tmp_path):
    # Given a web process that has queried the org's collection (its handle is cached)
    store = VectorStore.local(str(tmp_path))
    store.upsert("acme", chunks("1", ["margen bruto por producto"]))
    assert store.query("acme", "margen bruto", k=1)[0].metadata["document_id"] == "1"
    # When reindex_knowledge rebuilds the index in another process
    assert _rebuild_in_another_process(str(tmp_path)) == 3
    # Then this process still finds documents, the new ones included, and writes still land
    found = {m.metadata["document_id"] for m in store.query("acme", "inventario almacenes", k=3)}
    assert "3" in found
    assert store.count("acme") == 3
    store.upsert("acme", chunks("4", ["cuentas por cobrar"]))
    assert store.count("acme") == 4


def test_a_rebuild_leaves_no_staging_collection_and_is_repeatable(tmp_path):
    store = VectorStore.local(str(tmp_path))
    for _ in range(2):
        assert store.rebuild_org("acme", [chunks("1", ["a b c"]), chunks("2", ["d e f"])]) == 2
    names = sorted(c.name for c in store.client.list_collections())
    assert names == [store.collection_name("acme")]
    assert store.count("acme") == 2


def test_reindexing_a_document_writes_before_it_removes(tmp_path, monkeypatch):
    store = VectorStore.local(str(tmp_path))
    store.upsert("acme", chunks("7", ["ventas por región", "margen", "descuentos"]))

    # When the process dies right after writing the new version (before removing stale chunks)
    class Killed(Exception):
        pass

    real_on_collection = store._on_collection
    calls = {"n": 0}

    def die_on_cleanup(org, fn, *, create):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if not create:  # the stale-chunk removal
            raise Killed
        return real_on_collection(org, fn, create=create)

    monkeypatch.setattr(store, "_on_collection", die_on_cleanup)
    with pytest.raises(Killed):
        store.replace_document("acme", "7", chunks("7", ["ventas netas por región"], version=2))
    monkeypatch.undo()
    # Then the document is still findable, in its new version
    match = store.query("acme", "ventas netas por región", k=1)[0]
    assert match.metadata["document_id"] == "7" and match.metadata["version"] == 2
    # And the next indexing removes the stale chunks
    store.replace_document("acme", "7", chunks("7", ["ventas netas por región"], version=2))
    assert store.count("acme") == 1
