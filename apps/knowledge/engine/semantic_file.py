"""The semantic-layer file: one YAML document holding what a steward curates about a source.

Pure: parse and check a file (pydantic, every problem named with its line and path), and write
one back, deterministically, so export → import → export gives the same text. docs/semantic-layer.md
describes the format; `apps/knowledge/semantic_layer.py` moves it in and out of the database.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

FORMAT_VERSION = 1
CARDINALITIES = ("many_to_one", "one_to_one", "one_to_many", "many_to_many")
METRIC_FORMATS = ("number", "integer", "money", "percent", "ratio")
DOCUMENT_KINDS = ("TABLE", "METRIC", "NOTE")


class SemanticFileError(ValueError):
    """A file that cannot be imported; `problems` lists each one as `line N: path: message`."""

    def __init__(self, problems: list[str], *, code: str = "semantic_layer_invalid") -> None:
        self.problems = problems
        self.code = code
        super().__init__("\n".join(problems))


def _synonyms(value: Any) -> Any:
    """A list, or {es: [...], en: [...]} (stored as one list, Spanish first)."""
    if isinstance(value, dict):
        unknown = set(value) - {"es", "en"}
        if unknown:
            raise ValueError(f"synonyms by language take the keys es and en, not {sorted(unknown)}")
        merged: list[Any] = []
        for lang in ("es", "en"):
            words = value.get(lang) or []
            if not isinstance(words, list):
                raise ValueError(f"synonyms.{lang} must be a list of words")
            merged += words
        return merged
    return value


Text = Annotated[str, StringConstraints(max_length=20_000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Synonyms = Annotated[list[Word], BeforeValidator(_synonyms)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Unit = Annotated[str, StringConstraints(min_length=1, max_length=30)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ColumnSpec(_Strict):
    description: Text | None = None
    synonyms: Synonyms | None = None
    currency: Currency | None = Field(None, description="ISO 4217 code of a money column")
    unit: Unit | None = Field(None, description="km², kg, years, %: what a value counts")
    pii: bool | None = None


class TableSpec(_Strict):
    description: Text | None = None
    synonyms: Synonyms | None = None
    label_column: Name | None = None
    columns: dict[Name, ColumnSpec] = Field(default_factory=dict)

    @field_validator("columns", mode="before")
    @classmethod
    def _columns(cls, value: Any) -> Any:
        # `column: ` with nothing after it documents nothing, but is no error.
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


_REF = re.compile(r"^.+\.[^.]+$")


class RelationshipSpec(_Strict):
    from_: Annotated[str, StringConstraints(pattern=_REF.pattern)] = Field(alias="from")
    to: Annotated[str, StringConstraints(pattern=_REF.pattern)]
    cardinality: Literal[CARDINALITIES] = "many_to_one"  # type: ignore[valid-type]

    def ends(self) -> tuple[str, str, str, str]:
        table, column = self.from_.rsplit(".", 1)
        ref_table, ref_column = self.to.rsplit(".", 1)
        return table, column, ref_table, ref_column


class MetricSpec(_Strict):
    name: Name
    table: Name
    expression: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    filters: list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = Field(
        default_factory=list
    )
    format: Literal[METRIC_FORMATS] | None = None  # type: ignore[valid-type]
    unit: Unit | None = None
    synonyms: Synonyms = Field(default_factory=list)
    description: Text = ""
    document: Name | None = None  # the title of its METRIC document


class GlossarySpec(_Strict):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    body: Text
    org_wide: bool = False


class DocumentSpec(_Strict):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    kind: Literal[DOCUMENT_KINDS] = "NOTE"  # type: ignore[valid-type]
    table: Annotated[str, StringConstraints(max_length=200)] = ""
    body: Text
    org_wide: bool = False


class ExampleSpec(_Strict):
    question: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    sql: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class SemanticFile(_Strict):
    """The whole file. Every section is optional: a file may describe only some tables."""

    version: Literal[1] = FORMAT_VERSION
    source: str | None = None  # informational: the source it was exported from
    dialect: str | None = None  # informational
    tables: dict[Name, TableSpec] = Field(default_factory=dict)
    relationships: list[RelationshipSpec] = Field(default_factory=list)
    metrics: list[MetricSpec] = Field(default_factory=list)
    glossary: list[GlossarySpec] = Field(default_factory=list)
    documents: list[DocumentSpec] = Field(default_factory=list)
    examples: list[ExampleSpec] = Field(default_factory=list)

    @field_validator("tables", mode="before")
    @classmethod
    def _tables(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


# --- reading -----------------------------------------------------------------------------------


def _line_of(root: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """The 1-based line of the node at `path` (or of the deepest part of it that exists)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def where(root: yaml.Node | None, path: tuple[Any, ...]) -> str:
    """`line N: a.b[2].c` for a path into the file."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    line = _line_of(root, path)
    return f"line {line}: {text or '(file)'}" if line else text or "(file)"


def semantic_file_parse(text: str, *, name: str = "file") -> tuple[SemanticFile, yaml.Node | None]:
    """Parse and check a semantic-layer file; returns the model and the YAML node tree (for
    naming lines later). Raises SemanticFileError naming each problem's line and path."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SemanticFileError([f"{name}: {at}not valid YAML ({problem})"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SemanticFileError([f"{name}: line 1: the file must be a mapping (tables:, …)"])
    try:
        return SemanticFile.model_validate(raw), root
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = tuple(p for p in error["loc"] if not _is_union_tag(p))
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = f"unknown key (allowed: {_allowed(path)})"
            elif error["type"] == "string_pattern_mismatch" and path[-1:] == ("currency",):
                message = "a currency is an ISO 4217 code in capitals (EUR, USD, MXN)"
            elif error["type"] == "string_pattern_mismatch" and path[-1:] in (("from",), ("to",)):
                message = "write the column as table.column"
            elif error["type"] == "dict_type":
                message = "must be a mapping (name: its description), not a list or a value"
            elif error["type"] == "list_type":
                message = "must be a list (one '- ' item per line)"
            problems.append(f"{name}: {where(root, path)}: {message}")
        raise SemanticFileError(problems) from None


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part.startswith(("list[", "dict[", "function-", "literal[")) or part in ("str", "int")
    )


