"""SMPP 3.4 with `smpplib`: one transceiver bind, our own parts (see smpp_codec), a window of
outstanding submit_sm with the socket read while a batch is written, delivery receipts and
inbound messages answered only once committed, enquire_link when idle, and binds that back
off.

SMPP has no idempotency: a part sent whose submit_sm_resp never came (the connection dropped)
may or may not have reached the carrier, so its message is refused as not retryable (never
sent twice); messages of the batch not sent at all are refused as retryable. A part refused
as retryable (throttled, queue full) is sent again, with the same concatenation reference,
after a growing pause: a message goes whole, or fails with only the parts before it sent.

deliver_sm is answered with deliver_sm_resp only when `ack` is called (after the caller
committed what it received); smpplib answers inside `read_once`, so `_Client` defers it. A
receipt not answered is sent again by the SMSC, on this bind or the next.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import select
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from smsaddon.gateways.base import (
    Accepted,
    Capability,
    CarrierState,
    Collected,
    GatewayUnavailable,
    Inbound,
    OnAccepted,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.gateways.smpp_codec import RECEIPT, Part, decode, encode, parse_receipt

log = logging.getLogger("smsaddon.smpp")
RETRYABLE = {
    smpplib.consts.SMPP_ESME_RTHROTTLED,
    smpplib.consts.SMPP_ESME_RMSGQFUL,
    smpplib.consts.SMPP_ESME_RSYSERR,
}
LOST = (
    "the connection to the SMSC dropped before it answered; the message may have gone, "
    "so it is not resent"
)
PARTIAL = "the SMSC took only some of the parts; the rest were refused: {reason}"
_ERRORS = (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError)


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str
    source_addr: str = ""
    # TON/NPI: None picks the usual: an international number (+...) 1/1, digits 0/1 (short
    # code or national), letters 5/0 (alphanumeric); destinations are international 1/1.
    source_ton: int | None = None
    source_npi: int | None = None
    dest_ton: int = smpplib.consts.SMPP_TON_INTL
    dest_npi: int = smpplib.consts.SMPP_NPI_ISDN
    tps: int = 50  # submit_sm per second on this connection
    window: int = 10  # submit_sm sent and not answered yet, at most
    timeout: float = 10.0  # seconds to wait for the SMSC's answers
    enquire_every: float = 30.0  # seconds idle before an enquire_link
    part_tries: int = 4  # sends of one part refused as retryable, at most
    part_backoff: float = 0.5  # seconds before the first resend of a part, doubling
    bind_backoff: float = 1.0  # seconds after a failed bind, doubling ...
    bind_backoff_cap: float = 300.0  # ... up to this
    journal_every: float = 1.0  # seconds between telling the messages accepted in a batch

    def source(self) -> tuple[int, int, str]:
        """(TON, NPI, address) of the sender."""
        addr = self.source_addr
        if addr.startswith("+"):
            ton, npi = smpplib.consts.SMPP_TON_INTL, smpplib.consts.SMPP_NPI_ISDN
        elif addr.isdigit() or not addr:
            ton, npi = smpplib.consts.SMPP_TON_UNK, smpplib.consts.SMPP_NPI_ISDN
        else:
            ton, npi = smpplib.consts.SMPP_TON_ALNUM, smpplib.consts.SMPP_NPI_UNK
        return (
            ton if self.source_ton is None else self.source_ton,
            npi if self.source_npi is None else self.source_npi,
            addr.lstrip("+"),
        )


@dataclass
class _Message:
    key: str
    parts: list[Part]
    ids: dict[int, str] = field(default_factory=dict)  # part index -> the SMSC's id
    refused: dict[int, int] = field(default_factory=dict)  # part index -> last status
    tries: dict[int, int] = field(default_factory=dict)
    unanswered: int = 0  # parts sent and not answered (lost if the connection dropped)

    def done(self) -> bool:
        return len(self.ids) == len(self.parts)

    def accepted(self) -> Accepted:
        return Accepted(self.key, tuple(self.ids[i] for i in sorted(self.ids)))


class _Client(smpplib.client.Client):  # type: ignore[misc]
    """smpplib's client, but a deliver_sm is not answered when read: `answer` does it."""

    def _message_received(self, pdu: Any) -> None:
        self.message_received_handler(pdu=pdu)

    def answer(self, sequence: int) -> None:
        resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=self)
        resp.sequence = sequence
        self.send_pdu(resp)


# query_sm_resp message_state: the carrier has it, its final state, or (any error) it does
# not know the id.
STATES: dict[int, CarrierState] = {
    1: "with_carrier",  # ENROUTE
    2: "delivered",  # DELIVERED
    3: "undelivered",  # EXPIRED
    4: "undelivered",  # DELETED
    5: "undelivered",  # UNDELIVERABLE
    6: "with_carrier",  # ACCEPTED
    7: "with_carrier",  # UNKNOWN (the SMSC has it, in no state it can name)
    8: "undelivered",  # REJECTED
}


