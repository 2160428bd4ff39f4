"""The SQL guard: one read-only SELECT, checked against the caller's policy, rewritten, re-printed.

`guard_sql` is the only way to obtain a `GuardedQuery`, and a `GuardedQuery` is the only thing the
executor runs. The guard:

1. parses the text with sqlglot in the source's dialect (a parse error is a refusal: nothing is
   normalised and re-tried, so fullwidth or zero-width tricks fail closed);
2. accepts exactly one statement whose root is a SELECT or a set operation of SELECTs (CTEs
   included), and walks the whole tree against an allowlist of node types and functions;
3. resolves every table and column through aliases, CTEs and derived tables
   (`qualify` + `traverse_scope`) and checks them against the schema and the policy;
4. masks: a projection fed by a masked column (directly, through `*`, a CTE or derived-table
   alias, a scalar subquery, or inside any expression or aggregate) becomes the mask literal under
   the same output name; a masked column used to filter, join, group, sort, partition or feed a
   predicate subquery is refused (`column_masked`: it would leak by oracle). COUNT(masked) is
   masked too, deliberately: the rewritten SQL then never reads a masked column at all, so the
   engine layer (SQLite authorizer, PostgreSQL column GRANTs) can deny those reads outright;
5. applies row-level security by replacing every reference to a filtered table with
   `(SELECT <columns> FROM t WHERE <filter>) AS <alias>`, built from sqlglot nodes and literals;
6. caps the rows the database can return (`count_cap + 1`), and re-prints the checked tree: that
   text, and nothing else, is what runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope, walk_in_scope

from .dialects import Dialect, get_dialect
from .errors import SqlRefusal
from .functions import KEYWORD_FUNCTIONS
from .policy import MASK, DataPolicy

# Per engine (its `Dialect` adapter): the sqlglot dialect, the allowed functions, and the one
# schema a query may name explicitly (everything else, e.g. temp, information_schema, pg_catalog
# or another tenant's schema, is refused).


@dataclass(frozen=True)
class GuardLimits:
    """Complexity budget of one query; exceeding any of them is `too_complex`."""

    max_sql_length: int = 20_000
    max_nodes: int = 2_500
    max_depth: int = 120  # depth of the syntax tree
    max_paren_depth: int = 64  # checked on the raw text before parsing (parser recursion)
    max_joins: int = 8
    max_cross_joins: int = 3  # joins without ON/USING (cartesian products)
    max_set_operations: int = 10
    max_subquery_depth: int = 6
    max_offset: int = 1_000_000


DEFAULT_LIMITS = GuardLimits()

_GUARD_TOKEN = object()  # only this module holds it: a GuardedQuery proves it went through here
_ENGINE_TEST_TOKEN = object()


@dataclass(frozen=True)
class GuardedQuery:
    """A query the guard accepted and rewrote; the executor's only input.

    Only `guard_sql` can build a checked one. `unchecked_for_engine_tests` exists so the engine
    layer can be tested alone (with the guard switched off); production code must never call it.
    """

    sql: str
    original_sql: str
    dialect: str
    tables: frozenset[str]
    columns: frozenset[tuple[str, str]]
    masked_outputs: tuple[str, ...]
    policy: DataPolicy
    applied_filters: tuple[str, ...] = ()
    checked: bool = True
    _token: object = field(default=None, repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        if self._token is _GUARD_TOKEN and self.checked:
            return
        if self._token is _ENGINE_TEST_TOKEN and not self.checked:
            return
        raise TypeError("GuardedQuery can only be created by guard_sql()")

    @classmethod
    def unchecked_for_engine_tests(
        cls,
        sql: str,
        dialect: str,
        policy: DataPolicy,
        *,
        tables: Iterable[str] = (),
        columns: Iterable[tuple[str, str]] = (),
    ) -> GuardedQuery:
        """TEST-ONLY: wrap raw SQL without any check, to prove the engine layer holds alone."""
        return cls(
            sql=sql,
            original_sql=sql,
            dialect=get_dialect(dialect).kind,
            tables=frozenset(tables),
            columns=frozenset(columns),
            masked_outputs=(),
            policy=policy,
            checked=False,
            _token=_ENGINE_TEST_TOKEN,
        )


# ---------------------------------------------------------------------------------------------
# Allowlists

_WRITE_NODES: tuple[type[exp.Expr], ...] = tuple(
    getattr(exp, name)
    for name in (
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Create",
        "Drop",
        "Alter",
        "AlterColumn",
        "TruncateTable",
        "Command",
        "Pragma",
        "Set",
        "Transaction",
        "Commit",
        "Rollback",
        "Copy",
        "Attach",
        "Detach",
        "Analyze",
        "Use",
        "Grant",
        "Revoke",
        "Returning",
        "Into",
        "Lock",
        "LoadData",
        "Cache",
        "Uncache",
        "Refresh",
        "Execute",
        "Describe",
        "Show",
    )
    if hasattr(exp, name)
)

_SET_OPERATIONS = (exp.Union, exp.Intersect, exp.Except)

# Node types allowed anywhere, with the argument keys each may carry (None = any argument).
# Functions are checked separately, by the name they will have in the printed SQL.
_ALLOWED_NODES: dict[type[exp.Expr], frozenset[str] | None] = {
    exp.Select: frozenset(
        {"with_", "expressions", "distinct", "from_", "joins", "where", "group", "having"}
        | {"order", "limit", "offset"}
    ),
    exp.Union: frozenset({"with_", "this", "expression", "distinct", "order", "limit", "offset"}),
    exp.Intersect: frozenset({"with_", "this", "expression", "distinct", "order", "limit"}),
    exp.Except: frozenset({"with_", "this", "expression", "distinct", "order", "limit", "offset"}),
    exp.Subquery: frozenset({"this", "alias"}),
    exp.With: frozenset({"expressions", "recursive"}),
    exp.CTE: frozenset({"this", "alias", "materialized"}),
    exp.TableAlias: frozenset({"this", "columns"}),
    exp.Table: frozenset({"this", "alias", "db"}),
    exp.From: frozenset({"this"}),
    exp.Join: frozenset({"this", "on", "side", "kind", "using"}),
    exp.Where: frozenset({"this"}),
    exp.Having: frozenset({"this"}),
    exp.Group: frozenset({"expressions"}),
    exp.Order: frozenset({"expressions"}),
    exp.Ordered: frozenset({"this", "desc", "nulls_first"}),
    exp.Limit: frozenset({"expression"}),
    exp.Offset: frozenset({"expression"}),
    exp.Distinct: frozenset({"expressions", "on"}),
    exp.Window: frozenset({"this", "partition_by", "order", "spec", "over"}),
    exp.WindowSpec: frozenset({"kind", "start", "start_side", "end", "end_side"}),
    exp.Filter: frozenset({"this", "expression"}),
    exp.WithinGroup: frozenset({"this", "expression"}),
    exp.Alias: frozenset({"this", "alias"}),
    exp.Column: frozenset({"this", "table"}),
    exp.Identifier: frozenset({"this", "quoted"}),
    exp.Star: frozenset(),
    exp.Literal: None,
    exp.Null: None,
    exp.Boolean: None,
    exp.RawString: None,  # PG $$dollar-quoted$$ literal: re-printed as an ordinary string
    exp.Paren: None,
    exp.Tuple: None,
    exp.Interval: None,
    exp.DataType: None,
    exp.DataTypeParam: None,
    exp.Var: None,  # further restricted in _check_var
    exp.In: frozenset({"this", "expressions", "query"}),
    exp.Between: frozenset({"this", "low", "high"}),
    exp.Is: None,
    exp.Like: None,
    exp.ILike: None,
    exp.Glob: None,
    exp.Escape: None,
    exp.Any: None,
    exp.All: None,
    exp.EQ: None,
    exp.NEQ: None,
    exp.GT: None,
    exp.GTE: None,
    exp.LT: None,
    exp.LTE: None,
    exp.NullSafeEQ: None,
    exp.NullSafeNEQ: None,
    exp.And: None,
    exp.Or: None,
    exp.Not: None,
    exp.Neg: None,
    exp.Add: None,
    exp.Sub: None,
    exp.Mul: None,
    exp.Div: None,
    exp.Mod: None,
    exp.DPipe: None,
    exp.Collate: None,  # a Func that prints as an operator (x COLLATE NOCASE)
}

_VAR_PARENTS = (exp.Func, exp.Interval, exp.Collate, exp.DataType, exp.DataTypeParam, exp.Limit)
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PRINTED_FUNC_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\(")
_BARE_KEYWORD_FUNCS = frozenset({"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"})
# Functions in sqlglot's model that print as operators and are plain logic or collation.
_OPERATOR_FUNCS = (exp.And, exp.Or, exp.Collate)
_ALLOWED_JOIN_KINDS = frozenset({"", "INNER", "OUTER", "CROSS"})
_ALLOWED_JOIN_SIDES = frozenset({"", "LEFT", "RIGHT", "FULL"})
_PREDICATE_CLAUSES = {
    "where": "WHERE",
    "joins": "JOIN",
    "group": "GROUP BY",
    "having": "HAVING",
    "order": "ORDER BY",
    "distinct": "DISTINCT ON",
}


# ---------------------------------------------------------------------------------------------
# Entry point


def guard_sql(
    sql: str,
    *,
    dialect: str,
    schema: Mapping[str, Mapping[str, str]],
    policy: DataPolicy,
    lang: str = "es",
    limits: GuardLimits = DEFAULT_LIMITS,
) -> GuardedQuery:
    """Check `sql` against `policy` and return the rewritten query the executor may run.

    `dialect` is a registered engine kind ("sqlite", "postgres", "mariadb", …; an unknown one
    raises `dialects.UnknownDialect`, a ValueError); `schema` is `{table: {column: type}}` of the
    data source (`CatalogSnapshot.schema_mapping()`). Raises `SqlRefusal` with a stable code on any
    violation.
    """
    engine = get_dialect(dialect)
    if not policy.can_query:
        raise SqlRefusal("not_authorized", lang=lang)
    ctx = _Context(
        dialect=engine.sqlglot_name,
        schema=schema,
        policy=policy,
        lang=lang,
        limits=limits,
        engine=engine,
    )
    try:
        return _guard(sql, ctx)
    except SqlRefusal:
        raise
    except RecursionError:
        raise ctx.refuse("too_complex", what="nesting") from None
    except Exception as error:  # fail closed: an internal surprise is a refusal, never a pass
        raise ctx.refuse("parse_error", detail=f"guard: {type(error).__name__}") from None


def _guard(sql: str, ctx: _Context) -> GuardedQuery:
    dialect, policy, lang = ctx.dialect, ctx.policy, ctx.lang
    tree = _parse_one(sql, ctx)
    _check_tree(tree, ctx)
    pretty_names = _output_names_before_qualify(tree, ctx)
    _precheck_tables(tree, ctx)
    tree = _qualify(tree, ctx)
    _refuse_whole_rows(tree, ctx)
    _restore_output_names(tree, pretty_names)
    analysis = _analyse(tree, ctx)
    _apply_masks(analysis)
    filters = _apply_row_filters(analysis, ctx)
    _apply_row_cap(tree, ctx)
    try:
        final_sql = tree.sql(dialect=dialect, comments=False)
    except SqlglotError as error:  # pragma: no cover - generator refused its own tree
        raise SqlRefusal("parse_error", lang=lang, detail=type(error).__name__) from None
    return GuardedQuery(
        sql=final_sql,
        original_sql=sql,
        dialect=ctx.engine.kind,
        tables=frozenset(analysis.tables),
        columns=frozenset(analysis.reads | {(t, c) for t, c, _ in filters}),
        masked_outputs=analysis.masked_outputs,
        policy=policy,
        applied_filters=tuple(dict.fromkeys(text for _, _, text in filters)),
        _token=_GUARD_TOKEN,
    )


@dataclass
class _Context:
    dialect: str  # the sqlglot name
    schema: Mapping[str, Mapping[str, str]]
    policy: DataPolicy
    lang: str
    limits: GuardLimits
    engine: Dialect
    tables: dict[str, str] = field(default_factory=dict)  # normalised -> real name
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> norm -> real
    allowed: frozenset[str] = frozenset()
    masked: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        self.tables = {self.norm(t): t for t in self.schema}
        self.columns = {
            self.norm(t): {self.norm(c): c for c in cols} for t, cols in self.schema.items()
        }
        self.allowed = frozenset(self.norm(t) for t in self.policy.allowed_tables) & frozenset(
            self.tables
        )
        self.masked = frozenset((self.norm(t), self.norm(c)) for t, c in self.policy.masked_columns)

    def norm(self, name: str) -> str:
        # SQLite identifiers are case-insensitive; sqlglot lower-cases unquoted PG identifiers.
        return name.lower() if self.engine.fold_identifiers else name

    def refuse(self, code: str, *, detail: str | None = None, **params: object) -> SqlRefusal:
        return SqlRefusal(code, lang=self.lang, detail=detail, **params)


# ---------------------------------------------------------------------------------------------
# 1. Parse


def _parse_one(sql: str, ctx: _Context) -> exp.Expr:
    if not isinstance(sql, str) or not sql.strip():
        raise ctx.refuse("empty_query")
    if len(sql) > ctx.limits.max_sql_length:
        raise ctx.refuse("too_complex", what=f"> {ctx.limits.max_sql_length} chars")
    if _max_paren_depth(sql) > ctx.limits.max_paren_depth:
        raise ctx.refuse("too_complex", what="nesting")
    try:
        statements = sqlglot.parse(sql, read=ctx.dialect, error_level=ErrorLevel.RAISE)
    except (ParseError, TokenError) as error:
        raise ctx.refuse("parse_error", detail=_parse_error_detail(error)) from None
    except RecursionError:
        raise ctx.refuse("too_complex", what="nesting") from None
    except SqlglotError as error:
        raise ctx.refuse("parse_error", detail=type(error).__name__) from None
    # A trailing ";" (with or without a comment after it) is not a second statement.
    statements = [s for s in statements if s is not None and not isinstance(s, exp.Semicolon)]
    if not statements:
        raise ctx.refuse("empty_query")
    if len(statements) > 1:
        raise ctx.refuse("multiple_statements")
    tree = statements[0]
    # "(SELECT ...)" alone is still a SELECT; anything wrapped with modifiers is not unwrapped.
    while isinstance(tree, exp.Subquery) and set(_set_args(tree)) <= {"this"}:
        tree = tree.this
    if isinstance(tree, _WRITE_NODES) or not isinstance(tree, (exp.Select, *_SET_OPERATIONS)):
        raise ctx.refuse("sql_not_read_only", what=_statement_kind(tree, ctx))
    return tree


def _max_paren_depth(sql: str) -> int:
    depth = deepest = 0
    for char in sql:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _parse_error_detail(error: SqlglotError) -> str:
    # Position only: the parser's own message quotes the SQL text around the error.
    errors = getattr(error, "errors", None) or []
    if errors:
        first = errors[0]
        return f"line {first.get('line')}, col {first.get('col')}"
    return type(error).__name__


def _statement_kind(tree: exp.Expr, ctx: _Context) -> str:
    if isinstance(tree, exp.Command):
        head = str(tree.this or "").split()
        return head[0].upper() if head else "COMMAND"
    name = type(tree).__name__.upper()
    return {"TRANSACTION": "BEGIN", "TRUNCATETABLE": "TRUNCATE"}.get(name, name)


# ---------------------------------------------------------------------------------------------
# 2. Whole-tree allowlist walk


def _set_args(node: exp.Expr) -> Iterator[str]:
    for key, value in node.args.items():
        if value is None or value is False or value == [] or value == "":
            continue
        yield key


def _check_tree(tree: exp.Expr, ctx: _Context) -> None:
    limits = ctx.limits
    functions = ctx.engine.functions | KEYWORD_FUNCTIONS
    nodes = joins = cross_joins = set_ops = 0
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise ctx.refuse("too_complex", what=f"> {limits.max_nodes} nodes")
        if depth > limits.max_depth:
            raise ctx.refuse("too_complex", what="nesting")
        _check_node(node, ctx, functions)
        if isinstance(node, exp.Join):
            joins += 1
            if not node.args.get("on") and not node.args.get("using"):
                cross_joins += 1
        elif isinstance(node, _SET_OPERATIONS):
            set_ops += 1
        for child in node.iter_expressions():
            stack.append((child, depth + 1))
    if joins > limits.max_joins:
        raise ctx.refuse("too_complex", what=f"> {limits.max_joins} joins")
    if cross_joins > limits.max_cross_joins:
        raise ctx.refuse("too_complex", what="joins without ON")
    if set_ops > limits.max_set_operations:
        raise ctx.refuse("too_complex", what=f"> {limits.max_set_operations} UNION/INTERSECT")
    _check_recursive_ctes(tree, ctx)


def _check_node(node: exp.Expr, ctx: _Context, functions: frozenset[str]) -> None:
    if isinstance(node, _WRITE_NODES):
        raise ctx.refuse("sql_not_read_only", what=_statement_kind(node, ctx))
    if isinstance(node, exp.Select) and (node.args.get("into") or node.args.get("locks")):
        what = "SELECT INTO" if node.args.get("into") else "FOR UPDATE"
        raise ctx.refuse("sql_not_read_only", what=what)
    if isinstance(node, exp.Func) and not isinstance(node, _OPERATOR_FUNCS):
        _check_function(node, ctx, functions)
        return
    allowed_args = _ALLOWED_NODES.get(type(node), ...)
    if allowed_args is ...:
        raise ctx.refuse("syntax_not_allowed", what=_construct_name(node))
    if allowed_args is not None:
        extra = [key for key in _set_args(node) if key not in allowed_args]
        if extra:
            raise ctx.refuse("syntax_not_allowed", what=_construct_name(node, extra[0]))
    if isinstance(node, exp.Var):
        _check_var(node, ctx)
    elif isinstance(node, exp.Table):
        _check_table_shape(node, ctx)
    elif isinstance(node, exp.Join):
        kind = (node.args.get("kind") or "").upper()
        side = (node.args.get("side") or "").upper()
        if kind not in _ALLOWED_JOIN_KINDS or side not in _ALLOWED_JOIN_SIDES:
            raise ctx.refuse("syntax_not_allowed", what=f"{side} {kind} JOIN".strip())
    elif isinstance(node, exp.Offset):
        value = _int_literal(node.expression)
        if value is None or value > ctx.limits.max_offset:
            raise ctx.refuse("syntax_not_allowed", what="OFFSET")
    elif isinstance(node, exp.Limit):
        # The outermost LIMIT is replaced by the row cap; inner ones must be plain numbers.
        if _int_literal(node.expression) is None and not _is_root_limit(node):
            raise ctx.refuse("syntax_not_allowed", what="LIMIT")
    elif isinstance(node, exp.Identifier) and not isinstance(node.this, str):
        raise ctx.refuse("syntax_not_allowed", what="identifier")


def _construct_name(node: exp.Expr, arg: str | None = None) -> str:
    name = type(node).__name__
    if arg:
        return f"{name}.{arg.rstrip('_')}".upper()
    return name.upper()


def _check_var(node: exp.Var, ctx: _Context) -> None:
    # Vars are bare keywords (EXTRACT(YEAR ...), INTERVAL units, COLLATE NOCASE, LIMIT ALL).
    if not isinstance(node.parent, _VAR_PARENTS) or not _IDENT_RE.match(node.name or ""):
        raise ctx.refuse("syntax_not_allowed", what=str(node.name)[:40] or "VAR")


def _check_table_shape(node: exp.Table, ctx: _Context) -> None:
    if not isinstance(node.this, exp.Identifier):
        # A function in FROM (pragma_table_info(...), generate_series(...), pg_read_file(...)).
        name = node.this.name if isinstance(node.this, exp.Func) else _construct_name(node.this)
        raise ctx.refuse("function_not_allowed", function=str(name).lower() or "?")
    if not isinstance(node.parent, (exp.From, exp.Join)):
        raise ctx.refuse("syntax_not_allowed", what="TABLE")
    db = node.args.get("db")
    if db is not None and ctx.norm(db.name) != ctx.engine.default_schema:
        raise ctx.refuse("table_not_allowed", table=f"{db.name}.{node.name}")


def _check_function(node: exp.Func, ctx: _Context, functions: frozenset[str]) -> None:
    name = _printed_function_name(node, ctx)
    if name is not None and name in functions:
        return
    if not isinstance(node, exp.Anonymous) and _prints_transparently(node, ctx):
        return
    raise ctx.refuse("function_not_allowed", function=(name or _construct_name(node))[:60])


def _prints_transparently(node: exp.Func, ctx: _Context) -> bool:
    """True when the node adds no text of its own where it sits (a conversion sqlglot's parser
    wrapped around an argument, e.g. the date in STRFTIME('%Y', fecha)); its argument is still
    checked like every other node."""
    parent, inner = node.parent, node.args.get("this")
    if parent is None or not isinstance(inner, exp.Expr) or len(list(_set_args(node))) != 1:
        return False
    try:
        before = parent.sql(dialect=ctx.dialect, comments=False)
        clone = parent.copy()
        slot = clone.args.get(node.arg_key)
        target = slot[node.index] if isinstance(slot, list) else slot
        target.replace(inner.copy())
        return clone.sql(dialect=ctx.dialect, comments=False) == before
    except (SqlglotError, AttributeError, IndexError, TypeError):
        return False


def _printed_function_name(node: exp.Func, ctx: _Context) -> str | None:
    """The name the database will see for this call: checked on what is printed, not parsed."""
    if isinstance(node, exp.Anonymous):
        this = node.args.get("this")
        if isinstance(this, exp.Identifier):
            if this.quoted:  # "pg_sleep"(1), U&"..." tricks: never a legitimate need here
                return None
            this = this.this
        if not isinstance(this, str) or not _IDENT_RE.match(this):
            return None
        return this.lower()
    try:
        printed = node.sql(dialect=ctx.dialect, comments=False)
    except SqlglotError:
        return None
    match = _PRINTED_FUNC_RE.match(printed)
    if match:
        return match.group(1).lower()
    if printed in _BARE_KEYWORD_FUNCS:
        return printed.lower()
    if printed.startswith("CASE "):
        return "case"
    return None


def _int_literal(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
        return int(node.this)
    return None


def _is_root_limit(node: exp.Limit) -> bool:
    return node.parent is not None and node.parent.parent is None


def _check_recursive_ctes(tree: exp.Expr, ctx: _Context) -> None:
    # An unbounded recursive CTE runs until the deadline; require a stop condition (a WHERE in
    # the recursive arm). The executor's deadline still bounds a condition that never holds.
    for with_ in tree.find_all(exp.With):
        if not with_.args.get("recursive"):
            continue
        for cte in with_.expressions:
            body = cte.this
            if isinstance(body, _SET_OPERATIONS):
                arm = body.expression
                if isinstance(arm, exp.Select) and not arm.args.get("where"):
                    raise ctx.refuse("too_complex", what="WITH RECURSIVE without a stop condition")


# ---------------------------------------------------------------------------------------------
# 3. Tables, qualification, scopes


def _cte_names(tree: exp.Expr) -> set[str]:
    return {cte.alias_or_name for cte in tree.find_all(exp.CTE)}


def _precheck_tables(tree: exp.Expr, ctx: _Context) -> None:
    """Refuse unknown or forbidden tables before qualification, with a clear message."""
    ctes = {ctx.norm(name) for name in _cte_names(tree)}
    # Only allowed tables can be filtered or read, and naming only them avoids an existence
    # oracle for the others (a forbidden table's name used as a CTE is simply a CTE).
    shadowing = ctes & ctx.allowed
    if shadowing:
        # A CTE named like a real table makes "which one is read" depend on scoping rules that
        # differ between engines; the row-level-security rewrite must never guess.
        raise ctx.refuse("table_not_allowed", table=sorted(shadowing)[0], hint=_cte_hint(ctx))
    for table in tree.find_all(exp.Table):
        name = ctx.norm(table.name)
        if name in ctes and not table.args.get("db"):
            continue  # resolved precisely after scoping
        if name not in ctx.allowed:
            raise ctx.refuse("table_not_allowed", table=table.name, hint=_tables_hint(ctx))


def _cte_hint(ctx: _Context) -> str:
    return (
        " Usa otro nombre para la subconsulta WITH."
        if ctx.lang == "es"
        else " Use another name for the WITH subquery."
    )


def _tables_hint(ctx: _Context) -> str:
    names = ", ".join(sorted(ctx.tables[t] for t in ctx.allowed))
    if not names:
        return ""
    return f" Tablas disponibles: {names}." if ctx.lang == "es" else f" Available tables: {names}."


def _columns_hint(ctx: _Context, tables: Iterable[str]) -> str:
    parts = []
    for table in sorted(set(tables) & ctx.allowed):
        cols = ", ".join(ctx.columns.get(table, {}).values())
        parts.append(f"{ctx.tables[table]}({cols})")
    if not parts:
        return ""
    joined = "; ".join(parts)
    return (
        f" Columnas disponibles: {joined}."
        if ctx.lang == "es"
        else f" Available columns: {joined}."
    )


def _refuse_whole_rows(tree: exp.Expr, ctx: _Context) -> None:
    """A table's name used as a column (`SELECT t FROM t`) is the whole row in PostgreSQL and
    DuckDB: every column, masked ones included. qualify makes it a TableColumn; refused as the
    unknown column it is in SQLite and MariaDB."""
    for node in tree.find_all(exp.TableColumn):
        raise ctx.refuse("column_not_allowed", column=node.name)


def _output_names_before_qualify(tree: exp.Expr, ctx: _Context) -> dict[int, str]:
    """Readable names for unaliased expression outputs (qualify would call them _col_N)."""
    select = _leftmost_select(tree)
    if select is None or any(isinstance(p, exp.Star) for p in select.expressions):
        return {}
    names = {}
    for index, projection in enumerate(select.expressions):
        if isinstance(projection, (exp.Alias, exp.Column)):
            continue
        text = projection.sql(dialect=ctx.dialect, comments=False)
        if len(text) <= 60:
            names[index] = text
    return names


def _leftmost_select(tree: exp.Expr) -> exp.Select | None:
    node = tree
    while isinstance(node, (*_SET_OPERATIONS, exp.Subquery)):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def _qualify(tree: exp.Expr, ctx: _Context) -> exp.Expr:
    # Only allowed tables are visible to the qualifier: a forbidden table cannot be resolved.
    schema = {ctx.tables[t]: dict(ctx.schema[ctx.tables[t]]) for t in ctx.allowed}
    try:
        return qualify(
            tree,
            schema=schema,
            dialect=ctx.dialect,
            quote_identifiers=True,
            identify=False,
            validate_qualify_columns=True,
        )
    except OptimizeError as error:
        text = str(error)
        match = re.search(r"Column '([^']*)' could not be resolved", text)
        if match:
            raise ctx.refuse(
                "column_not_allowed",
                column=match.group(1)[:80],
                hint=_columns_hint(ctx, _table_names(tree, ctx)),
            ) from None
        position = re.search(r"Unknown output column: (\d+)", text)
        if position:  # ORDER BY 5 / GROUP BY 2 past the last output column: not a table issue
            raise ctx.refuse("column_not_allowed", column=position.group(1)) from None
        if "Unknown table" in text or "Unknown" in text:
            raise ctx.refuse("table_not_allowed", table="?", hint=_tables_hint(ctx)) from None
        raise ctx.refuse("column_not_allowed", column="?", detail=text[:200]) from None
    except RecursionError:
        raise ctx.refuse("too_complex", what="nesting") from None
    except SqlglotError as error:
        raise ctx.refuse("parse_error", detail=type(error).__name__) from None


def _table_names(tree: exp.Expr, ctx: _Context) -> set[str]:
    return {ctx.norm(t.name) for t in tree.find_all(exp.Table)}


# ---------------------------------------------------------------------------------------------
# 4. Lineage: which real columns feed each output, and where masked data would flow


@dataclass(frozen=True)
class _Lineage:
    reads: frozenset[tuple[str, str]] = frozenset()
    tainted: bool = False  # fed by a masked column

    def __or__(self, other: _Lineage) -> _Lineage:
        return _Lineage(self.reads | other.reads, self.tainted or other.tainted)


_EMPTY = _Lineage()


@dataclass
class _Analysis:
    tree: exp.Expr
    scopes: list[Scope]
    tables: set[str] = field(default_factory=set)
    reads: set[tuple[str, str]] = field(default_factory=set)
    masked_projections: list[exp.Expr] = field(default_factory=list)
    masked_outputs: tuple[str, ...] = ()
    real_tables: list[exp.Table] = field(default_factory=list)


def _analyse(tree: exp.Expr, ctx: _Context) -> _Analysis:
    try:
        scopes = traverse_scope(tree)
    except (OptimizeError, RecursionError):
        raise ctx.refuse("too_complex", what="scopes") from None
    analysis = _Analysis(tree=tree, scopes=scopes)
    outputs: dict[int, list[tuple[str, _Lineage]]] = {}  # id(scope.expression) -> outputs
    accounted: set[int] = set()  # Table nodes resolved as a real table or a CTE reference
    real_ids: set[int] = set()
    to_mask: dict[int, exp.Expr] = {}
    column_reads: list[tuple[exp.Column, tuple[str, str]]] = []

    for scope in scopes:
        if _scope_depth(scope) > ctx.limits.max_subquery_depth:
            raise ctx.refuse("too_complex", what="subqueries")
        for _name, (node, source) in scope.selected_sources.items():
            if isinstance(node, exp.Table):
                accounted.add(id(node))
                if isinstance(source, exp.Table) and id(source) not in real_ids:
                    real_ids.add(id(source))
                    _check_real_table(source, ctx)
                    analysis.real_tables.append(source)
                    analysis.tables.add(ctx.tables[ctx.norm(source.name)])
        if isinstance(scope.expression, _SET_OPERATIONS):
            outputs[id(scope.expression)] = _set_operation_outputs(scope, outputs, ctx)
            _check_set_operation_order(scope, outputs[id(scope.expression)], ctx)
            continue
        if not isinstance(scope.expression, exp.Select):
            raise ctx.refuse("syntax_not_allowed", what=_construct_name(scope.expression))
        outputs[id(scope.expression)] = _select_outputs(scope, outputs, ctx, to_mask, column_reads)

    for table in tree.find_all(exp.Table):
        if id(table) not in accounted:  # fail closed: a table the scope model did not explain
            raise ctx.refuse("table_not_allowed", table=table.name)

    for scope in scopes:
        select = scope.expression
        if isinstance(select, exp.Select) and _collapses_rows(select):
            tainted = [name for name, lineage in outputs.get(id(select), []) if lineage.tainted]
            if tainted:
                # A mask is a constant: DISTINCT or an aggregate over it would return a
                # different number of rows (or a fake count) than the real column. Refuse
                # rather than answer with a result of the wrong shape.
                raise ctx.refuse(
                    "column_masked", column=tainted[0], detail="aggregate or DISTINCT over a mask"
                )

    root_outputs = outputs.get(id(tree), [])
    analysis.masked_outputs = tuple(name for name, lineage in root_outputs if lineage.tainted)
    analysis.masked_projections = list(to_mask.values())
    masked_nodes = set(to_mask)
    for column, origin in column_reads:
        if not _inside_any(column, masked_nodes):
            analysis.reads.add(origin)
    return analysis


def _collapses_rows(select: exp.Select) -> bool:
    """DISTINCT, GROUP BY or an aggregate: rows are merged, so a masked input changes the shape."""
    if select.args.get("distinct") or select.args.get("group"):
        return True
    return any(
        isinstance(node, exp.AggFunc) and not node.find_ancestor(exp.Window)
        for projection in select.expressions
        for node in projection.walk()
    )


def _scope_depth(scope: Scope) -> int:
    depth = 0
    while scope.parent is not None:
        depth += 1
        scope = scope.parent
    return depth


def _check_real_table(table: exp.Table, ctx: _Context) -> None:
    name = ctx.norm(table.name)
    if name not in ctx.allowed:
        raise ctx.refuse("table_not_allowed", table=table.name, hint=_tables_hint(ctx))
    db = table.args.get("db")
    if db is not None and ctx.norm(db.name) != ctx.engine.default_schema:
        raise ctx.refuse("table_not_allowed", table=f"{db.name}.{table.name}")


def _set_operation_outputs(
    scope: Scope, outputs: dict[int, list[tuple[str, _Lineage]]], ctx: _Context
) -> list[tuple[str, _Lineage]]:
    arms = scope.set_operation_scopes
    if len(arms) != 2:
        raise ctx.refuse("syntax_not_allowed", what="SET OPERATION")
    left = outputs.get(id(arms[0].expression))
    right = outputs.get(id(arms[1].expression))
    if left is None or right is None:
        raise ctx.refuse("syntax_not_allowed", what="SET OPERATION")
    merged = [(name, lin | other) for (name, lin), (_, other) in zip(left, right, strict=False)]
    return _rename_outputs(merged, scope)


def _check_set_operation_order(
    scope: Scope, items: list[tuple[str, _Lineage]], ctx: _Context
) -> None:
    order = scope.expression.args.get("order")
    if order is None:
        return
    by_name = dict(items)
    for column in order.find_all(exp.Column):
        lineage = by_name.get(column.name)
        if lineage is None:
            raise ctx.refuse("column_not_allowed", column=column.name)
        if lineage.tainted:
            raise ctx.refuse("column_masked", column=_masked_label(lineage, column.name, ctx))


def _rename_outputs(items: list[tuple[str, _Lineage]], scope: Scope) -> list[tuple[str, _Lineage]]:
    # A column list on the alias (WITH c(n) AS ..., (SELECT ...) AS t(a, b)) renames by position.
    if scope.outer_columns:
        return [
            (outer or name, lin)
            for (name, lin), outer in zip(
                items, list(scope.outer_columns) + [""] * len(items), strict=False
            )
        ]
    return items


def _select_outputs(
    scope: Scope,
    outputs: dict[int, list[tuple[str, _Lineage]]],
    ctx: _Context,
    to_mask: dict[int, exp.Expr],
    column_reads: list[tuple[exp.Column, tuple[str, str]]],
) -> list[tuple[str, _Lineage]]:
    select: exp.Select = scope.expression
    projections = list(select.expressions)
    projection_ids = {id(p): i for i, p in enumerate(projections)}
    per_projection = [_EMPTY] * len(projections)
    pending_alias_refs: list[tuple[exp.Column, str]] = []
    predicate_uses: list[tuple[_Lineage, str, str]] = []  # (lineage, clause, column label)

    for node in walk_in_scope(select):
        if isinstance(node, exp.Star) and isinstance(node.parent, exp.Select):
            raise ctx.refuse("column_not_allowed", column="*")
        if not isinstance(node, exp.Column):
            continue
        clause, index, in_window = _position(node, select, projection_ids)
        if not node.table:
            if clause in ("order", "distinct"):  # ORDER BY / DISTINCT ON an output name
                pending_alias_refs.append((node, clause))
                continue
            raise ctx.refuse("column_not_allowed", column=node.name)
        lineage, origin = _resolve_column(node, scope, outputs, ctx)
        if origin is not None:
            column_reads.append((node, origin))
        label = f"{node.table}.{node.name}"
        if clause == "expressions" and index is not None and not in_window:
            per_projection[index] = per_projection[index] | lineage
        else:
            predicate_uses.append((lineage, clause or "expressions", label))

    # Scalar and predicate subqueries: their outputs flow where the subquery sits.
    for child in scope.subquery_scopes:
        child_outputs = outputs.get(id(child.expression), [])
        lineage = _EMPTY
        for _, lin in child_outputs:
            lineage = lineage | lin
        if isinstance(child.expression.parent, exp.Exists):
            continue  # EXISTS reads no value from its subquery's projections
        clause, index, in_window = _position(child.expression, select, projection_ids)
        if clause == "expressions" and index is not None and not in_window:
            per_projection[index] = per_projection[index] | lineage
        elif lineage.tainted:
            predicate_uses.append((lineage, clause or "expressions", "(subquery)"))

    names = [p.alias_or_name for p in projections]
    for column, clause in pending_alias_refs:
        if column.name not in names:
            raise ctx.refuse("column_not_allowed", column=column.name)
        predicate_uses.append((per_projection[names.index(column.name)], clause, column.name))

    for lineage, _clause, label in predicate_uses:
        if lineage.tainted:
            raise ctx.refuse("column_masked", column=_masked_label(lineage, label, ctx))

    for index, projection in enumerate(projections):
        if per_projection[index].tainted:
            to_mask[id(projection)] = projection
    return _rename_outputs(list(zip(names, per_projection, strict=True)), scope)


def _masked_label(lineage: _Lineage, fallback: str, ctx: _Context) -> str:
    masked = sorted(f"{ctx.tables.get(t, t)}.{c}" for t, c in lineage.reads if (t, c) in ctx.masked)
    return masked[0] if masked else fallback


def _position(
    node: exp.Expr, select: exp.Select, projection_ids: Mapping[int, int]
) -> tuple[str | None, int | None, bool]:
    """Which clause of `select` holds `node`, its projection index, and if inside OVER (...)."""
    in_window = False
    index = None
    current = node
    while current is not None and current is not select:
        parent = current.parent
        if isinstance(parent, exp.Window) and current.arg_key in ("partition_by", "order"):
            in_window = True
        if parent is select:
            index = projection_ids.get(id(current))
            return current.arg_key, index, in_window
        current = parent
    return None, None, in_window


def _resolve_column(
    column: exp.Column,
    scope: Scope,
    outputs: Mapping[int, list[tuple[str, _Lineage]]],
    ctx: _Context,
) -> tuple[_Lineage, tuple[str, str] | None]:
    table_alias = column.table
    current: Scope | None = scope
    source = None
    while current is not None:
        found = current.selected_sources.get(table_alias)
        if found is not None:
            source = found[1]
            break
        current = current.parent
    if source is None:
        raise ctx.refuse("column_not_allowed", column=f"{table_alias}.{column.name}")
    if isinstance(source, exp.Table):
        table = ctx.norm(source.name)
        col = ctx.norm(column.name)
        real_cols = ctx.columns.get(table, {})
        if col not in real_cols or table not in ctx.allowed:
            raise ctx.refuse(
                "column_not_allowed", column=column.name, hint=_columns_hint(ctx, [table])
            )
        origin = (ctx.tables[table], real_cols[col])
        return _Lineage(frozenset({origin}), (table, col) in ctx.masked), origin
    inner = outputs.get(id(source.expression))
    if inner is None:
        raise ctx.refuse("column_not_allowed", column=f"{table_alias}.{column.name}")
    for name, lineage in inner:
        if name == column.name:
            return lineage, None
    raise ctx.refuse("column_not_allowed", column=f"{table_alias}.{column.name}")


def _inside_any(node: exp.Expr, ancestor_ids: set[int]) -> bool:
    current = node
    while current is not None:
        if id(current) in ancestor_ids:
            return True
        current = current.parent
    return False


# ---------------------------------------------------------------------------------------------
# 5. Rewrites


def _restore_output_names(tree: exp.Expr, names: Mapping[int, str]) -> None:
    if not names:
        return
    select = _leftmost_select(tree)
    if select is None:
        return
    current = [p.alias_or_name for p in select.expressions]
    renames = {}
    for index, pretty in names.items():
        if index >= len(select.expressions):
            continue
        projection = select.expressions[index]
        generated = f"_col_{index}"
        if projection.alias != generated or pretty in current:
            continue
        projection.set("alias", exp.to_identifier(pretty, quoted=True))
        renames[generated] = pretty
        current[index] = pretty
    if not renames:
        return
    order = tree.args.get("order")
    if order is not None:
        for column in order.find_all(exp.Column):
            if not column.table and column.name in renames:
                column.set("this", exp.to_identifier(renames[column.name], quoted=True))


def _apply_masks(analysis: _Analysis) -> None:
    for projection in analysis.masked_projections:
        name = projection.alias_or_name
        projection.replace(exp.alias_(exp.Literal.string(MASK), name, quoted=True))


def _apply_row_filters(analysis: _Analysis, ctx: _Context) -> list[tuple[str, str, str]]:
    applied: list[tuple[str, str, str]] = []
    for table in analysis.real_tables:
        real = ctx.tables[ctx.norm(table.name)]
        filters = ctx.policy.filters_for(real)
        if not filters:
            continue
        real_cols = ctx.columns[ctx.norm(real)]
        conditions = []
        for row_filter in filters:
            col = real_cols.get(ctx.norm(row_filter.column))
            if col is None:  # a policy naming a column the source lacks: deny, never ignore
                raise ctx.refuse("not_authorized", detail="row filter column missing")
            condition = _filter_condition(col, row_filter.values)
            conditions.append(condition)
            applied.append((real, col, f"{real}.{condition.sql(dialect=ctx.dialect)}"))
        # The inner SELECT lists only unmasked columns: masked ones are never read.
        visible = [c for n, c in real_cols.items() if (ctx.norm(real), n) not in ctx.masked]
        inner = exp.Table(this=exp.to_identifier(real))
        db = table.args.get("db")
        if db is not None:
            inner.set("db", db.copy())
        subquery = (
            exp.select(*[exp.column(c) for c in visible])
            .from_(inner)
            .where(exp.and_(*conditions))
            .subquery(table.alias_or_name)
        )
        table.replace(subquery)
    return applied


def _filter_condition(column: str, values: tuple[object, ...]) -> exp.Expr:
    if not values:  # a filter that admits nothing: no row is visible
        return exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))
    return exp.In(this=exp.column(column), expressions=[_literal(v) for v in values])


def _literal(value: object) -> exp.Expr:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"unsupported row-filter value type: {type(value).__name__}")
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(value)


def _apply_row_cap(tree: exp.Expr, ctx: _Context) -> None:
    cap = ctx.policy.count_cap + 1
    limit = tree.args.get("limit")
    current = _int_literal(limit.expression) if isinstance(limit, exp.Limit) else None
    if current is not None and current <= cap:
        return
    tree.set("limit", exp.Limit(expression=exp.Literal.number(cap)))