_SECTION_MODELS = {
    "tables": TableSpec,
    "columns": ColumnSpec,
    "relationships": RelationshipSpec,
    "metrics": MetricSpec,
    "glossary": GlossarySpec,
    "documents": DocumentSpec,
    "examples": ExampleSpec,
}


def _allowed(path: tuple[Any, ...]) -> str:
    """The keys allowed where an unknown key was found."""
    model: type[BaseModel] = SemanticFile
    for part in reversed(path[:-1]):
        if isinstance(part, str) and part in _SECTION_MODELS:
            model = _SECTION_MODELS[part]
            break
    return ", ".join(f.alias or n for n, f in model.model_fields.items())


# --- writing -----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def semantic_file_dump(data: SemanticFile) -> str:
    """The file's YAML text: sections and keys in a fixed order, empty values left out."""
    body = data.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key in ("tables", "relationships", "metrics", "glossary", "documents", "examples"):
        if not body.get(key):
            body.pop(key, None)
    for metric in body.get("metrics", []):
        for key in ("filters", "synonyms", "description"):
            if not metric.get(key):
                metric.pop(key)
    for section in ("glossary", "documents"):
        for doc in body.get(section, []):
            if not doc.get("org_wide"):
                doc.pop("org_wide", None)
            if section == "documents" and not doc.get("table"):
                doc.pop("table", None)
    for table in body.get("tables", {}).values():
        if not table.get("columns"):
            table.pop("columns", None)
    header = (
        "# DataChat semantic layer (docs/semantic-layer.md). Import with\n"
        "#   python manage.py knowledge import --org SLUG [--source NAME] FILE\n"
    )
    return header + yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
