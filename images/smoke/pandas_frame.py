import os

import pandas as pd

from _smoke import OUT, check

df = pd.DataFrame({"city": ["a", "b", "a", "c"], "value": [1, 2, 3, 4]})
summary = df.groupby("city", as_index=False)["value"].sum()
path = os.path.join(OUT, "summary.csv")
summary.to_csv(path, index=False)
check(summary["value"].tolist() == [4, 2, 4], f"pandas {pd.__version__}: groupby + CSV", file="summary.csv")
