# Test target for unsafe-deserialization.yaml (`semgrep --test` layout).
import json
import marshal
import pickle
import shelve
from multiprocessing.reduction import ForkingPickler

import _pickle
import dill
import joblib
import numpy as np
import pandas as pd
import torch
import yaml
from _pickle import loads as restore

# ruleid: airlock.unsafe-deserialization
model = pickle.load(open("model.pkl", "rb"))
# ruleid: airlock.unsafe-deserialization
code = marshal.loads(b"")
# ruleid: airlock.unsafe-deserialization
db = shelve.open("cache.db")
# ruleid: airlock.unsafe-deserialization
est = joblib.load("model.joblib")
# ruleid: airlock.unsafe-deserialization
frame = pd.read_pickle("frame.pkl")
# ruleid: airlock.unsafe-deserialization
arr = np.load("data.npy", allow_pickle=True)
# ruleid: airlock.unsafe-deserialization
cfg = yaml.load(open("c.yml"), Loader=yaml.Loader)
# ruleid: airlock.unsafe-deserialization
obj = _pickle.loads(b"")
# ruleid: airlock.unsafe-deserialization
obj2 = restore(b"")
# ruleid: airlock.unsafe-deserialization
obj3 = ForkingPickler.loads(b"")
# ruleid: airlock.unsafe-deserialization
obj4 = dill.loads(b"")
# ruleid: airlock.unsafe-deserialization
weights = torch.load("model.pt")
# ruleid: airlock.unsafe-deserialization
loader = pickle.loads
# ok: airlock.unsafe-deserialization
safe_weights = torch.load("model.pt", weights_only=True)
# ok: airlock.unsafe-deserialization
blob = pickle.dumps({"a": 1})
# ok: airlock.unsafe-deserialization
safe_cfg = yaml.load(open("c.yml"), Loader=yaml.SafeLoader)
# ok: airlock.unsafe-deserialization
safe_cfg2 = yaml.safe_load(open("c.yml"))
# ok: airlock.unsafe-deserialization
plain = np.load("data.npy")
# ok: airlock.unsafe-deserialization
rows = json.load(open("rows.json"))
