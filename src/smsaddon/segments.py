"""How many segments a text takes, and why. Pure: no I/O, no project imports but errors.

The rules (the brief, "Pricing a message"):

- GSM-7 when every character is in the GSM 03.38 basic table or its extension table, otherwise
  UCS-2. GSM-7 units are septets: a basic character is 1, an extension character (form feed,
  ``^ { } \\ [ ~ ] |`` and the euro sign) is 2 (an escape and the character). UCS-2 units are
  UTF-16 code units: an emoji outside the BMP is 2, an extension character is 1.
- One segment holds 160 septets or 70 UCS-2 units; a concatenated message holds 153 or 67 per
  segment (the rest is the user data header).
- Parts are packed greedily, and an escape pair, a surrogate pair and a whole grapheme cluster
  (Unicode extended grapheme clusters: ZWJ emoji, flags, skin tones, combining marks) never
  straddle a boundary. CR LF counts as two characters, so a boundary may fall between them. A
  single cluster longer than a whole part (e.g. a letter with dozens of combining marks) cannot
  fit anywhere; it alone is split, between code points, so surrogate pairs still stay whole.
- An empty text is refused, and so is one over the segment cap, with the count.

`count_segments` is the hot path: plain GSM text is counted with one precompiled character
class and arithmetic; the parts are only built by `split_parts` / `analyze`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

import regex

from smsaddon.errors import InvalidMessage

Encoding = Literal["GSM-7", "UCS-2"]
GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"

DEFAULT_SEGMENT_CAP: Final = 10

# GSM 03.38 default alphabet, in code order (0x1B, the escape to the extension table, is not a
# character of its own and is left out).
GSM_BASIC: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
GSM_EXTENSION: Final = "\f^{}\\[~]|€"

SINGLE: Final[dict[str, int]] = {GSM7: 160, UCS2: 70}
CONCATENATED: Final[dict[str, int]] = {GSM7: 153, UCS2: 67}

_NOT_BASIC = re.compile("[^" + re.escape(GSM_BASIC) + "]")
_NOT_GSM = re.compile("[^" + re.escape(GSM_BASIC + GSM_EXTENSION) + "]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CLUSTER = regex.compile(r"\X")
# Characters that can join a neighbour into one grapheme cluster (UAX #29): without any of
# them (CR LF aside, which counts as two characters anyway) every code point stands alone.
_JOINER = regex.compile(
    r"[\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}"
    r"\p{GCB=Regional_Indicator}\p{GCB=L}\p{GCB=V}\p{GCB=T}]"
)
_GSM_SET: Final = frozenset(GSM_BASIC + GSM_EXTENSION)


class SegmentCount(NamedTuple):
    """Encoding, units (septets or UTF-16 code units) and segments of one text."""

    encoding: Encoding
    units: int
    segments: int


class Part(NamedTuple):
    """One segment: its text and the units it takes (at most 153 / 67, or 160 / 70 alone)."""

    text: str
    units: int


@dataclass(frozen=True)
class Culprit:
    """A character that forced UCS-2: the whole grapheme cluster, where it starts (an index
    into the text, in code points) and the non-GSM code points in it, named."""

    char: str
    index: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class Replacement:
    index: int
    original: str
    replacement: str


@dataclass(frozen=True)
class SmartEncoding:
    """A suggestion, never applied by itself: the text with GSM look-alikes swapped in."""

    text: str
    replacements: tuple[Replacement, ...]
    before: SegmentCount
    after: SegmentCount

    @property
    def segments_saved(self) -> int:
        return self.before.segments - self.after.segments


@dataclass(frozen=True)
class Analysis:
    """Everything the segments view shows: the count, the parts, why it is UCS-2, and what
    smart encoding would save (None when nothing can be replaced)."""

    encoding: Encoding
    units: int
    segments: int
    parts: tuple[Part, ...]
    culprits: tuple[Culprit, ...]
    smart: SmartEncoding | None


# Counting --------------------------------------------------------------------------------


def count_segments(text: str, *, segment_cap: int | None = DEFAULT_SEGMENT_CAP) -> SegmentCount:
    """Encoding, units and segments of `text`. Raises InvalidMessage when it is empty or takes
    more than `segment_cap` segments (None: no cap)."""
    n = len(text)
    if n and _NOT_BASIC.search(text) is None:
        # Basic GSM only: every character is one septet, so nothing can straddle a boundary.
        segments = 1 if n <= SINGLE[GSM7] else -(-n // CONCATENATED[GSM7])
        if segment_cap is not None and segments > segment_cap:
            _over_cap(segments, segment_cap)
        return SegmentCount(GSM7, n, segments)
    return _count(text, segment_cap)


def split_parts(text: str, *, segment_cap: int | None = DEFAULT_SEGMENT_CAP) -> tuple[Part, ...]:
    """The parts the text is sent as, in order; their texts joined are the text."""
    count = _count(text, segment_cap)
    atoms, sizes = _atoms(text, count.encoding)
    return _pack(atoms, sizes, count.units, count.encoding)


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM 03.38 basic or extension table."""
    return GSM7 if _NOT_GSM.search(text) is None else UCS2


