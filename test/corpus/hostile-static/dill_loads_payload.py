"""dill extends pickle: same code execution on load."""
import dill

obj = dill.loads(open("obj.dill", "rb").read())