class SmppGateway:
    capabilities: frozenset[Capability] = frozenset({Capability.QUERY_STATUS})

    def __init__(self, config: SmppConfig) -> None:
        self.config = config
        self._client: _Client | None = None
        self._bind_number = 0  # which bind the received items came on
        self._failed_binds = 0
        self._next_bind = 0.0
        self._bind_error = ""
        self._outstanding: dict[int, tuple[_Message, int]] = {}  # sequence -> message, part
        self._refused_parts: list[tuple[_Message, int]] = []
        self._received: dict[str, StatusReport | Inbound] = {}  # receipt -> item, not acked
        self._queries: dict[int, str] = {}  # sequence -> the id asked about, not answered
        self._states: dict[str, CarrierState] = {}
        self._next_send = 0.0
        self._last_activity = 0.0

    # Connection ---------------------------------------------------------------------------

    def _connected(self) -> _Client:
        if self._client is not None:
            return self._client
        wait = self._next_bind - time.monotonic()
        if wait > 0:
            raise GatewayUnavailable(self._bind_error, retry_after=wait)
        client = _Client(
            self.config.host,
            self.config.port,
            timeout=self.config.timeout,
            allow_unknown_opt_params=True,
        )
        client.set_message_sent_handler(self._on_submit_resp)
        client.set_message_received_handler(self._on_deliver)
        client.set_error_pdu_handler(self._on_error_pdu)
        client.set_query_resp_handler(self._on_query_resp)
        try:
            client.connect()
            client.bind_transceiver(system_id=self.config.system_id, password=self.config.password)
        except smpplib.exceptions.PDUError as exc:
            self._drop(client)
            raise self._bind_failed(_describe(exc.args[1] if len(exc.args) > 1 else 0)) from None
        except _ERRORS as exc:
            self._drop(client)
            why = f" ({exc})" if str(exc) else ""
            where = f"{self.config.host}:{self.config.port}"
            raise self._bind_failed(f"cannot reach the SMSC at {where}{why}") from None
        log.info("bound to %s:%s", self.config.host, self.config.port)
        self._client, self._failed_binds = client, 0
        self._bind_number += 1
        self._last_activity = time.monotonic()
        return client

    def _bind_failed(self, reason: str) -> GatewayUnavailable:
        """Wait longer after each failed bind (an SMSC locks accounts that keep trying)."""
        self._failed_binds += 1
        delay = min(
            self.config.bind_backoff * 2 ** (self._failed_binds - 1), self.config.bind_backoff_cap
        )
        self._next_bind = time.monotonic() + delay
        self._bind_error = f"cannot bind: {reason}" if "SMSC" not in reason else reason
        log.warning("%s; next bind in %.0f s", self._bind_error, delay)
        return GatewayUnavailable(self._bind_error, retry_after=delay)

    def _drop(self, client: Any) -> None:
        with contextlib.suppress(*_ERRORS):
            client.disconnect()
        if client is self._client:
            self._client = None
            self._received.clear()  # not answered: the SMSC sends them again

    def close(self) -> None:
        client = self._client
        if client is None:
            return
        with contextlib.suppress(*_ERRORS):
            client.unbind()
        self._drop(client)

    # Submitting ---------------------------------------------------------------------------

    def submit(
        self, batch: Sequence[Outbound], *, now: datetime, accepted: OnAccepted | None = None
    ) -> list[SubmitResult]:
        """Send the batch's parts, within the window and the TPS; `accepted`, if given, is
        told the messages accepted whole so far every `journal_every` seconds while the
        batch goes on (a slow batch: their ids are written before its end)."""
        if not batch:
            return []
        client = self._connected()
        messages = [_Message(m.key, encode(m.body, reference_of(m.key))) for m in batch]
        to = {m.key: m.to for m in batch}
        queue: list[tuple[float, _Message, int]] = [
            (0.0, message, index) for message in messages for index in range(len(message.parts))
        ]
        self._outstanding, self._refused_parts = {}, []
        broken = False
        told: set[str] = set()
        next_tell = time.monotonic() + self.config.journal_every
        try:
            deadline = time.monotonic() + self.config.timeout
            while queue or self._outstanding or self._refused_parts:
                if accepted is not None and time.monotonic() >= next_tell:
                    news = [m for m in messages if m.done() and m.key not in told]
                    if news:
                        accepted([m.accepted() for m in news])
                        told.update(m.key for m in news)
                    next_tell = time.monotonic() + self.config.journal_every
                queue += self._resends()
                ready = [item for item in queue if item[0] <= time.monotonic()]
                if ready and len(self._outstanding) < self.config.window:
                    _, message, index = ready[0]
                    queue.remove(ready[0])
                    self._send_part(client, message, index, to[message.key])
                    self._read(client, wait=0)
                    deadline = time.monotonic() + self.config.timeout
                    continue
                if time.monotonic() > deadline:
                    break
                self._read(client, wait=0.05)
        except _ERRORS as exc:
            log.warning("connection lost while sending: %s", exc)
            broken = True
        self._last_activity = time.monotonic()
        if broken or self._outstanding:
            self._drop(client)
        return [self._result(message) for message in messages]

    def _send_part(self, client: _Client, message: _Message, index: int, to: str) -> None:
        wait = self._next_send - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next_send = max(self._next_send, time.monotonic()) + 1 / self.config.tps
        ton, npi, source = self.config.source()
        part = message.parts[index]
        message.tries[index] = message.tries.get(index, 0) + 1
        pdu = client.send_message(
            source_addr_ton=ton,
            source_addr_npi=npi,
            source_addr=source,
            dest_addr_ton=self.config.dest_ton,
            dest_addr_npi=self.config.dest_npi,
            destination_addr=to.lstrip("+"),
            short_message=part.short_message,
            data_coding=part.data_coding,
            esm_class=part.esm_class,
            registered_delivery=1,
        )
        message.unanswered += 1
        self._outstanding[pdu.sequence] = (message, index)

    def _read(self, client: _Client, *, wait: float) -> None:
        """Act on every PDU that is waiting (or arrives within `wait` seconds)."""
        while select.select([client._socket], [], [], wait)[0]:
            client.read_once(auto_send_enquire_link=False)
            wait = 0

    def _resends(self) -> list[tuple[float, _Message, int]]:
        """Parts just refused as retryable, to send again after their pause."""
        due: list[tuple[float, _Message, int]] = []
        for message, index in self._refused_parts:
            tries = message.tries[index]
            if message.refused[index] in RETRYABLE and tries < self.config.part_tries:
                del message.refused[index]
                pause = self.config.part_backoff * 2 ** (tries - 1)
                due.append((time.monotonic() + pause, message, index))
        self._refused_parts = []
        return due

    def _on_submit_resp(self, pdu: Any, **_: Any) -> None:
        found = self._outstanding.pop(pdu.sequence, None)
        if found is None:
            return
        message, index = found
        message.unanswered -= 1
        if pdu.status == smpplib.consts.SMPP_ESME_ROK:
            message.ids[index] = _text(pdu.message_id)
            message.refused.pop(index, None)
        else:
            message.refused[index] = int(pdu.status)
            self._refused_parts.append((message, index))

    def _on_error_pdu(self, pdu: Any) -> None:
        if pdu.command == "submit_sm_resp":
            self._on_submit_resp(pdu)
        # an error query_sm_resp goes on to `_on_query_resp` (smpplib calls both)

    def _result(self, message: _Message) -> SubmitResult:
        if message.done():
            return message.accepted()
        if message.unanswered:
            return Refused(message.key, LOST, retryable=False)
        if not message.tries:
            return GatewayUnavailable(
                "not sent: the connection to the SMSC dropped", retry_after=1.0
            ).refusal(message.key)
        code = next(iter(message.refused.values()), smpplib.consts.SMPP_ESME_RSYSERR)
        reason = f"refused by the SMSC: {_describe(code)} (0x{code:08x})"
        if message.ids:
            return Refused(message.key, PARTIAL.format(reason=reason), retryable=False)
        return Refused(message.key, reason, retryable=code in RETRYABLE)

    # Asking the SMSC ----------------------------------------------------------------------

    def query(self, gateway_ids: Sequence[str], *, now: datetime) -> dict[str, CarrierState]:
        """The SMSC's state of each id (query_sm, within the window), "unknown" for an id it
        does not know. GatewayUnavailable if it cannot be asked now, or does not answer."""
        client = self._connected()
        ton, npi, source = self.config.source()
        self._queries, self._states = {}, {}
        pending = list(dict.fromkeys(gateway_ids))
        try:
            deadline = time.monotonic() + self.config.timeout
            while pending or self._queries:
                if pending and len(self._queries) < self.config.window:
                    gateway_id = pending.pop(0)
                    pdu = client.query_message(
                        message_id=gateway_id,
                        source_addr_ton=ton,
                        source_addr_npi=npi,
                        source_addr=source,
                    )
                    self._queries[pdu.sequence] = gateway_id
                    self._read(client, wait=0)
                    deadline = time.monotonic() + self.config.timeout
                    continue
                if time.monotonic() > deadline:
                    raise GatewayUnavailable("the SMSC did not answer query_sm", retry_after=5)
                self._read(client, wait=0.05)
        except _ERRORS as exc:
            self._drop(client)
            raise GatewayUnavailable(f"connection lost while querying: {exc}") from None
        except GatewayUnavailable:
            self._drop(client)
            raise
        finally:
            self._last_activity = time.monotonic()
        return {gateway_id: self._states[gateway_id] for gateway_id in gateway_ids}

    def _on_query_resp(self, pdu: Any, **_: Any) -> None:
        gateway_id = self._queries.pop(pdu.sequence, None)
        if gateway_id is None:
            return
        if pdu.status != smpplib.consts.SMPP_ESME_ROK:
            self._states[gateway_id] = "unknown"
        else:
            self._states[gateway_id] = STATES.get(int(pdu.message_state or 0), "with_carrier")

    # Receiving ----------------------------------------------------------------------------

    def _on_deliver(self, pdu: Any, **_: Any) -> None:
        data = bytes(pdu.short_message or b"")
        coding, esm = int(pdu.data_coding or 0), int(pdu.esm_class or 0)
        text = decode(data, coding, esm)
        now = datetime.now(UTC)
        receipt = f"{self._bind_number}:{pdu.sequence}"
        if esm & RECEIPT:
            receipted = getattr(pdu, "receipted_message_id", None)
            found = parse_receipt(text, _text(receipted) if receipted else None)
            if found is None or found.status is None:  # not final (ENROUTE ...): answer now
                self._answer(receipt)
                return
            self._received[receipt] = StatusReport(
                found.message_id, found.status, now, found.error, receipt
            )
            return
        source, destination = _text(pdu.source_addr), _text(pdu.destination_addr)
        self._received[receipt] = Inbound(
            inbound_id(pdu, data),
            "+" + source.lstrip("+"),
            "+" + destination.lstrip("+"),
            text,
            now,
            receipt,
        )

    def collect(self, *, now: datetime) -> Collected:
        """Receipts and inbound messages received and not acknowledged yet (again, until they
        are); an enquire_link when idle."""
        try:
            client = self._connected()
            self._read(client, wait=0)
            if time.monotonic() - self._last_activity > self.config.enquire_every:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                self._last_activity = time.monotonic()
        except GatewayUnavailable as exc:
            log.debug("%s", exc)
        except _ERRORS as exc:
            log.warning("connection lost while reading: %s", exc)
            if self._client is not None:
                self._drop(self._client)
        found = Collected()
        for item in self._received.values():
            if isinstance(item, StatusReport):
                found.reports.append(item)
            else:
                found.inbound.append(item)
        return found

    def ack(self, receipts: Sequence[str], *, now: datetime) -> None:
        """Answer each deliver_sm received on this bind (from an earlier bind: the SMSC sends
        it again, and applying it twice changes nothing)."""
        for receipt in receipts:
            if self._received.pop(receipt, None) is not None:
                self._answer(receipt)

    def _answer(self, receipt: str) -> None:
        bind, sequence = (int(n) for n in receipt.split(":"))
        if self._client is None or bind != self._bind_number:
            return
        try:
            self._client.answer(sequence)
        except _ERRORS as exc:
            log.warning("connection lost while answering: %s", exc)
            self._drop(self._client)


