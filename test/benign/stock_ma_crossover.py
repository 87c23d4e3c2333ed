"""Moving-average crossover signals (10/30 days) and a back-of-the-envelope backtest."""
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
FAST, SLOW = 10, 30

prices = pd.read_csv(HERE / "stock_prices.csv", parse_dates=["date"])
results = []
signals = []
for ticker, grp in prices.groupby("ticker"):
    s = grp.set_index("date")["close"]
    fast, slow = s.rolling(FAST).mean(), s.rolling(SLOW).mean()
    position = (fast > slow).astype(int).shift(1).fillna(0)
    daily = s.pct_change().fillna(0)
    strategy = (1 + daily * position).prod() - 1
    buy_hold = s.iloc[-1] / s.iloc[0] - 1
    crossings = position.diff().fillna(0)
    for day, change in crossings[crossings != 0].items():
        signals.append({"ticker": ticker, "date": day.date(), "signal": "buy" if change > 0 else "sell", "close": s[day]})
    results.append({"ticker": ticker, "strategy_return": round(strategy, 4), "buy_and_hold": round(buy_hold, 4), "trades": int((crossings != 0).sum())})

pd.DataFrame(signals).to_csv(OUT / "crossover_signals.csv", index=False)
table = pd.DataFrame(results).set_index("ticker")
table.to_csv(OUT / "crossover_backtest.csv")
print(table)
