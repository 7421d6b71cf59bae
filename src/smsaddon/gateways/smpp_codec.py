"""SMPP encoding, pure: our own segmentation into parts with a concatenation header, and
delivery receipts read from deliver_sm text.

GSM-7 goes unpacked (one septet per octet, data_coding 0, the SMSC packs it), an extension
character as ESC + its code; UCS-2 goes as UTF-16BE (data_coding 8). A message of several
parts gets a user data header (05 00 03 ref total seq) and esm_class 0x40 on each part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from smsaddon.segments import GSM7, GSM_BASIC, encoding_of, split_parts

DATA_CODING = {"GSM-7": 0x00, "UCS-2": 0x08}
UDHI = 0x40
RECEIPT = 0x04
_GSM_CODES = {char: (i if i < 0x1B else i + 1) for i, char in enumerate(GSM_BASIC)}
_EXTENSION_CODES = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_GSM_CHARS = {code: char for char, code in _GSM_CODES.items()}
_EXTENSION_CHARS = {code: char for char, code in _EXTENSION_CODES.items()}
_RECEIPT = re.compile(r"id:(?P<id>\S+).*?stat:(?P<stat>\w+)(?:.*?err:(?P<err>\w+))?", re.S)
DELIVERED = {"DELIVRD"}
UNDELIVERED = {"UNDELIV", "EXPIRED", "REJECTD", "DELETED", "UNKNOWN"}


@dataclass(frozen=True, slots=True)
class Part:
    short_message: bytes
    esm_class: int
    data_coding: int


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    status: Literal["delivered", "undelivered"] | None  # None: not final yet (ENROUTE ...)
    error: str | None


def gsm7_bytes(text: str) -> bytes:
    out = bytearray()
    for char in text:
        if char in _EXTENSION_CODES:
            out += bytes((0x1B, _EXTENSION_CODES[char]))
        else:
            out.append(_GSM_CODES[char])
    return bytes(out)


def gsm7_text(data: bytes) -> str:
    chars: list[str] = []
    escaped = False
    for code in data:
        if escaped:
            chars.append(_EXTENSION_CHARS.get(code, " "))
            escaped = False
        elif code == 0x1B:
            escaped = True
        else:
            chars.append(_GSM_CHARS.get(code, "?"))
    return "".join(chars)


def encode(body: str, reference: int) -> list[Part]:
    """The submit_sm parts of `body`; `reference` (0-255) ties a message's parts together."""
    encoding = encoding_of(body)
    texts = [part.text for part in split_parts(body, segment_cap=None)]
    coding = DATA_CODING[encoding]
    payloads = [gsm7_bytes(t) if encoding == GSM7 else t.encode("utf-16-be") for t in texts]
    if len(payloads) == 1:
        return [Part(payloads[0], 0, coding)]
    total = len(payloads)
    return [
        Part(bytes((0x05, 0x00, 0x03, reference & 0xFF, total, seq)) + payload, UDHI, coding)
        for seq, payload in enumerate(payloads, start=1)
    ]


def decode(short_message: bytes, data_coding: int, esm_class: int) -> str:
    """The text of an inbound short message (its user data header skipped)."""
    if esm_class & UDHI and short_message:
        short_message = short_message[1 + short_message[0] :]
    if data_coding == 0x08:
        return short_message.decode("utf-16-be", errors="replace")
    if data_coding == 0x00:
        return gsm7_text(short_message)
    return short_message.decode("latin-1")


def parse_receipt(text: str, receipted_id: str | None = None) -> Receipt | None:
    """A delivery receipt's message id and final status ("id:... stat:DELIVRD err:000")."""
    found = _RECEIPT.search(text)
    if found is None:
        return None if receipted_id is None else Receipt(receipted_id, None, None)
    stat = found.group("stat").upper()
    err = found.group("err")
    status: Literal["delivered", "undelivered"] | None = (
        "delivered" if stat in DELIVERED else "undelivered" if stat in UNDELIVERED else None
    )
    error = None if status != "undelivered" else f"{stat} (error {err or 'unknown'})"
    return Receipt(receipted_id or found.group("id"), status, error)
