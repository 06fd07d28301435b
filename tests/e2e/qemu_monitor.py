#!/usr/bin/env python3
"""qemu_monitor.py SOCKET COMMAND... - sends each command to QEMU's human
monitor on a unix socket, one at a time, waiting for its prompt back."""
import socket
import sys
import time


def main():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(600)

    def until_prompt():
        out = b""
        while not out.rstrip().endswith(b"(qemu)"):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out

    until_prompt()
    for cmd in sys.argv[2:]:
        s.sendall(cmd.encode() + b"\n")
        if cmd == "quit":
            time.sleep(1)
            break
        until_prompt()


if __name__ == "__main__":
    main()
