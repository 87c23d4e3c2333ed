import platform
import sys

from _smoke import check

v = sys.version_info
check(v >= (3, 11), f"Python {platform.python_version()} at {sys.executable}")
