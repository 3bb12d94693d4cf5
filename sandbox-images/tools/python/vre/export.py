"""Sending a Python cell's table to the outbox (vre-kernel's "export" op).

vre-kernel runs, silently in the researcher's IPython kernel:
    import vre.export; vre.export.last_value_to_csv(SOURCE, PATH)
which evaluates the LAST expression of the cell's SOURCE again in the kernel's namespace (the
statements before it already ran when the cell did) and writes all of its rows to PATH as CSV.
The value must be a pandas DataFrame or Series. PATH must not exist yet. Prints {"rows": N}.
"""

import ast
import json


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
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if not isinstance(value, pd.DataFrame):
        raise TypeError("the cell's last value is of type %s, not a table (a pandas DataFrame)" % type(value).__name__)
    keep_index = not isinstance(value.index, pd.RangeIndex)
    with open(path, "x", encoding="utf-8", newline="") as f:
        value.to_csv(f, index=keep_index)
    print(json.dumps({"rows": len(value)}))
