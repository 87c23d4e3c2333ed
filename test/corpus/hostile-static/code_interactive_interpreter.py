"""Feeds source to code.InteractiveInterpreter: exec without the word exec."""
import code

interp = code.InteractiveInterpreter()
interp.runsource("import os; os.system('id')", symbol="exec")
