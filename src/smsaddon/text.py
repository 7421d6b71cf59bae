"""What people type, checked once before it is stored: names (one line) and texts (message
bodies, which may have line breaks and tabs). Control characters (NUL, escape codes, ...),
unpaired surrogates and, in names, line breaks are refused with an error naming the field:
they are invisible on a page, break a terminal or a CSV, and no carrier wants them."""

from __future__ import annotations

import unicodedata

from smsaddon.errors import ValidationFailed

LINE_BREAKS_AND_TABS = frozenset("\n\t")
# Line and paragraph separators: not control characters, but line breaks all the same.
NAME_BREAKS = frozenset("\u2028\u2029\u0085")


def checked(value: str, *, field: str, max_length: int | None = None, text: bool = False) -> str:
    """`value` as stored: a name stripped of surrounding spaces, or a text (`text=True`) with
    its CR LF line ends made LF. ValidationFailed (422, naming `field`) when it has a character
    it may not have, or more than `max_length` characters."""
    value = value.replace("\r\n", "\n") if text else value.strip()
    for position, character in enumerate(value):
        if _refused(character, text=text):
            where = f"at position {position + 1}" if len(value) > 1 else "alone"
            raise ValidationFailed(
                f"The {field.replace('_', ' ')} has a character that cannot be stored: "
                f"U+{ord(character):04X} ({_name_of(character)}) {where}. Remove it and try "
                "again.",
                field=field,
            )
    if max_length is not None and len(value) > max_length:
        raise ValidationFailed(
            f"The {field.replace('_', ' ')} has {len(value):,} characters; "
            f"at most {max_length:,} are allowed.",
            field=field,
        )
    return value


def _refused(character: str, *, text: bool) -> bool:
    if text and character in LINE_BREAKS_AND_TABS:
        return False
    if not text and character in NAME_BREAKS:
        return True
    return unicodedata.category(character) in ("Cc", "Cs")


def _name_of(character: str) -> str:
    names = {"\x00": "NUL", "\n": "a line break", "\r": "a carriage return", "\t": "a tab"}
    return names.get(character, unicodedata.name(character, "a control character"))
