"""The functions a query may call, per dialect: shared by the guard and the executor.

The guard checks the name each function call will have in the SQL it prints; the SQLite executor's
authorizer checks the name SQLite reports at prepare time. Both read these sets, so the two layers
cannot drift apart. Lower-case names, allowlist only: anything absent is refused.

Deliberately absent (each was used in a known attack, see docs/threat-model.md): load_extension,
randomblob, zeroblob, printf/format (huge widths), fts3_tokenizer, every pg_*/lo_*/dblink*,
query_to_xml and friends, set_config, current_setting, version, nextval/setval/currval,
generate_series, repeat, lpad/rpad (memory DoS by width), regexp functions (backtracking DoS), json
functions (table-valued forms read schema), sqlite_* introspection functions; for DuckDB also every
table function (read_csv/read_parquet/read_json/glob/query/query_table/range, duckdb_*, pragma_*),
getenv, current_setting, which_secret and the extension functions."""

from __future__ import annotations

_AGGREGATES = frozenset({"avg", "count", "max", "min", "sum"})

_WINDOW = frozenset(
    {
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "first_value",
        "last_value",
        "nth_value",
    }
)

_COMMON_SCALAR = frozenset(
    {
        "abs",
        "coalesce",
        "nullif",
        "lower",
        "upper",
        "length",
        "trim",
        "ltrim",
        "rtrim",
        "replace",
        "round",
        "sign",
        "substr",
        "substring",
        "ceil",
        "ceiling",
        "floor",
        "exp",
        "ln",
        "log",
        "mod",
        "power",
        "sqrt",
        "trunc",
        "pi",
        "random",
        "current_date",
        "current_timestamp",
    }
)

SQLITE_FUNCTIONS: frozenset[str] = (
    _AGGREGATES
    | _WINDOW
    | _COMMON_SCALAR
    | frozenset(
        {
            # aggregates
            "group_concat",
            "total",
            # scalar
            "ifnull",
            "iif",
            "instr",
            "typeof",
            "hex",
            "unicode",
            "char",
            "log10",
            "log2",
            "pow",
            "current_time",
            # LIKE and GLOB operators are function calls to SQLite's authorizer
            "like",
            "glob",
            # date and time
            "date",
            "time",
            "datetime",
            "julianday",
            "strftime",
            "unixepoch",
        }
    )
)

POSTGRES_FUNCTIONS: frozenset[str] = (
    _AGGREGATES
    | _WINDOW
    | _COMMON_SCALAR
    | frozenset(
        {
            # aggregates
            "string_agg",
            "percentile_cont",
            "percentile_disc",
            "mode",
            "stddev",
            "stddev_pop",
            "stddev_samp",
            "variance",
            "var_pop",
            "var_samp",
            "corr",
            "covar_pop",
            "covar_samp",
            "bool_and",
            "bool_or",
            # scalar
            "greatest",
            "least",
            "char_length",
            "initcap",
            "btrim",
            "split_part",
            "left",
            "right",
            "position",
            "strpos",
            "concat",
            "concat_ws",
            "cbrt",
            "degrees",
            # date and time
            "date_trunc",
            "date_part",
            "extract",
            "to_char",
            "to_date",
            "to_timestamp",
            "to_number",
            "now",
            "age",
            "make_date",
        }
    )
)

# MariaDB/MySQL. Absent on purpose besides the list above: sleep, benchmark, load_file, get_lock
# and the other lock functions, user/current_user/database/version/connection_id (recon),
# lpad/rpad/repeat/space (memory DoS by width), regexp_* (backtracking), json_* and
# extractvalue/updatexml (error-based exfiltration), rand with a seed is `rand`.
MARIADB_FUNCTIONS: frozenset[str] = (
    _AGGREGATES
    | _WINDOW
    | _COMMON_SCALAR
    | frozenset(
        {
            # aggregates
            "group_concat",
            "std",
            "stddev",
            "stddev_pop",
            "stddev_samp",
            "variance",
            "var_pop",
            "var_samp",
            # scalar
            "if",
            "ifnull",
            "greatest",
            "least",
            "char_length",
            "concat",
            "concat_ws",
            "left",
            "right",
            "locate",
            "instr",
            "position",
            "truncate",
            "log10",
            "log2",
            "pow",
            "rand",
            "degrees",
            # date and time
            "date",
            "date_format",
            "str_to_date",
            "year",
            "month",
            "day",
            "dayofmonth",
            "dayofweek",
            "dayofyear",
            "weekday",
            "week",
            "quarter",
            "extract",
            "curdate",
            "now",
            "date_add",
            "date_sub",
            "datediff",
            "timestampdiff",
            "last_day",
            "makedate",
        }
    )
)

DUCKDB_FUNCTIONS: frozenset[str] = (
    _AGGREGATES
    | _WINDOW
    | _COMMON_SCALAR
    | frozenset(
        {
            # aggregates
            "string_agg",
            "median",
            "quantile_cont",
            "quantile_disc",
            "mode",
            "stddev",
            "stddev_pop",
            "stddev_samp",
            "variance",
            "var_pop",
            "var_samp",
            "corr",
            "bool_and",
            "bool_or",
            "count_star",
            "arg_max",
            "arg_min",
            # scalar
            "greatest",
            "least",
            "ifnull",
            "concat",
            "concat_ws",
            "left",
            "right",
            "position",
            "strpos",
            "instr",
            "split_part",
            "starts_with",
            "contains",
            "prefix",
            "suffix",
            "like",
            "ilike",
            "log10",
            "log2",
            "pow",
            "fmod",
            "cbrt",
            "degrees",
            "radians",
            "try_cast",
            # date and time (no strptime/strftime with user formats beyond these names)
            "date_trunc",
            "date_part",
            "datepart",
            "date_diff",
            "datediff",
            "date_add",
            "date_sub",
            "extract",
            "strftime",
            "strptime",
            "make_date",
            "year",
            "month",
            "day",
            "quarter",
            "week",
            "weekday",
            "dayofweek",
            "dayofmonth",
            "dayofyear",
            "monthname",
            "dayname",
            "last_day",
            "epoch",
            "to_timestamp",
            "now",
            "today",
            "age",
        }
    )
)

# Keyword forms the guard sees as function nodes when it prints them (CASE ..., CAST(...)).
# They are not function calls to either engine, so the executor never needs them.
KEYWORD_FUNCTIONS: frozenset[str] = frozenset(
    {"case", "cast", "exists", "extract", "current_date", "current_time", "current_timestamp"}
)


def allowed_functions(dialect: str) -> frozenset[str]:
    """Function names (lower-case) a query in `dialect` may call: its adapter's `functions`
    (`dialects.UnknownDialect`, a ValueError, for an engine nobody registered)."""
    from .dialects import get_dialect

    return get_dialect(dialect).functions
