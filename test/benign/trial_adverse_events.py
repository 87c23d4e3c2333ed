"""Adverse events by arm and sex: contingency table and chi-square test."""
import os
from pathlib import Path

import pandas as pd
from scipy.stats import chi2_contingency

base_dir = Path(__file__).resolve().parent
output_dir = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

trial = pd.read_csv(base_dir / "trial_outcomes.csv")
table = pd.crosstab(trial["arm"], trial["adverse_event"].map({0: "none", 1: "adverse event"}), margins=True)
print(table)

observed = pd.crosstab(trial["arm"], trial["adverse_event"])
chi2, p, dof, expected = chi2_contingency(observed)
print(f"chi2={chi2:.3f} dof={dof} p={p:.4f}")

by_sex = trial.groupby(["arm", "sex"])["adverse_event"].agg(["sum", "count", "mean"]).rename(columns={"sum": "events", "count": "patients", "mean": "rate"})
with open(output_dir / "adverse_events.txt", "w", encoding="utf-8") as report:
    report.write(table.to_string() + "\n\n")
    report.write(f"chi-square test of independence: chi2={chi2:.3f}, dof={dof}, p={p:.4f}\n\n")
    report.write(by_sex.round(3).to_string() + "\n")
