"""Split knowledge documents into retrievable chunks.

A chunk is what retrieval ranks and what the answer cites, so each one must stand alone: it
starts with the document title (and the heading it sits under), it does not cut a paragraph when
it can avoid it, and consecutive pieces of one long section overlap a little so a sentence cut at
a boundary is still found whole on one side. Chunk ids are ``"{document_id}:{n}"``: stable for a
given text, so re-indexing an unchanged document overwrites the same vectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from datachat.text import fold

__all__ = ["Chunk", "chunk_document"]

_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece of a document.

    `table` names the table the document is about ("" for documents about no single table, such
    as the glossary): it is what the access policy filters on. `columns` are the given column
    names that the chunk's text mentions.
    """

    chunk_id: str
    document_id: str
    title: str
    kind: str
    table: str
    text: str
    n: int = 0
    columns: tuple[str, ...] = ()
    version: int = 1


@dataclass(frozen=True)
class _Block:
    heading: str  # the nearest heading above the block ("" before the first one)
    text: str
    starts_section: bool


def _blocks(body: str) -> list[_Block]:
    """Paragraphs (runs of non-blank lines), each tagged with its section heading."""
    blocks: list[_Block] = []
    heading = ""
    fresh = True
    para: list[str] = []

    def flush() -> None:
        nonlocal fresh
        text = "\n".join(para).strip()
        if text:
            blocks.append(_Block(heading, text, fresh))
            fresh = False
        para.clear()

    for line in body.replace("\r\n", "\n").split("\n"):
        match = _HEADING_RE.match(line)
        if match:
            flush()
            heading = match.group(1).strip()
            fresh = True
        elif not line.strip():
            flush()
        else:
            para.append(line.rstrip())
    flush()
    return blocks


def _pieces(text: str, limit: int) -> list[str]:
    """Split an oversized paragraph at line ends, then sentence ends, then spaces."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    for line in text.split("\n"):
        for sentence in _SENTENCE_RE.split(line) if len(line) > limit else [line]:
            sentence = sentence.strip()
            while len(sentence) > limit:
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                out.append(sentence[:cut].rstrip())
                sentence = sentence[cut:].lstrip()
            if sentence:
                out.append(sentence)
    return out


def _tail(text: str, overlap: int) -> str:
    """The last ~`overlap` characters of `text`, starting at a word boundary."""
    if overlap <= 0 or len(text) <= overlap:
        return text if overlap > 0 else ""
    tail = text[-overlap:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < len(tail) - 1 else tail


def _mentions(text: str, names: Iterable[str]) -> tuple[str, ...]:
    folded = fold(text)  # "Año" in a document mentions the column `ano`
    found = []
    for name in names:
        if re.search(rf"(?<![\w]){re.escape(fold(name))}(?![\w])", folded):
            found.append(name)
    return tuple(found)


def chunk_document(
    doc_id: str,
    title: str,
    body: str,
    *,
    kind: str,
    table: str,
    max_chars: int = 1200,
    overlap: int = 150,
    columns: Iterable[str] = (),
    version: int = 1,
) -> list[Chunk]:
    """Split a (Markdown) document into chunks of at most about `max_chars` characters of body.

    Splits on headings and blank-line paragraphs first, packs consecutive paragraphs of one
    section together, and only splits inside a paragraph when it alone exceeds `max_chars`.
    Every chunk's text starts with `title` (and its section heading when the chunk does not open
    the section), so it is self-describing for both BM25 and embeddings. `columns` are the
    table's column names; each chunk records those it mentions. An empty body yields one chunk
    holding the title, so the document is still findable.
    """
    if max_chars < 100:
        raise ValueError("max_chars must be at least 100")
    overlap = max(0, min(overlap, max_chars // 3))
    column_names = tuple(columns)
    doc_id = str(doc_id)
    title = (title or "").strip()

    # (heading, body text) per chunk, before the title prefix is added. Pieces of one paragraph
    # are re-joined with a newline (they were lines or sentences), paragraphs with a blank line.
    drafts: list[tuple[str, str]] = []
    current: list[str] = []
    current_heading = ""
    size = 0

    def close() -> None:
        nonlocal size
        if current:
            drafts.append((current_heading, "".join(current).strip()))
        current.clear()
        size = 0

    def add(text: str, sep: str) -> None:
        nonlocal size
        current.append((sep if current else "") + text)
        size += len(text) + len(sep)

    for block in _blocks(body or ""):
        if block.starts_section and block.heading:
            # A heading starts a new chunk unless the current one has room for the section.
            heading_line = f"## {block.heading}"
            if current and size + len(heading_line) + len(block.text) + 4 > max_chars:
                close()
            if not current:
                current_heading = block.heading
            add(heading_line, "\n\n")
        # Oversized paragraphs are cut a bit short so the carried overlap still fits.
        parts = _pieces(block.text, max_chars - overlap)
        for i, part in enumerate(parts):
            sep = "\n" if i else "\n\n"
            if current and size + len(part) + len(sep) > max_chars:
                same_section = block.heading == current_heading
                carried = _tail(current[-1].strip(), overlap) if same_section else ""
                close()
                current_heading = block.heading
                if carried and not carried.startswith("## "):
                    add(carried, "")
            if not current:
                current_heading = block.heading
            add(part, sep)
    close()

    if not drafts:
        drafts = [("", "")]

    chunks = []
    for n, (heading, text) in enumerate(drafts):
        prefix = title
        if heading and not text.startswith("## "):
            # The chunk continues a section: repeat its heading so the chunk stands alone.
            prefix = f"{title} — {heading}" if title else heading
        full = f"{prefix}\n\n{text}".strip() if text else prefix
        chunks.append(
            Chunk(
                chunk_id=f"{doc_id}:{n}",
                document_id=doc_id,
                title=title,
                kind=kind,
                table=table or "",
                text=full,
                n=n,
                columns=_mentions(full, column_names),
                version=version,
            )
        )
    return chunks
