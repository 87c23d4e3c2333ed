"""Eigen-decomposition, SVD and conditioning of a covariance matrix built from the survey."""
import json
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

raw = np.genfromtxt(HERE / "survey.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
columns = ["age", "hours_sleep", "coffee_cups", "stress_score"]
data = np.column_stack([raw[c].astype(float) for c in columns])

standardised = (data - data.mean(axis=0)) / data.std(axis=0, ddof=1)
covariance = np.cov(standardised, rowvar=False)
eigenvalues, eigenvectors = np.linalg.eigh(covariance)
order = np.argsort(eigenvalues)[::-1]
eigenvalues = eigenvalues[order]
eigenvectors = eigenvectors[:, order]
explained = eigenvalues / eigenvalues.sum()

singular_values = np.linalg.svd(standardised, compute_uv=False)
condition = float(np.linalg.cond(covariance))

result = {
    "columns": columns,
    "eigenvalues": np.round(eigenvalues, 4).tolist(),
    "explained_variance_ratio": np.round(explained, 4).tolist(),
    "first_component": dict(zip(columns, np.round(eigenvectors[:, 0], 4).tolist())),
    "singular_values": np.round(singular_values, 4).tolist(),
    "condition_number": round(condition, 3),
}
(OUT / "pca.json").write_text(json.dumps(result, indent=2))
np.savetxt(OUT / "covariance.csv", covariance, delimiter=",", fmt="%.5f", header=",".join(columns), comments="")
print(json.dumps(result, indent=2))
