"""Hides work in __del__, which runs when the object is collected."""


class Summary:
    def __init__(self, rows):
        self.rows = rows

    def __del__(self):
        with open("/tmp/summary.log", "a") as fh:
            fh.write(str(self.rows))


Summary([1, 2, 3])
