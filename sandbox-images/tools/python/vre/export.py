"""Sending a Python cell's table to the outbox (vre-kernel's "export" op).

vre-kernel runs, silently in the researcher's IPython kernel:
    import vre.export; vre.export.last_value_to_csv(SOURCE, PATH)
which evaluates the LAST expression of the cell's SOURCE again in the kernel's namespace (the
statements before it already ran when the cell did) and writes all of its rows to PATH as CSV.
The value must be a pandas DataFrame or Series, or a fitted statsmodels model (its results: it has
df_resid), whose coefficient table (params, bse, tvalues, pvalues) is written. PATH must not exist
yet. Prints {"rows": N}, with "residualDf": K for a model, so the airlock's residual degrees of
freedom rule can decide. scikit-learn models do not keep the number of samples they were fitted
on, so their residual degrees of freedom can't be told: export a table of their coefficients.
"""

import ast
import json
import math


def last_value_to_csv(source, path):
    import pandas as pd
    from IPython import get_ipython

    tree = ast.parse(source)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ValueError("the cell must end with an expression whose value is a table (a pandas DataFrame)")
    code = compile(ast.Expression(tree.body[-1].value), "<cell>", "eval")
    try:
        value = eval(code, get_ipython().user_ns)
    except NameError as e:
        raise NameError("%s; run the cell first, then send its result" % e) from None
    report = {}
    if _is_model(value):
        value, report["residualDf"] = _coefficients(value)
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if not isinstance(value, pd.DataFrame):
        raise TypeError("the cell's last value is of type %s, not a table (a pandas DataFrame)" % type(value).__name__)
    keep_index = not isinstance(value.index, pd.RangeIndex)
    with open(path, "x", encoding="utf-8", newline="") as f:
        value.to_csv(f, index=keep_index)
    report["rows"] = len(value)
    if report.get("residualDf") is None:
        report.pop("residualDf", None)
    print(json.dumps(report))


def _is_model(value):
    """A fitted statsmodels model: its results carry the residual degrees of freedom and the parameters."""
    return hasattr(value, "df_resid") and hasattr(value, "params") and hasattr(value, "model")


def _coefficients(results):
    """The model's coefficient table and its residual degrees of freedom (None if not a finite number)."""
    import numpy as np
    import pandas as pd

    params = results.params
    if getattr(params, "ndim", 1) != 1:
        raise TypeError("the model has several equations; send a table of its coefficients instead")
    names = list(params.index) if isinstance(params, pd.Series) else list(getattr(results.model, "exog_names", None) or range(len(params)))
    table = pd.DataFrame(index=pd.Index(names, name="term"))
    for column in ("params", "bse", "tvalues", "pvalues"):
        try:
            values = np.asarray(getattr(results, column), dtype=float).ravel()
        except Exception:  # a model without standard errors (regularized fits): the column is left out
            continue
        if len(values) == len(names):
            table[column] = values
    try:
        df = float(results.df_resid)
    except (TypeError, ValueError):
        df = float("nan")
    return table, (math.floor(df) if math.isfinite(df) and df >= 0 else None)
