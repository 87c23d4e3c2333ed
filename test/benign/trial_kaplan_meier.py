"""Kaplan-Meier survival curves per trial arm, computed by hand with numpy."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

SRC = Path(__file__).resolve().with_name("trial_outcomes.csv")
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])


def kaplan_meier(durations: np.ndarray, events: np.ndarray):
    """Return event times and the survival estimate just after each of them."""
    times = np.unique(durations[events == 1])
    survival = []
    s = 1.0
    for t in times:
        at_risk = np.sum(durations >= t)
        died = np.sum((durations == t) & (events == 1))
        s *= 1 - died / at_risk
        survival.append(s)
    return times, np.array(survival)


trial = pd.read_csv(SRC)
rows = []
plt.figure(figsize=(7, 4.5))
for arm, grp in trial.groupby("arm"):
    t, s = kaplan_meier(grp["days_to_event"].to_numpy(), grp["event"].to_numpy())
    plt.step(np.r_[0, t], np.r_[1.0, s], where="post", label=arm)
    median = t[np.argmax(s <= 0.5)] if (s <= 0.5).any() else None
    rows.append({"arm": arm, "patients": len(grp), "events": int(grp["event"].sum()), "survival_at_365": round(float(s[-1]), 3), "median_days": median})
plt.xlabel("days")
plt.ylabel("event-free probability")
plt.ylim(0, 1.02)
plt.legend()
plt.grid(alpha=0.3)
plt.tight_layout()
plt.savefig(OUT / "kaplan_meier.png", dpi=120)

summary = pd.DataFrame(rows)
summary.to_csv(OUT / "km_summary.csv", index=False)
print(summary.to_string(index=False))
