"""Installs a tracer in every thread started later."""
import threading


def tracer(frame, event, arg):
    return None


threading.settrace(tracer)
