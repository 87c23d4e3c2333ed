"""Opens a cleartext telnet session."""
import telnetlib

tn = telnetlib.Telnet("203.0.113.5")
tn.write(b"id\n")
