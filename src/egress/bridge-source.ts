/**
 * The in-container half of egress: a Python program the sandbox runs before the script.
 * It forks a bridge that listens on 127.0.0.1:PORT (the container has only loopback:
 * `--network none`) and joins each connection to Airlock's proxy through the unix
 * socket mounted into the container, waits until the bridge listens, then execs the
 * script in its place. It decides nothing: the proxy on the host checks every request.
 * A script that kills the bridge or takes its port only loses its own egress; the
 * launcher's `kill -9 -1` after the script ends it.
 *
 * Kept as text here (not a .py beside the sources) because the Action runs a bundle:
 * the file is written next to the socket for each run.
 *
 * argv: bridge.py SOCKET PORT -- COMMAND...
 */
export const BRIDGE_SOURCE = `import os, socket, sys, threading

def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def serve(listener, path):
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            upstream.close()
            continue
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

def main():
    path, port, sep, command = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    if sep != "--" or not command:
        sys.exit("usage: bridge.py SOCKET PORT -- COMMAND...")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError:
        # Only an earlier bridge of this run holds the port (under gVisor the install
        # phase's is not killed): it reaches the same proxy, which decides everything.
        listener.close()
        os.execvp(command[0], command)
    listener.listen(64)
    if os.fork() == 0:
        # The bridge keeps none of the script's stdio: its output is the script's alone.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        serve(listener, path)
        os._exit(0)
    listener.close()
    os.execvp(command[0], command)

main()
`;
