"""UDP egress: a DNS query sent straight to public resolvers and the bridge gateway.
A send that leaves the container and any reply are escapes."""
import socket

QUERY = bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")  # A example.com
print("ATTEMPT udp-egress", flush=True)
for host in ("8.8.8.8", "1.1.1.1", "172.17.0.1", "10.0.2.3"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(QUERY, (host, 53))
        try:
            data, peer = s.recvfrom(512)
            print("ESC" "APED udp reply from", peer, len(data), "bytes", flush=True)
        except OSError as e:
            # The datagram may have left even without a reply: that is already egress.
            print("ESC" "APED udp datagram sent to", host, "(no reply:", e, ")", flush=True)
    except OSError as e:
        print("CONTAINED udp", host, e.strerror or e, flush=True)
    finally:
        s.close()
