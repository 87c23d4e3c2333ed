"""A file Python cannot parse: a scanner that skips it would report it clean."""
def broken(:
    exec("print('never parsed')")
