"""Notebook display of DataFrames as VRE table outputs.

vre-kernel asks IPython for the MIME type application/vnd.vre.table+json, whose value is the
kernel protocol's table output without "type":
    {"columns": [{"name", "type"}], "rows": [[...]], "rowCount": N, "truncated": bool}
Rows are capped by VRE_ROW_CAP (default 1000). Values are JSON-safe: NaN/None/NaT -> null,
+-inf -> "Infinity"/"-Infinity", timestamps -> ISO text, everything else non-JSON -> str().
A non-default index is shown as leading column(s).
"""

import datetime as _dt
import decimal
import math
import os

MIME = "application/vnd.vre.table+json"


def row_cap():
    try:
        n = int(os.environ.get("VRE_ROW_CAP", "1000"))
        return n if n >= 0 else 1000
    except ValueError:
        return 1000


def _json_value(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v if -(2**53) < v < 2**53 else str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, str):
        return v
    import numpy as np
    import pandas as pd

    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return _json_value(int(v))
    if isinstance(v, np.floating):
        return _json_value(float(v))
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return v.isoformat(sep=" ") if isinstance(v, _dt.datetime) else v.isoformat()
    if isinstance(v, (pd.Timedelta, _dt.timedelta)):
        return str(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return repr(bytes(v))
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return [_json_value(x) for x in v.tolist()]
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _col_name(c):
    if isinstance(c, tuple):
        return " / ".join(str(x) for x in c)
    return str(c)


def table_payload(obj, cap=None):
    """DataFrame or Series -> table dict (see module doc)."""
    import pandas as pd

    if isinstance(obj, pd.Series):
        obj = obj.to_frame(name=obj.name if obj.name is not None else 0)
    cap = row_cap() if cap is None else cap
    n = len(obj)
    head = obj.iloc[:cap]
    idx = obj.index
    default_index = isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and idx.name is None
    columns = []
    series = []
    if not default_index:
        names = list(idx.names) if isinstance(idx, pd.MultiIndex) else [idx.name]
        for level, name in enumerate(names):
            values = head.index.get_level_values(level) if isinstance(idx, pd.MultiIndex) else head.index
            columns.append({"name": "" if name is None else str(name), "type": str(values.dtype), "index": True})
            series.append(list(values))
    for i, c in enumerate(obj.columns):
        col = head.iloc[:, i]
        columns.append({"name": _col_name(c), "type": str(col.dtype)})
        series.append(col.tolist())
    rows = [[_json_value(s[r]) for s in series] for r in range(len(head))]
    return {"columns": columns, "rows": rows, "rowCount": n, "truncated": n > len(head)}


def install(ip):
    """Register the table MIME type for pandas objects in an IPython shell (no pandas import needed)."""
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    class VreTableFormatter(BaseFormatter):
        format_type = Unicode(MIME)
        print_method = ObjectName("_repr_vre_table_")
        _return_type = (dict,)

    formatters = ip.display_formatter.formatters
    if MIME not in formatters:
        formatters[MIME] = VreTableFormatter(parent=ip.display_formatter)
    f = formatters[MIME]
    f.for_type_by_name("pandas.core.frame", "DataFrame", table_payload)
    f.for_type_by_name("pandas.core.series", "Series", table_payload)
    return f
