"""Find gaps in the sensor series, fill short ones by time interpolation, report long ones."""
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
MAX_FILL = pd.Timedelta(hours=3)

readings = pd.read_csv(HERE / "sensor_readings.csv", parse_dates=["timestamp"])
filled_frames = []
long_gaps = []
for sensor, grp in readings.groupby("sensor"):
    series = grp.set_index("timestamp")["value"].sort_index()
    step = series.index.to_series().diff().mode().iloc[0]
    full = series.reindex(pd.date_range(series.index.min(), series.index.max(), freq=step))
    limit = int(MAX_FILL / step)
    filled = full.interpolate(method="time", limit=limit, limit_area="inside")
    missing = full.isna()
    run_id = (missing != missing.shift()).cumsum()
    for _, run in full[missing].groupby(run_id[missing]):
        if len(run) > limit:
            long_gaps.append({"sensor": sensor, "from": run.index[0], "to": run.index[-1], "points": len(run)})
    filled_frames.append(filled.rename(sensor))

wide = pd.concat(filled_frames, axis=1)
wide.index.name = "timestamp"
wide.to_csv(OUT / "sensor_filled.csv")
pd.DataFrame(long_gaps, columns=["sensor", "from", "to", "points"]).to_csv(OUT / "sensor_long_gaps.csv", index=False)
print(f"filled {int(wide.notna().sum().sum() - readings.shape[0])} points; {len(long_gaps)} gaps too long to fill")
