#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Daily log returns, rolling 20-day volatility and drawdowns for three tickers."""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

DATA = Path(__file__).with_name("stock_prices.csv")
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

prices = pd.read_csv(DATA, parse_dates=["date"]).pivot(index="date", columns="ticker", values="close")
returns = np.log(prices / prices.shift(1)).dropna()
vol = returns.rolling(20).std() * np.sqrt(252)
drawdown = prices / prices.cummax() - 1

stats = pd.DataFrame(
    {
        "annualised_return": returns.mean() * 252,
        "annualised_vol": returns.std() * np.sqrt(252),
        "max_drawdown": drawdown.min(),
    }
)
stats["sharpe_like"] = stats["annualised_return"] / stats["annualised_vol"]
stats.round(4).to_csv(OUT / "ticker_stats.csv")
print(stats.round(3))

fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
(prices / prices.iloc[0]).plot(ax=axes[0], title="Normalised price")
vol.plot(ax=axes[1], title="Rolling 20d volatility (annualised)")
drawdown.plot(ax=axes[2], title="Drawdown")
for ax in axes:
    ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(OUT / "stocks_overview.png", dpi=110)
