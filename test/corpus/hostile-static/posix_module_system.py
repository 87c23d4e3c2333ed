"""Calls system() from the posix module instead of os."""
import posix

posix.system("id")
