"""k-means (k=3) on standardised survey answers, implemented with numpy; cluster profiles."""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
FEATURES = ["age", "hours_sleep", "coffee_cups", "stress_score"]

survey = pd.read_csv(HERE / "survey.csv")
X = survey[FEATURES].to_numpy(dtype=float)
Z = (X - X.mean(axis=0)) / X.std(axis=0)


def kmeans(data, k, iterations=100, seed=0):
    rng = np.random.default_rng(seed)
    centres = data[rng.choice(len(data), size=k, replace=False)]
    for _ in range(iterations):
        labels = np.argmin(((data[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        new = np.array([data[labels == j].mean(axis=0) if np.any(labels == j) else centres[j] for j in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    inertia = float(((data - centres[labels]) ** 2).sum())
    return labels, centres, inertia


best = min((kmeans(Z, 3, seed=s) for s in range(10)), key=lambda r: r[2])
survey["cluster"] = best[0]
profile = survey.groupby("cluster")[FEATURES].mean().round(2)
profile["size"] = survey["cluster"].value_counts().sort_index()
profile.to_csv(OUT / "cluster_profiles.csv")
(OUT / "kmeans.json").write_text(json.dumps({"inertia": round(best[2], 3), "k": 3}, indent=2))
print(profile)
