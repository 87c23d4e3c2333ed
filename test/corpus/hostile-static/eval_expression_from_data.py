"""Evaluate a 'formula' column: arbitrary code from the data file."""
formula = open("formula.txt").read()
print(eval(formula))
