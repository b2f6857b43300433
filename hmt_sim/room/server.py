"""Binding the seat server and running uvicorn in a thread beside the clock owner.

The socket is bound here, before uvicorn starts, so the join links (which carry the port) can be
printed at once and a port in use is a clear error, not a traceback. ``127.0.0.1`` is the
default; a LAN address is used only when the facilitator names one (``--bind ADDR``, or
``--bind lan`` for this machine's address on the network it routes through).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from typing import Any

from hmt_sim.errors import InputError

DEFAULT_BIND = "127.0.0.1"
DEFAULT_PORT = 8765
LIMIT_CONCURRENCY = 400
"""Connections and requests at once before the server answers 503 (a room has tens of seats)."""
WS_MAX_BYTES = 65536
"""uvicorn closes a connection sending more than this; the app refuses more than 4 KiB with a
message (``protocol.MAX_BYTES``)."""


def lan_address() -> str:
    """This machine's address on the network it routes through (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: a route lookup only, nothing is sent
        return str(probe.getsockname()[0])
    except OSError:
        raise InputError("--bind lan: this machine has no network route; connect to the "
                         "room's network or name the address with --bind ADDR") from None
    finally:
        probe.close()


def check_bind(addr: str) -> str:
    """``--bind`` as an IP address (``lan``: this machine's LAN address)."""
    if addr == "lan":
        return lan_address()
    try:
        return str(ipaddress.ip_address(addr.strip("[]")))
    except ValueError:
        raise InputError(f"--bind {addr!r}: give an IP address of this machine (e.g. "
                         "127.0.0.1, 192.168.1.20) or 'lan'") from None


def bind(addr: str, port: int) -> socket.socket:
    """A listening-ready socket on ``addr:port`` (port 0: any free port)."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: a port is 0..65535 (0: any free port)")
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((addr, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise InputError(f"--port {port}: already in use on {addr}; choose another port "
                             "(--port 0 picks a free one)") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise InputError(f"--bind {addr}: not an address of this machine") from None
        raise InputError(f"cannot listen on {addr}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


def public_host(addr: str) -> str:
    """The host part of a link to ``addr`` (an unspecified address becomes the LAN one)."""
    if addr in ("0.0.0.0", "::"):
        addr = lan_address()
    return f"[{addr}]" if ":" in addr else addr


def allowed_hosts(addr: str) -> set[str] | None:
    """Host names a request may carry (DNS rebinding guard); None when bound to every address."""
    if addr in ("0.0.0.0", "::"):
        return None
    hosts = {addr, f"[{addr}]"}
    if ipaddress.ip_address(addr).is_loopback:
        hosts |= {"localhost", "127.0.0.1", "[::1]", "::1"}
    return hosts


class ServerThread:
    """uvicorn serving ``app`` on an already bound socket, in a daemon thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        self.sock = sock
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                ws="websockets-sansio", ws_max_size=WS_MAX_BYTES,
                                ws_ping_interval=10.0, ws_ping_timeout=20.0,
                                limit_concurrency=LIMIT_CONCURRENCY)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="hmt-sim-room-web", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as error:  # reported by start()/alive to the main thread
            self.error = error

    @property
    def port(self) -> int:
        """The port actually bound."""
        return int(self.sock.getsockname()[1])

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; returns once connections are accepted."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if self.error is not None or not self.thread.is_alive():
                raise InputError(f"the seat server did not start: {self.error}")
            if time.monotonic() > deadline:
                raise InputError("the seat server did not start in time")
            time.sleep(0.02)

    @property
    def alive(self) -> bool:
        """Still serving?"""
        return self.thread.is_alive()

    def stop(self) -> None:
        """Close every connection and stop."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