def _count(text: str, segment_cap: int | None) -> SegmentCount:
    _check(text)
    if _NOT_GSM.search(text) is None:
        septets = _escaped(text)
        encoding: Encoding = GSM7
        units = len(septets)
        segments = _cut_stream(units, GSM7, lambda end: septets[end - 1] == "\x1b")
    elif max(text) < "\u0300" or _JOINER.search(text) is None:
        # Every code point is a grapheme cluster of its own: only surrogate pairs to keep whole.
        utf16 = text.encode("utf-16-le")
        encoding, units = UCS2, len(utf16) // 2
        segments = _cut_stream(units, UCS2, lambda end: 0xD8 <= utf16[2 * end - 1] <= 0xDB)
    else:
        encoding = UCS2
        _, sizes = _atoms(text, UCS2)
        units = sum(sizes)
        segments = 1 if units <= SINGLE[UCS2] else _count_packed(sizes, CONCATENATED[UCS2])
    if segment_cap is not None and segments > segment_cap:
        _over_cap(segments, segment_cap)
    return SegmentCount(encoding, units, segments)


def _cut_stream(units: int, encoding: Encoding, splits_pair: Callable[[int], bool]) -> int:
    """Segments of a stream of units where the only unit pairs that may not be split are
    escape + character (GSM-7) or a surrogate pair (UCS-2): `splits_pair(end)` tells whether
    a cut before unit `end` would separate such a pair."""
    if units <= SINGLE[encoding]:
        return 1
    capacity = CONCATENATED[encoding]
    segments, start = 1, 0
    while units - start > capacity:
        end = start + capacity
        start = end - 1 if splits_pair(end) else end
        segments += 1
    return segments


def _escaped(text: str) -> str:
    """The GSM-7 septet stream, one character per septet: ESC before each extension one."""
    for char in GSM_EXTENSION:
        if char in text:
            text = text.replace(char, "\x1b" + char)
    return text


def _check(text: str) -> None:
    if not text:
        raise InvalidMessage("The message is empty: write a text to send.")
    lone = _LONE_SURROGATE.search(text)
    if lone is not None:
        raise InvalidMessage(
            f"The message has a broken character (an unpaired UTF-16 surrogate, "
            f"U+{ord(lone.group()):04X}) at position {lone.start()}; it cannot be sent.",
            index=lone.start(),
        )


def _over_cap(segments: int, segment_cap: int) -> None:
    raise InvalidMessage(
        f"The message takes {segments} segments; the limit is {segment_cap}. Shorten it.",
        segments=segments,
        segment_cap=segment_cap,
    )


def _atoms(text: str, encoding: str) -> tuple[list[str], list[int]]:
    """The pieces no boundary may split, with their sizes in units."""
    if encoding == GSM7:
        chars = list(text)
        return chars, [2 if c in GSM_EXTENSION else 1 for c in chars]
    limit = CONCATENATED[UCS2]
    atoms: list[str] = []
    sizes: list[int] = []
    for cluster in _CLUSTER.findall(text):
        if len(cluster) == 1:
            atoms.append(cluster)
            sizes.append(2 if cluster > "\uffff" else 1)
            continue
        size = len(cluster.encode("utf-16-le")) // 2
        if size <= limit and cluster != "\r\n":
            atoms.append(cluster)
            sizes.append(size)
        else:  # CR LF is two characters; an oversize cluster is split between code points
            atoms.extend(cluster)
            sizes.extend(2 if c > "\uffff" else 1 for c in cluster)
    return atoms, sizes


