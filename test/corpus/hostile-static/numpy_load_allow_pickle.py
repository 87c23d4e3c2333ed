"""numpy.load with allow_pickle=True unpickles object arrays."""
import numpy as np

arr = np.load("data.npy", allow_pickle=True)
