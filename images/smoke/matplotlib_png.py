import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from _smoke import OUT, check  # noqa: E402

fig, ax = plt.subplots(figsize=(4, 3))
ax.plot([0, 1, 2, 3], [1, 4, 2, 5], marker="o")
ax.set_title("airlock smoke")
path = os.path.join(OUT, "plot.png")
fig.savefig(path, dpi=80)
check(os.path.getsize(path) > 0, f"matplotlib {matplotlib.__version__} wrote plot.png", file="plot.png")
