"""Correlation between sleep, coffee and stress in the survey, as a table and a heatmap."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

survey = pd.read_csv(HERE / "survey.csv")
numeric = survey[["age", "hours_sleep", "coffee_cups", "stress_score"]]
pearson = numeric.corr(method="pearson")
spearman = numeric.corr(method="spearman")
pearson.round(3).to_csv(OUT / "pearson.csv")
spearman.round(3).to_csv(OUT / "spearman.csv")

fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(pearson, cmap="coolwarm", vmin=-1, vmax=1)
ax.set_xticks(range(len(pearson.columns)), pearson.columns, rotation=45, ha="right")
ax.set_yticks(range(len(pearson.index)), pearson.index)
for i in range(len(pearson.index)):
    for j in range(len(pearson.columns)):
        ax.text(j, i, f"{pearson.iat[i, j]:.2f}", ha="center", va="center", fontsize=8)
fig.colorbar(image, ax=ax, label="Pearson r")
ax.set_title("Survey correlations")
fig.tight_layout()
fig.savefig(OUT / "correlations.png", dpi=120)
print(pearson.round(3))
