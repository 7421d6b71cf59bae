"""A small SMPP 3.4 server on 127.0.0.1 for tests, on raw sockets (independent of smpplib):
binds (or refuses them), answers submit_sm with an id and then a delivery receipt (or refuses
chosen ones as throttled), answers query_sm for the ids it gave, answers enquire_link, can
drop the connection after a given number of submit_sm (without answering the last), and
sends a deliver_sm again (same body, a new sequence) on the next bind until it is answered
with deliver_sm_resp (which it can lose)."""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
THROTTLED = 0x00000058
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
QUERY_SM, QUERY_SM_RESP = 0x00000003, 0x80000003
QUERY_FAILED = 0x00000067


@dataclass
class Submitted:
    destination: str
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes
    message_id: str
    source: tuple[int, int, str] = (0, 0, "")  # TON, NPI, address
    dest_ton_npi: tuple[int, int] = (0, 0)


@dataclass
class Peer:
    port: int = 0
    submitted: list[Submitted] = field(default_factory=list)
    binds: list[tuple[str, str]] = field(default_factory=list)
    enquire_links: int = 0
    drop_after: int | None = None  # close the connection on this many-th submit_sm
    receipt_status: str = "DELIVRD"
    refuse_binds: int = 0  # a status to refuse every bind with (0: accept)
    throttle: set[int] = field(default_factory=set)  # the n-th submit_sm (from 1) is refused
    throttle_all_after: int | None = None  # refuse every submit_sm after this many
    offered: int = 0  # submit_sm received, refused ones included
    answer_in_groups_of: int = 1  # answers submit_sm only once this many wait for an answer
    most_waiting: int = 0  # the most submit_sm that waited for an answer at once
    _waiting: list[tuple[int, Submitted]] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)  # sequences of deliver_sm_resp received
    lose_answers: int = 0  # this many deliver_sm_resp are lost: the connection drops instead
    query_state: int = 2  # the message_state query_sm gets for an id it gave (2: DELIVERED)
    forget: bool = False  # query_sm fails for every id (the SMSC does not know them)
    queries: list[str] = field(default_factory=list)  # ids asked about with query_sm
    _unanswered: dict[int, bytes] = field(default_factory=dict)  # sequence -> deliver_sm body
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

    def send_receipt(self, message_id: str, status: str = "DELIVRD") -> None:
        self._outbound.append(_receipt(message_id, "447400123456", status))

    def unanswered(self) -> int:
        return len(self._unanswered)

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
        sequence = 1000 + 1000 * len(self.binds)
        bound, self._waiting = False, []  # what an earlier connection sent is not answered
        while not self._stop.is_set():
            while bound and self._outbound:
                sequence += 1
                self._deliver(conn, sequence, self._outbound.pop(0))
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
                conn.sendall(_frame(BIND_TRANSCEIVER_RESP, self.refuse_binds, seq, b"peer\x00"))
                if self.refuse_binds:
                    return
                bound = True
                waiting, self._unanswered = list(self._unanswered.values()), {}
                for again in waiting:  # not answered on an earlier bind: sent again
                    sequence += 1
                    self._deliver(conn, sequence, again)
            elif command == DELIVER_SM_RESP:
                if self.lose_answers:  # never arrived: sent again on the next bind
                    self.lose_answers -= 1
                    return
                self.answered.append(seq)
                self._unanswered.pop(seq, None)
            elif command == ENQUIRE_LINK:
                self.enquire_links += 1
                conn.sendall(_frame(ENQUIRE_LINK_RESP, 0, seq, b""))
            elif command == QUERY_SM:
                message_id, _ = _cstring(body)
                self.queries.append(message_id)
                known = not self.forget and message_id in {s.message_id for s in self.submitted}
                state = bytes((self.query_state if known else 0, 0))
                answer = message_id.encode() + b"\x00\x00" + state
                conn.sendall(_frame(QUERY_SM_RESP, 0 if known else QUERY_FAILED, seq, answer))
            elif command == UNBIND:
                conn.sendall(_frame(UNBIND_RESP, 0, seq, b""))
                return
            elif command == SUBMIT_SM:
                self.offered += 1
                if self.drop_after is not None and len(self.submitted) + 1 >= self.drop_after:
                    self.drop_after = None
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                after = self.throttle_all_after
                if self.offered in self.throttle or (after is not None and self.offered > after):
                    conn.sendall(_frame(SUBMIT_SM_RESP, THROTTLED, seq, b"\x00"))
                    continue
                submitted = _parse_submit(body, f"peer-{len(self.submitted) + 1}")
                self.submitted.append(submitted)
                self._waiting.append((seq, submitted))
                self.most_waiting = max(self.most_waiting, len(self._waiting))
                if len(self._waiting) < self.answer_in_groups_of:
                    continue
                for answered, done in self._waiting:
                    conn.sendall(
                        _frame(SUBMIT_SM_RESP, 0, answered, done.message_id.encode() + b"\x00")
                    )
                    sequence += 1
                    self._deliver(
                        conn,
                        sequence,
                        _receipt(done.message_id, done.destination, self.receipt_status),
                    )
                self._waiting = []

    def _deliver(self, conn: socket.socket, sequence: int, body: bytes) -> None:
        self._unanswered[sequence] = body
        conn.sendall(_frame(DELIVER_SM, 0, sequence, body))


def _receipt(message_id: str, destination: str, status: str) -> bytes:
    text = (
        f"id:{message_id} sub:001 dlvrd:001 submit date:2611101200 "
        f"done date:2611101200 stat:{status} err:000 text:"
    )
    return _deliver_sm("15005550006", destination, 0x04, text.encode())


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
    source_ton, source_npi = rest[0], rest[1]
    source, rest = _cstring(rest[2:])
    dest_ton_npi = (rest[0], rest[1])
    destination, rest = _cstring(rest[2:])
    esm_class, _protocol, _priority = rest[0], rest[1], rest[2]
    rest = rest[3:]
    _schedule, rest = _cstring(rest)
    _validity, rest = _cstring(rest)
    registered, _replace, coding, _default, length = rest[0], rest[1], rest[2], rest[3], rest[4]
    return Submitted(
        destination,
        esm_class,
        coding,
        registered,
        rest[5 : 5 + length],
        message_id,
        (source_ton, source_npi, source),
        dest_ton_npi,
    )


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
