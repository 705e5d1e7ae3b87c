"""qemu's guestfwd `cmd:` runs this for each guest connection, with the connection on
stdin/stdout: it relays it to 127.0.0.1:PORT (in the test's network namespace). When
nothing listens there, the guest's connection just closes: the service is unreachable."""
import os
import selectors
import socket
import sys


def main():
    try:
        peer = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    except OSError:
        return 1
    peer.settimeout(None)
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ, "in")
    sel.register(peer, selectors.EVENT_READ, "peer")
    open_ends = 2
    while open_ends:
        for key, _ in sel.select():
            if key.data == "in":
                data = os.read(0, 65536)
                if not data:
                    sel.unregister(0)
                    peer.shutdown(socket.SHUT_WR)
                    open_ends -= 1
                else:
                    peer.sendall(data)
            else:
                data = peer.recv(65536)
                if not data:
                    sel.unregister(peer)
                    os.close(1)
                    open_ends -= 1
                else:
                    while data:
                        data = data[os.write(1, data):]
    return 0


if __name__ == "__main__":
    sys.exit(main())
