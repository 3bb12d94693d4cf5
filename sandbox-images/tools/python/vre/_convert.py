"""Column-major query results (see /opt/vre/lib/columnar.mjs) -> pandas.DataFrame with DuckDB-like dtypes."""

import base64
import datetime as _dt

import numpy as np
import pandas as pd

_INT_DTYPES = {
    "TINYINT": "int8",
    "SMALLINT": "int16",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "UTINYINT": "uint8",
    "USMALLINT": "uint16",
    "UINTEGER": "uint32",
    "UBIGINT": "uint64",
}
_NULLABLE = {k: k.capitalize() if not k.startswith("u") else "UInt" + k[4:] for k in set(_INT_DTYPES.values())}
_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_EPOCH = _dt.datetime(1970, 1, 1)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_I64_MAX = 2**63 - 1


def to_dataframe(payload):
    columns = payload.get("columns", [])
    data = payload.get("data", [])
    frame = {meta["name"]: _column(meta, values) for meta, values in zip(columns, data)}
    return pd.DataFrame(frame, columns=[m["name"] for m in columns])


def _column(meta, values):
    kind = meta.get("kind")
    has_null = any(v is None for v in values)
    if kind == "bool":
        return pd.array(values, dtype="boolean") if has_null else np.array(values, dtype=bool)
    if kind == "int":
        return _ints(meta["type"], values, has_null)
    if kind in ("float", "decimal"):
        dtype = "float32" if meta["type"] == "FLOAT" else "float64"
        return np.array([np.nan if v is None else v for v in values], dtype=dtype)
    if kind == "date":
        return _dates(values, has_null)
    if kind in ("timestamp", "timestamptz"):
        return _timestamps(values, meta.get("unit", "us"), kind == "timestamptz", has_null)
    if kind == "time":
        div = 1000 if meta.get("unit") == "ns" else 1
        return np.array([None if v is None else _time_of(v // div) for v in values], dtype=object)
    if kind == "interval":
        # Months count as 30 days (as DuckDB's own Python client does).
        return pd.to_timedelta(
            [None if v is None else (v[0] * 30 + v[1]) * 86_400_000_000 + v[2] for v in values], unit="us"
        )
    if kind == "blob":
        return np.array([None if v is None else base64.b64decode(v) for v in values], dtype=object)
    if kind == "enum":
        return pd.Categorical(values, categories=meta.get("categories") or None)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _ints(type_name, values, has_null):
    dtype = _INT_DTYPES.get(type_name)
    if dtype is None:  # HUGEINT, UHUGEINT, BIGNUM: int64 when every value fits, else Python ints
        if all(v is None or -(2**63) <= v <= _I64_MAX for v in values):
            dtype = "int64"
        else:
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out
    if has_null:
        return pd.array(values, dtype=_NULLABLE[dtype])
    return np.array(values, dtype=dtype)


def _dates(values, has_null):
    ints = [v for v in values if v is not None]
    # datetime64[ns] covers 1677-09-22 .. 2262-04-11; outside that (or +-infinity): datetime.date objects.
    if all(isinstance(v, int) and -106_750 <= v <= 106_750 for v in ints):
        arr = np.array([0 if v is None else v for v in values], dtype="int64").astype("datetime64[D]").astype("datetime64[ns]")
        if has_null:
            arr[[v is None for v in values]] = np.datetime64("NaT")
        return arr
    return np.array([None if v is None else _date_of(v) for v in values], dtype=object)


def _date_of(days):
    if isinstance(days, str):
        return days
    try:
        return _EPOCH_DATE + _dt.timedelta(days=days)
    except OverflowError:
        return str(days)


def _timestamps(values, unit, utc, has_null):
    factor = _UNIT_NS[unit]
    limit = _I64_MAX // factor
    if all(v is None or (isinstance(v, int) and -limit <= v <= limit) for v in values):
        arr = np.array([0 if v is None else v for v in values], dtype="int64") * factor
        arr = arr.view("datetime64[ns]")
        if has_null:
            arr = arr.copy()
            arr[[v is None for v in values]] = np.datetime64("NaT")
        s = pd.DatetimeIndex(arr)
        return s.tz_localize("UTC") if utc else arr
    out = np.array([None if v is None else _datetime_of(v, factor, utc) for v in values], dtype=object)
    return out


def _datetime_of(v, factor, utc):
    if isinstance(v, str):
        return v
    try:
        d = _EPOCH + _dt.timedelta(microseconds=v * factor // 1000)
    except OverflowError:
        return str(v)
    return d.replace(tzinfo=_dt.timezone.utc) if utc else d


def _time_of(micros):
    s, us = divmod(int(micros), 1_000_000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    if h >= 24:  # TIME '24:00:00'
        return _dt.time(23, 59, 59, 999_999)
    return _dt.time(h, m, s, us)