# What an SMSC may put in a deliver_sm to tell its messages apart (its own id, the parts of
# a concatenated message); a redelivery carries them again, unchanged.
SMSC_FIELDS = (
    "receipted_message_id",
    "user_message_reference",
    "sar_msg_ref_num",
    "sar_segment_seqnum",
    "sar_total_segments",
    "source_port",
    "destination_port",
)


def inbound_id(pdu: Any, data: bytes) -> str:
    """The id of an inbound (mobile-originated) message: from what the SMSC sends again when
    it redelivers it (the addresses, the coding, the text and the SMSC's own fields), never
    from the PDU's sequence number, so a redelivery after a reconnect has the same id.
    Identical texts from one number at different times have the same id too: `receive` tells
    a redelivery from a new message by time and order."""
    fields = [pdu.source_addr, pdu.destination_addr, pdu.data_coding, pdu.esm_class]
    fields += [getattr(pdu, name, None) for name in SMSC_FIELDS]
    head = "|".join("" if value is None else _text(value) for value in fields)
    return "smpp-" + hashlib.sha256(head.encode() + b"|" + data).hexdigest()[:32]


def reference_of(key: str) -> int:
    """The concatenation reference (0-255) of a message: from its id, so that consecutive
    messages to one number differ, whichever process sends them."""
    digits = key.lstrip("m")
    return int(digits) % 256 if digits.isdigit() else zlib.crc32(key.encode()) % 256


def _describe(code: int) -> str:
    return str(smpplib.consts.DESCRIPTIONS.get(code, f"error 0x{code:08x}")).lower()


def _text(value: Any) -> str:
    return value.decode("ascii", errors="replace") if isinstance(value, bytes) else str(value)
