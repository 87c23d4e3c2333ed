"""Makes multiprocessing start /bin/sh as its 'Python interpreter'."""
import multiprocessing

multiprocessing.set_executable("/bin/sh")