def _count_packed(sizes: list[int], capacity: int) -> int:
    segments, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            segments += 1
            used = size
        else:
            used += size
    return segments


def _pack(atoms: list[str], sizes: list[int], units: int, encoding: str) -> tuple[Part, ...]:
    if units <= SINGLE[encoding]:
        return (Part("".join(atoms), units),)
    capacity = CONCATENATED[encoding]
    parts: list[Part] = []
    current: list[str] = []
    used = 0
    for atom, size in zip(atoms, sizes, strict=True):
        if used + size > capacity:
            parts.append(Part("".join(current), used))
            current, used = [], 0
        current.append(atom)
        used += size
    parts.append(Part("".join(current), used))
    return tuple(parts)


# Why UCS-2, and smart encoding ------------------------------------------------------------


def ucs2_culprits(text: str) -> tuple[Culprit, ...]:
    """Each grapheme cluster holding a character outside GSM-7, with where it starts."""
    found: list[Culprit] = []
    for match in _CLUSTER.finditer(text):
        cluster = match.group()
        if all(c in _GSM_SET for c in cluster):
            continue
        names = tuple(_name(c) for c in cluster if c not in _GSM_SET)
        found.append(Culprit(cluster, match.start(), names))
    return tuple(found)


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _smart_map() -> dict[str, str]:
    table = dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bb\u02bc\u02b9\u02c8", "'")
    table.update(dict.fromkeys("\u00b4\u0060\u2039\u203a\uff07", "'"))
    table.update(dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u02ba", '"'))
    table.update(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63", "-"))
    spaces = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    table.update(dict.fromkeys(spaces + "\u200a\u202f\u205f\u3000", " "))
    table.update({"\u2026": "...", "\u2025": "..", "\u2028": "\n", "\u2029": "\n"})
    table.update({"\u2044": "/", "\u2215": "/", "\u2022": "-"})
    for code in range(0xFF01, 0xFF5F):  # fullwidth ASCII
        plain = chr(code - 0xFEE0)
        if plain in _GSM_SET:
            table[chr(code)] = plain
    return table


# Look-alikes of GSM characters: typographic quotes, dashes, spaces, the ellipsis, fullwidth
# forms. Letters are never changed (an accent is spelling, not typography).
SMART_REPLACEMENTS: Final[dict[str, str]] = _smart_map()
_SMART = re.compile("[" + re.escape("".join(SMART_REPLACEMENTS)) + "]")


def smart_encode(text: str) -> SmartEncoding | None:
    """The text with look-alikes replaced, and the segments that saves (counted with no cap);
    None when there is nothing to replace. Never applied unless the caller chooses to."""
    replacements = tuple(
        Replacement(m.start(), m.group(), SMART_REPLACEMENTS[m.group()])
        for m in _SMART.finditer(text)
    )
    if not replacements:
        return None
    replaced = _SMART.sub(lambda m: SMART_REPLACEMENTS[m.group()], text)
    before = count_segments(text, segment_cap=None)
    return SmartEncoding(replaced, replacements, before, count_segments(replaced, segment_cap=None))


def analyze(text: str, *, segment_cap: int | None = DEFAULT_SEGMENT_CAP) -> Analysis:
    """Count, parts, UCS-2 culprits and the smart-encoding suggestion of one text."""
    count = _count(text, segment_cap)
    atoms, sizes = _atoms(text, count.encoding)
    culprits = ucs2_culprits(text) if count.encoding == UCS2 else ()
    return Analysis(
        encoding=count.encoding,
        units=count.units,
        segments=count.segments,
        parts=_pack(atoms, sizes, count.units, count.encoding),
        culprits=culprits,
        smart=smart_encode(text),
    )
