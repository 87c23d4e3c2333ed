"""joblib.load unpickles the model file."""
import joblib

model = joblib.load("model.joblib")
