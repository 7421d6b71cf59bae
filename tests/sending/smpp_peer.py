"""A small SMPP 3.4 server on 127.0.0.1 for tests, on raw sockets (independent of smpplib):
binds, answers submit_sm with an id and then a delivery receipt, answers enquire_link, and can
drop the connection after a given number of submit_sm (without answering the last)."""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006


@dataclass
class Submitted:
    destination: str
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes
    message_id: str


@dataclass
class Peer:
    port: int = 0
    submitted: list[Submitted] = field(default_factory=list)
    binds: list[tuple[str, str]] = field(default_factory=list)
    enquire_links: int = 0
    drop_after: int | None = None  # close the connection on this many-th submit_sm
    receipt_status: str = "DELIVRD"
    _sock: socket.socket | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _outbound: list[bytes] = field(default_factory=list)

    def start(self) -> Peer:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()

    def send_inbound(self, source: str, text: str) -> None:
        """An inbound (mobile-originated) message, sent on the next chance."""
        self._outbound.append(_deliver_sm(source, "15005550006", 0, text.encode("latin-1")))

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(0.2)
            try:
                self._session(conn)
            except (ConnectionError, OSError):
                pass
            finally:
                conn.close()

    def _session(self, conn: socket.socket) -> None:
        sequence = 1000
        while not self._stop.is_set():
            while self._outbound:
                sequence += 1
                conn.sendall(_frame(DELIVER_SM, 0, sequence, self._outbound.pop(0)))
            try:
                header = _read(conn, 16)
            except TimeoutError:
                continue
            length, command, _status, seq = struct.unpack(">IIII", header)
            body = _read(conn, length - 16) if length > 16 else b""
            if command == BIND_TRANSCEIVER:
                system_id, rest = _cstring(body)
                password, _ = _cstring(rest)
                self.binds.append((system_id, password))
                conn.sendall(_frame(BIND_TRANSCEIVER_RESP, 0, seq, b"peer\x00"))
            elif command == ENQUIRE_LINK:
                self.enquire_links += 1
                conn.sendall(_frame(ENQUIRE_LINK_RESP, 0, seq, b""))
            elif command == UNBIND:
                conn.sendall(_frame(UNBIND_RESP, 0, seq, b""))
                return
            elif command == SUBMIT_SM:
                if self.drop_after is not None and len(self.submitted) + 1 >= self.drop_after:
                    self.drop_after = None
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                submitted = _parse_submit(body, f"peer-{len(self.submitted) + 1}")
                self.submitted.append(submitted)
                conn.sendall(
                    _frame(SUBMIT_SM_RESP, 0, seq, submitted.message_id.encode() + b"\x00")
                )
                receipt = (
                    f"id:{submitted.message_id} sub:001 dlvrd:001 submit date:2611101200 "
                    f"done date:2611101200 stat:{self.receipt_status} err:000 text:"
                )
                sequence += 1
                conn.sendall(
                    _frame(
                        DELIVER_SM,
                        0,
                        sequence,
                        _deliver_sm("15005550006", submitted.destination, 0x04, receipt.encode()),
                    )
                )


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _frame(command: int, status: int, sequence: int, body: bytes) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


def _cstring(data: bytes) -> tuple[str, bytes]:
    end = data.index(b"\x00")
    return data[:end].decode("latin-1"), data[end + 1 :]


def _parse_submit(body: bytes, message_id: str) -> Submitted:
    _service_type, rest = _cstring(body)
    rest = rest[2:]  # source ton, npi
    _source, rest = _cstring(rest)
    rest = rest[2:]  # destination ton, npi
    destination, rest = _cstring(rest)
    esm_class, _protocol, _priority = rest[0], rest[1], rest[2]
    rest = rest[3:]
    _schedule, rest = _cstring(rest)
    _validity, rest = _cstring(rest)
    registered, _replace, coding, _default, length = rest[0], rest[1], rest[2], rest[3], rest[4]
    return Submitted(destination, esm_class, coding, registered, rest[5 : 5 + length], message_id)


def _deliver_sm(source: str, destination: str, esm_class: int, message: bytes) -> bytes:
    return (
        b"\x00"
        + b"\x01\x01"
        + source.encode()
        + b"\x00"
        + b"\x01\x01"
        + destination.encode()
        + b"\x00"
        + bytes((esm_class, 0, 0))
        + b"\x00\x00"
        + bytes((0, 0, 0, 0, len(message)))
        + message
    )
