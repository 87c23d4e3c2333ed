"""pandas.read_pickle unpickles whatever the file holds."""
import pandas as pd

df = pd.read_pickle("frame.pkl")
