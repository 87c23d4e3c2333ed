"""Replaces sys.excepthook so a crash prints nothing and looks like success."""
import sys

sys.excepthook = lambda kind, value, tb: None
raise SystemExit("never shown") from None
