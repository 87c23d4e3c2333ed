"""Week-12 blood pressure change: Welch t-test between arms, Cohen's d, and a box plot."""
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

trial = pd.read_csv(here / "trial_outcomes.csv")
trial["change"] = trial["week12_bp"] - trial["baseline_bp"]
treat = trial.loc[trial["arm"] == "treatment", "change"]
placebo = trial.loc[trial["arm"] == "placebo", "change"]

t, p = stats.ttest_ind(treat, placebo, equal_var=False)
pooled_sd = np.sqrt((treat.var(ddof=1) + placebo.var(ddof=1)) / 2)
d = (treat.mean() - placebo.mean()) / pooled_sd

result = {
    "n_treatment": int(treat.size),
    "n_placebo": int(placebo.size),
    "mean_change_treatment": round(treat.mean(), 2),
    "mean_change_placebo": round(placebo.mean(), 2),
    "welch_t": round(float(t), 3),
    "p_value": float(f"{p:.3g}"),
    "cohens_d": round(float(d), 3),
}
(out / "bp_ttest.json").write_text(json.dumps(result, indent=2))

fig, ax = plt.subplots(figsize=(5, 4))
ax.boxplot([placebo, treat], labels=["placebo", "treatment"])
ax.axhline(0, color="grey", lw=0.8)
ax.set_ylabel("change in systolic BP (mmHg)")
fig.tight_layout()
fig.savefig(out / "bp_change.png", dpi=120)
print(result)
