"""Stress score distribution per team, with group statistics."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

survey = pd.read_csv(HERE / "survey.csv")
teams = sorted(survey["team"].unique())
groups = [survey.loc[survey["team"] == team, "stress_score"] for team in teams]

stats = survey.groupby("team")["stress_score"].describe()[["count", "mean", "50%", "std"]]
stats = stats.rename(columns={"50%": "median"}).round(2)
stats.to_csv(OUT / "stress_by_team.csv")

fig, ax = plt.subplots(figsize=(6, 4))
ax.boxplot(groups, labels=teams, showmeans=True)
ax.set_ylabel("stress score (0-10)")
ax.set_title("Stress by team")
fig.tight_layout()
fig.savefig(OUT / "stress_by_team.png", dpi=120)
print(stats)
