"""SMPP 3.4 with `smpplib`: one transceiver bind, our own parts (see smpp_codec), delivery
receipts from deliver_sm, enquire_link when idle, reconnect after a dropped connection, and a
throughput limit per connection.

SMPP has no idempotency: a part sent whose submit_sm_resp never came (the connection dropped)
may or may not have reached the carrier, so its message is refused as not retryable (never
sent twice); the messages of the batch not yet sent are refused as retryable.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from smsaddon.gateways.base import (
    Accepted,
    Collected,
    GatewayUnavailable,
    Inbound,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.gateways.smpp_codec import RECEIPT, decode, encode, parse_receipt

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
_ERRORS = (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError)


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str
    source_addr: str = ""
    tps: int = 50  # submit_sm per second on this connection
    timeout: float = 10.0  # seconds to wait for the SMSC's answers
    enquire_every: float = 30.0  # seconds idle before an enquire_link


@dataclass
class _Pending:
    key: str
    parts: int
    ids: dict[int, str]
    errors: list[int]
    sent: int = 0


class SmppGateway:
    idempotent = False

    def __init__(self, config: SmppConfig) -> None:
        self.config = config
        self._client: Any = None
        self._by_sequence: dict[int, _Pending] = {}
        self._reports: list[StatusReport] = []
        self._inbound: list[Inbound] = []
        self._reference = 0
        self._next_send = 0.0
        self._last_activity = 0.0

    # Connection ---------------------------------------------------------------------------

    def _connected(self) -> Any:
        if self._client is not None:
            return self._client
        client = smpplib.client.Client(
            self.config.host,
            self.config.port,
            timeout=self.config.timeout,
            allow_unknown_opt_params=True,
        )
        client.set_message_sent_handler(self._on_submit_resp)
        client.set_message_received_handler(self._on_deliver)
        client.set_error_pdu_handler(self._on_error_pdu)
        try:
            client.connect()
            client.bind_transceiver(system_id=self.config.system_id, password=self.config.password)
        except _ERRORS as exc:
            self._drop(client)
            raise GatewayUnavailable(
                f"cannot bind to {self.config.host}:{self.config.port}: {exc}"
            ) from None
        log.info("bound to %s:%s", self.config.host, self.config.port)
        self._client = client
        self._last_activity = time.monotonic()
        return client

    def _drop(self, client: Any) -> None:
        with contextlib.suppress(*_ERRORS):
            client.disconnect()
        if client is self._client:
            self._client = None

    def close(self) -> None:
        client = self._client
        if client is None:
            return
        with contextlib.suppress(*_ERRORS):
            client.unbind()
        self._drop(client)

    # Submitting ---------------------------------------------------------------------------

    def submit(self, batch: Sequence[Outbound], *, now: datetime) -> list[SubmitResult]:
        client = self._connected()
        pending = [_Pending(m.key, 0, {}, []) for m in batch]
        self._by_sequence = {}
        broken = False
        for message, state in zip(batch, pending, strict=True):
            if broken:
                break
            self._reference = (self._reference + 1) % 256
            parts = encode(message.body, self._reference)
            state.parts = len(parts)
            for part in parts:
                self._throttle()
                try:
                    pdu = client.send_message(
                        source_addr_ton=smpplib.consts.SMPP_TON_INTL
                        if self.config.source_addr.startswith("+")
                        else smpplib.consts.SMPP_TON_UNK,
                        source_addr=self.config.source_addr.lstrip("+"),
                        dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                        dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                        destination_addr=message.to.lstrip("+"),
                        short_message=part.short_message,
                        data_coding=part.data_coding,
                        esm_class=part.esm_class,
                        registered_delivery=1,
                    )
                except _ERRORS as exc:
                    log.warning("connection lost while sending: %s", exc)
                    broken = True
                    break
                state.sent += 1
                self._by_sequence[pdu.sequence] = state
        # Read the answers that came, even after a failed send: those already in the socket
        # tell which parts the SMSC took before the connection dropped.
        answered = self._await_answers(client)
        if broken or not answered:
            self._drop(client)
        return [self._result(state) for state in pending]

    def _throttle(self) -> None:
        wait = self._next_send - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next_send = max(self._next_send, time.monotonic()) + 1 / self.config.tps

    def _await_answers(self, client: Any) -> bool:
        """Read until every part sent is answered; False if the connection dropped. After a
        drop, what the SMSC sent before it is still read (answering a receipt then fails,
        which does not stop the reading; an empty socket does)."""
        deadline = time.monotonic() + self.config.timeout
        dropped, errors_left = False, 2 * len(self._by_sequence) + 2
        while self._by_sequence and time.monotonic() < deadline and errors_left:
            try:
                client.read_once(auto_send_enquire_link=False)
            except TimeoutError:
                if dropped:
                    break
            except _ERRORS as exc:
                if not dropped:
                    log.warning("connection lost while waiting for answers: %s", exc)
                dropped = True
                errors_left -= 1
        self._last_activity = time.monotonic()
        return not dropped and not self._by_sequence

    def _on_submit_resp(self, pdu: Any, **_: Any) -> None:
        state = self._by_sequence.pop(pdu.sequence, None)
        if state is None:
            return
        if pdu.status == smpplib.consts.SMPP_ESME_ROK:
            state.ids[pdu.sequence] = _text(pdu.message_id)
        else:
            state.errors.append(int(pdu.status))

    def _on_error_pdu(self, pdu: Any) -> None:
        if pdu.command == "submit_sm_resp":
            self._on_submit_resp(pdu)

    def _result(self, state: _Pending) -> SubmitResult:
        answered = len(state.ids) + len(state.errors)
        if state.parts and len(state.ids) == state.parts:
            return Accepted(state.key, tuple(state.ids[s] for s in sorted(state.ids)))
        if state.sent == 0:
            return Refused(state.key, "not sent: the connection to the SMSC dropped", True)
        if answered < state.sent or state.ids:
            return Refused(
                state.key,
                LOST if answered < state.sent else "the SMSC took only some of the parts",
                False,
            )
        code = state.errors[0]
        reason = smpplib.consts.DESCRIPTIONS.get(code, "refused")
        return Refused(
            state.key, f"refused by the SMSC: {reason} (0x{code:08x})", code in RETRYABLE
        )

    # Receiving ----------------------------------------------------------------------------

    def _on_deliver(self, pdu: Any, **_: Any) -> int:
        text = decode(
            bytes(pdu.short_message or b""), int(pdu.data_coding or 0), int(pdu.esm_class or 0)
        )
        now = datetime.now(UTC)
        if int(pdu.esm_class or 0) & RECEIPT:
            receipted = getattr(pdu, "receipted_message_id", None)
            receipt = parse_receipt(text, _text(receipted) if receipted else None)
            if receipt is not None and receipt.status is not None:
                self._reports.append(
                    StatusReport(receipt.message_id, receipt.status, now, receipt.error)
                )
        else:
            source = _text(pdu.source_addr)
            self._inbound.append(
                Inbound(
                    f"smpp-{source}-{pdu.sequence}-{now.timestamp()}",
                    "+" + source.lstrip("+"),
                    "+" + _text(pdu.destination_addr).lstrip("+"),
                    text,
                    now,
                )
            )
        return int(smpplib.consts.SMPP_ESME_ROK)

    def collect(self, *, now: datetime) -> Collected:
        """Receipts and inbound messages that arrived; an enquire_link when idle."""
        try:
            client = self._connected()
            client.poll(auto_send_enquire_link=False)
            if time.monotonic() - self._last_activity > self.config.enquire_every:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                self._last_activity = time.monotonic()
        except GatewayUnavailable as exc:
            log.warning("%s", exc)
        except _ERRORS as exc:
            log.warning("connection lost while reading: %s", exc)
            if self._client is not None:
                self._drop(self._client)
        reports, inbound = self._reports, self._inbound
        self._reports, self._inbound = [], []
        return Collected(reports, inbound)


def _text(value: Any) -> str:
    return value.decode("ascii", errors="replace") if isinstance(value, bytes) else str(value)
