"""TIOCSTI pushes characters into a terminal's input queue: with the runner's tty a
script could type commands into the parent shell. There must be no terminal at all."""
import ctypes
import fcntl
import os
import termios

print("ATTEMPT tiocsti", flush=True)
targets = [0, 1, 2]
try:
    targets.append(os.open("/dev/tty", os.O_RDWR))
except OSError as e:
    print("CONTAINED /dev/tty", e.strerror, flush=True)
for fd in targets:
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"#")
        print("ESC" "APED TIOCSTI worked on fd", fd, flush=True)
    except OSError as e:
        print("CONTAINED TIOCSTI fd", fd, e.strerror, flush=True)
