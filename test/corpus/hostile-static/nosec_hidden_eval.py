"""eval hidden behind a nosec comment: only --ignore-nosec catches it."""
expr = open("expr.txt").read()
value = eval(expr)  # nosec
