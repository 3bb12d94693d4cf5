"""VRE sandbox helpers for Python.

    import vre
    df = vre.sql("select sex, count(*) as n from patients group by all")   # -> pandas.DataFrame
    vre.tables()                                                          # tables you can query

DuckDB runs in Node inside the sandbox (there is no DuckDB for Python here). In a notebook,
vre.sql() runs on the notebook's own DuckDB connection, so it sees the temp tables your SQL cells
made. In a terminal, the first call starts one `vre-query --serve` helper that lives as long as
this Python process, so temp tables made with vre.sql("create temp table ...") persist between calls.
The dataset (env VRE_DATASET, default /data/dataset.duckdb) is always opened read-only.
"""

__all__ = ["sql", "tables", "SQLError"]
__version__ = "0.1.0"


class SQLError(Exception):
    """A DuckDB error: .ename is DuckDB's error class (e.g. "CatalogError"), .message its text."""

    def __init__(self, ename, message):
        super().__init__(message)
        self.ename = ename
        self.message = message


def sql(query):
    """Run SQL (one or more statements) and return the last statement's result as a DataFrame.

    Column dtypes follow DuckDB's types: integers -> int8..uint64 (pandas' nullable Int64 etc.
    when there are NULLs), DOUBLE/DECIMAL -> float64, DATE/TIMESTAMP -> datetime64[ns],
    TIMESTAMPTZ -> datetime64[ns, UTC], INTERVAL -> timedelta64[ns], ENUM -> category,
    BOOLEAN -> bool/boolean, VARCHAR/BLOB/TIME/LIST/STRUCT -> object.
    """
    if not isinstance(query, str):
        raise TypeError("vre.sql() takes the SQL text as a string")
    from . import _client, _convert

    payload = _client.query(query)
    if "error" in payload:
        err = payload["error"]
        raise SQLError(err.get("ename", "Error"), err.get("message", ""))
    return _convert.to_dataframe(payload)


def tables():
    """The tables and views you can query: dataset (read-only), scratch (memory) and temp."""
    return sql(
        """
        SELECT CASE database_name WHEN 'dataset' THEN 'dataset (read-only)'
                                  WHEN 'temp' THEN 'temp' ELSE 'scratch' END AS "where",
               CASE WHEN schema_name = 'main' THEN table_name ELSE schema_name || '.' || table_name END AS name,
               estimated_size AS approx_rows, column_count AS columns
        FROM duckdb_tables() WHERE NOT internal
        ORDER BY database_name = 'dataset' DESC, database_name, schema_name, table_name
        """
    )
