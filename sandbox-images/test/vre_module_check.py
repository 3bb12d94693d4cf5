"""Checks of the `vre` Python module, run inside a sandbox container as the researcher:

    docker exec -i CONTAINER python3 - < sandbox-images/test/vre_module_check.py

Uses the terminal transport (vre-query --serve); needs the sample dataset at /data/dataset.duckdb.
"""

import datetime as dt
import sys
import time

import numpy as np
import pandas as pd

import vre

failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + (" (%s)" % detail if detail else ""))
    if not ok:
        failures.append(name)


t = time.monotonic()
df = vre.sql("select * from patients order by patient_id")
first_ms = (time.monotonic() - t) * 1000
check("vre.sql returns a DataFrame", isinstance(df, pd.DataFrame) and len(df) == 500, "first call %.0f ms" % first_ms)
check("dtypes", str(df.patient_id.dtype) == "int64" and str(df.first_visit.dtype) == "datetime64[ns]" and df.sex.dtype == object,
      str(df.dtypes.to_dict()))
t = time.monotonic()
labs = vre.sql("select * from labs")
check("second call reuses the helper", len(labs) == 5000, "%.0f ms" % ((time.monotonic() - t) * 1000))
check("DECIMAL -> float64, TIMESTAMP -> datetime64[ns], INTEGER -> int32",
      str(labs.value.dtype) == "float64" and str(labs.measured_at.dtype) == "datetime64[ns]" and str(labs.patient_id.dtype) == "int32",
      str(labs.dtypes.to_dict()))

types = vre.sql(
    """
    create temp table t as select 1 as a;
    select 1::tinyint ti, null::integer n_int, [1, null]::integer[] l, {'k': 2} s,
           true b, null::boolean nb, 1.5::float f, 'nan'::double nan, 'inf'::double inf,
           123456789012345678901::hugeint huge, 18446744073709551615::ubigint ub,
           date '2020-02-29' d, null::date nd, 'infinity'::date infd, date '9999-12-31' far,
           timestamp '2021-01-01 12:34:56.789012' ts, timestamptz '2021-01-01 00:00:00+09' tz,
           time '13:14:15.5' tm, interval '1 month 2 days 3 hours' iv, 'ab'::blob bl,
           'x'::varchar v, '00000000-0000-0000-0000-000000000001'::uuid u
    """
)
r = types.iloc[0]
check("TINYINT -> int8", str(types.ti.dtype) == "int8")
check("INTEGER with NULL -> nullable Int32", str(types.n_int.dtype) == "Int32" and r.n_int is pd.NA)
check("LIST -> Python list", r.l == [1, None])
check("STRUCT -> dict", r.s == {"k": 2})
check("BOOLEAN -> bool, with NULL -> boolean", str(types.b.dtype) == "bool" and str(types.nb.dtype) == "boolean")
check("FLOAT -> float32", str(types.f.dtype) == "float32" and r.f == 1.5)
check("NaN / inf", np.isnan(r.nan) and np.isinf(r.inf))
check("HUGEINT beyond int64 -> Python int", r.huge == 123456789012345678901)
check("UBIGINT max -> uint64", str(types.ub.dtype) == "uint64" and int(r.ub) == 2**64 - 1)
check("DATE -> Timestamp", r.d == pd.Timestamp("2020-02-29") and pd.isna(r.nd))
check("DATE infinity / year 9999 -> object", r.infd == "infinity" and r.far == dt.date(9999, 12, 31), "%r %r" % (r.infd, r.far))
check("TIMESTAMP exact to the microsecond", r.ts == pd.Timestamp("2021-01-01 12:34:56.789012"))
check("TIMESTAMPTZ -> UTC-aware", str(types.tz.dtype) == "datetime64[ns, UTC]" and r.tz == pd.Timestamp("2020-12-31 15:00:00", tz="UTC"))
check("TIME -> datetime.time", r.tm == dt.time(13, 14, 15, 500000))
check("INTERVAL -> Timedelta", r.iv == pd.Timedelta(days=32, hours=3))
check("BLOB -> bytes", r.bl == b"ab")
check("VARCHAR / UUID -> str", r.v == "x" and r.u == "00000000-0000-0000-0000-000000000001")

check("temp table persists between vre.sql calls in one process", vre.sql("select * from t").a.tolist() == [1])
empty = vre.sql("select patient_id, sex from patients where false")
check("empty result keeps columns and dtypes", list(empty.columns) == ["patient_id", "sex"] and len(empty) == 0 and str(empty.patient_id.dtype) == "int64")
enum = vre.sql("select * from (values ('a'), ('b'), (null)) v(x)")
check("VALUES", enum.x.tolist()[:2] == ["a", "b"])

try:
    vre.sql("select * from nosuch")
    check("SQL error raises vre.SQLError", False)
except vre.SQLError as e:
    check("SQL error raises vre.SQLError", e.ename == "CatalogError", e.ename)

try:
    vre.sql("insert into patients select * from patients")
    check("dataset is read-only from Python", False)
except vre.SQLError as e:
    check("dataset is read-only from Python", "read-only" in e.message)

big = vre.sql("select i, i * 0.5 as half, 'row ' || i as label from range(1000000) t(i)")
check("1M rows", len(big) == 1_000_000 and big.i.iloc[-1] == 999_999)
t = time.monotonic()
vre.sql("select i, i * 0.5 as half, 'row ' || i as label from range(1000000) t(i)")
print("1M rows x 3 columns: %.2f s" % (time.monotonic() - t))

print(vre.tables().to_string())
print("FAILED: " + ", ".join(failures) if failures else "all vre module checks passed")
sys.exit(1 if failures else 0)
