# ruff: noqa: RUF001  (look-alike characters are what these tests are about)
"""The segmenter: encoding, units, segments and parts at every boundary the brief names."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from smsaddon.errors import InvalidMessage
from smsaddon.segments import (
    GSM_BASIC,
    GSM_EXTENSION,
    Culprit,
    Encoding,
    Part,
    Replacement,
    SegmentCount,
    analyze,
    count_segments,
    encoding_of,
    smart_encode,
    split_parts,
    ucs2_culprits,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 11 UTF-16 units
FLAG_US = "\U0001f1fa\U0001f1f8"  # two regional indicators, 4 units
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"  # thumbs up + skin tone modifier, 4 units
E_ACUTE_DECOMPOSED = "e\u0301"  # e + combining acute, 2 units
GRIN = "\U0001f600"  # one surrogate pair, 2 units

# (id, text, encoding, units, segments): the brief's boundary vectors. `tests/cli/test_pricing.py`
# also runs each through `smsaddon segments --json` and the npm calculator.
VECTORS: list[tuple[str, str, Encoding, int, int]] = [
    ("gsm 160", "a" * 160, "GSM-7", 160, 1),
    ("gsm 161", "a" * 161, "GSM-7", 161, 2),
    ("gsm 306", "a" * 306, "GSM-7", 306, 2),
    ("gsm 307", "a" * 307, "GSM-7", 307, 3),
    ("gsm 459", "a" * 459, "GSM-7", 459, 3),
    ("gsm 460", "a" * 460, "GSM-7", 460, 4),
    ("80 ] fill one segment", "]" * 80, "GSM-7", 160, 1),
    ("81 ] need two", "]" * 81, "GSM-7", 162, 2),
    ("153 ] are 3 segments", "]" * 153, "GSM-7", 306, 3),
    ("euro ends at 160", "a" * 158 + "€", "GSM-7", 160, 1),
    ("euro crosses 160", "a" * 159 + "€", "GSM-7", 161, 2),
    ("euro would straddle 153", "a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),
    ("euro ends at 306", "a" * 304 + "€", "GSM-7", 306, 2),
    ("euro would straddle 306", "a" * 305 + "€", "GSM-7", 307, 3),
    ("euro ends at 459", "a" * 457 + "€", "GSM-7", 459, 3),
    ("euro would straddle 459", "a" * 458 + "€", "GSM-7", 460, 4),
    ("] ends at 160", "a" * 158 + "]", "GSM-7", 160, 1),
    ("] crosses 160", "a" * 159 + "]", "GSM-7", 161, 2),
    ("] would straddle 153", "a" * 152 + "]" + "a" * 10, "GSM-7", 164, 2),
    ("] ends at 306", "a" * 304 + "]", "GSM-7", 306, 2),
    ("] would straddle 306", "a" * 305 + "]", "GSM-7", 307, 3),
    ("] would straddle 459", "a" * 458 + "]", "GSM-7", 460, 4),
    ("form feed is an extension", "a" * 159 + "\f", "GSM-7", 161, 2),
    ("emoji ends at 70", "a" * 68 + GRIN, "UCS-2", 70, 1),
    ("emoji crosses 70", "a" * 69 + GRIN, "UCS-2", 71, 2),
    ("emoji would straddle 67", "a" * 66 + GRIN + "a" * 66, "UCS-2", 134, 3),
    ("emoji ends at 134", "a" * 132 + GRIN, "UCS-2", 134, 2),
    ("emoji would straddle 201", "a" * 200 + GRIN, "UCS-2", 202, 4),
    ("ZWJ family straddles", "a" * 60 + FAMILY + "a" * 63, "UCS-2", 134, 3),
    ("flag straddles", "a" * 65 + FLAG_US + "a" * 65, "UCS-2", 134, 3),
    ("skin tone straddles", "a" * 65 + THUMBS_MEDIUM + "a" * 65, "UCS-2", 134, 3),
    ("decomposed accent straddles", "a" * 66 + E_ACUTE_DECOMPOSED + "a" * 66, "UCS-2", 134, 3),
    ("extension char is 1 UCS-2 unit", "€" * 69 + GRIN, "UCS-2", 71, 2),
    ("CRLF is two characters", "a" * 159 + "\r\n", "GSM-7", 161, 2),
    ("LF is one", "a" * 159 + "\n", "GSM-7", 160, 1),
    ("CRLF line", "line 1\r\nline 2", "GSM-7", 14, 1),
    ("LF line", "line 1\nline 2", "GSM-7", 13, 1),
    ("lower-case c-cedilla is not GSM", "Garçon", "UCS-2", 6, 1),
    ("upper-case C-cedilla is GSM", "GARÇON", "GSM-7", 6, 1),
    ("Greek capitals in GSM-7", "ΔΦΓΛΩΠΨΣΘΞ", "GSM-7", 10, 1),
    ("Greek capitals not in GSM-7", "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "UCS-2", 14, 1),
    ("Greek small letters", "αβγ", "UCS-2", 3, 1),
    ("70 CJK", "中" * 70, "UCS-2", 70, 1),
    ("71 CJK", "中" * 71, "UCS-2", 71, 2),
    ("one curly quote makes it UCS-2", "It’s " + "a" * 100, "UCS-2", 105, 2),
    ("tab is not GSM", "a\tb", "UCS-2", 3, 1),
]


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [v[1:] for v in VECTORS],
    ids=[v[0] for v in VECTORS],
)
def test_boundary_vectors(text: str, encoding: Encoding, units: int, segments: int) -> None:
    # Given a text at a boundary, when it is counted and split,
    # then encoding, units and segments are exact and the parts agree with the count.
    assert count_segments(text) == SegmentCount(encoding, units, segments)
    parts = split_parts(text)
    assert len(parts) == segments
    assert "".join(p.text for p in parts) == text
    assert sum(p.units for p in parts) == units


def test_naive_formula_is_wrong_for_153_closing_brackets() -> None:
    # Given 153 "]" (306 septets, ceil(306/153) = 2), when split,
    # then each part takes 76 pairs (152 septets): the 153rd septet cannot hold an escape pair.
    assert split_parts("]" * 153) == (
        Part("]" * 76, 152),
        Part("]" * 76, 152),
        Part("]", 2),
    )


@pytest.mark.parametrize("char", ["€", "]"])
def test_escape_pair_moves_whole_to_the_next_part(char: str) -> None:
    parts = split_parts("a" * 152 + char + "a" * 10)
    assert parts == (Part("a" * 152, 152), Part(char + "a" * 10, 12))


def test_emoji_surrogate_pair_moves_whole_to_the_next_part() -> None:
    parts = split_parts("a" * 66 + GRIN + "a" * 66)
    assert parts == (Part("a" * 66, 66), Part(GRIN + "a" * 65, 67), Part("a", 1))


@pytest.mark.parametrize(
    ("cluster", "before"),
    [(FAMILY, 60), (FLAG_US, 65), (THUMBS_MEDIUM, 65), (E_ACUTE_DECOMPOSED, 66)],
    ids=["zwj family", "flag", "skin tone", "decomposed accent"],
)
def test_grapheme_cluster_never_straddles(cluster: str, before: int) -> None:
    # Given a cluster that would cross the 67-unit boundary, when split,
    # then the first part stops before it and the second starts with the whole cluster.
    text = "a" * before + cluster + "a" * 10
    parts = split_parts(text)
    assert parts[0] == Part("a" * before, before)
    assert parts[1].text == cluster + "a" * 10


def test_crlf_may_be_split_between_its_two_characters() -> None:
    parts = split_parts("a" * 152 + "\r\n" + "a" * 10)
    assert parts == (Part("a" * 152 + "\r", 153), Part("\n" + "a" * 10, 11))


def test_a_cluster_longer_than_a_part_is_split_between_code_points() -> None:
    # Given one letter with 100 combining marks (101 units, more than a whole part),
    # when split, then it is cut between code points: 67 + 34 units.
    text = "a" + "\u0301" * 100
    assert count_segments(text) == SegmentCount("UCS-2", 101, 2)
    assert [p.units for p in split_parts(text)] == [67, 34]


def test_surrogate_pairs_stay_whole_when_an_oversize_cluster_is_split() -> None:
    # Given 66 letters then a 72-unit cluster (an emoji with 70 combining marks), when split,
    # then the cluster is cut between code points, and its surrogate pair moves whole.
    text = "a" * 66 + GRIN + "\u0301" * 70
    assert split_parts(text) == (
        Part("a" * 66, 66),
        Part(GRIN + "\u0301" * 65, 67),
        Part("\u0301" * 5, 5),
    )


def test_empty_text_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="empty") as caught:
        count_segments("")
    assert caught.value.code == "invalid_message"
    with pytest.raises(InvalidMessage, match="empty"):
        split_parts("")


def test_unpaired_surrogate_is_refused_with_its_position() -> None:
    with pytest.raises(InvalidMessage, match="position 2") as caught:
        count_segments("ab\ud83dc")
    assert caught.value.details == {"index": 2}


def test_segment_cap_refuses_with_the_count() -> None:
    # Given 1,531 GSM characters (11 segments), when counted with the default cap of 10,
    # then it is refused and the message says how many segments it takes.
    assert count_segments("a" * 1530).segments == 10
    with pytest.raises(InvalidMessage, match="takes 11 segments; the limit is 10") as caught:
        count_segments("a" * 1531)
    assert caught.value.details == {"segments": 11, "segment_cap": 10}


def test_segment_cap_is_a_parameter() -> None:
    assert count_segments("a" * 1531, segment_cap=11).segments == 11
    assert count_segments("a" * 5000, segment_cap=None).segments == 33
    with pytest.raises(InvalidMessage, match="takes 2 segments; the limit is 1"):
        count_segments("中" * 71, segment_cap=1)
    with pytest.raises(InvalidMessage, match="takes 3 segments; the limit is 2"):
        split_parts("]" * 153, segment_cap=2)


def test_every_gsm_character_and_its_cost() -> None:
    assert len(GSM_BASIC) == 127 and len(GSM_EXTENSION) == 10
    assert count_segments(GSM_BASIC) == SegmentCount("GSM-7", 127, 1)
    assert count_segments(GSM_EXTENSION) == SegmentCount("GSM-7", 20, 1)
    for char in "`\t\x1b\u00e7\u00e1\u00a0":
        assert encoding_of(char) == "UCS-2", repr(char)


def test_ucs2_culprits_name_each_cluster_and_where_it_starts() -> None:
    # Given a text with é (GSM), a curly quote, an emoji and a decomposed accent,
    # when asked why it is UCS-2, then each non-GSM cluster is listed with its index.
    text = "Café’s " + GRIN + " " + E_ACUTE_DECOMPOSED
    assert ucs2_culprits(text) == (
        Culprit("’", 4, ("U+2019 RIGHT SINGLE QUOTATION MARK",)),
        Culprit(GRIN, 7, ("U+1F600 GRINNING FACE",)),
        Culprit(E_ACUTE_DECOMPOSED, 9, ("U+0301 COMBINING ACUTE ACCENT",)),
    )
    assert ucs2_culprits("Plain GSM [€]") == ()


def test_smart_encoding_replaces_look_alikes_and_says_what_it_saves() -> None:
    # Given 100 GSM characters and one curly apostrophe (UCS-2, 2 segments),
    # when smart-encoded, then the apostrophe becomes ' and it fits one GSM-7 segment.
    text = "It’s " + "a" * 100
    smart = smart_encode(text)
    assert smart is not None
    assert smart.text == "It's " + "a" * 100
    assert smart.replacements == (Replacement(2, "’", "'"),)
    assert smart.before == SegmentCount("UCS-2", 105, 2)
    assert smart.after == SegmentCount("GSM-7", 105, 1)
    assert smart.segments_saved == 1


def test_smart_encoding_covers_quotes_dashes_spaces_and_ellipsis() -> None:
    smart = smart_encode("“Sale” – 50%\u00a0off… ends ‘today’ — «now»")
    assert smart is not None
    assert smart.text == '"Sale" - 50% off... ends \'today\' - "now"'
    assert smart.after.encoding == "GSM-7"


def test_smart_encoding_keeps_letters_and_can_save_nothing() -> None:
    # An accent is spelling: ç stays, so the text stays UCS-2 and nothing is saved.
    smart = smart_encode("Garçon’s")
    assert smart is not None
    assert smart.text == "Garçon's"
    assert smart.segments_saved == 0
    assert smart_encode("Nothing to replace here") is None


def test_smart_encoding_is_never_applied_silently() -> None:
    # Given a text smart encoding would shorten, when analyzed,
    # then the count and parts are those of the original; the suggestion is only offered.
    text = "It’s " + "a" * 100
    result = analyze(text)
    assert (result.encoding, result.units, result.segments) == ("UCS-2", 105, 2)
    assert "".join(p.text for p in result.parts) == text
    assert result.culprits == (Culprit("’", 2, ("U+2019 RIGHT SINGLE QUOTATION MARK",)),)
    assert result.smart is not None and result.smart.segments_saved == 1
    assert count_segments(text).encoding == "UCS-2"


def test_analysis_of_gsm_text_has_no_culprits() -> None:
    result = analyze("a" * 152 + "€" + "a" * 10)
    assert result.parts == (Part("a" * 152, 152), Part("€" + "a" * 10, 12))
    assert result.culprits == ()
    assert result.smart is None


TOKENS = [
    *"aZ0 @£$¥èΔ_ΞÆß!?\n\r",
    *GSM_EXTENSION,
    *"ç`\tαЖ中’“…\u00a0",
    "\r\n",
    GRIN,
    FAMILY,
    FLAG_US,
    "\U0001f1fa",
    THUMBS_MEDIUM,
    E_ACUTE_DECOMPOSED,
    "\u0301",
    "\u200d",
    "\U0001f3fb",
    "\u0915\u094d\u0937",
    "\u1100\u1161\u11a8",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=400))
def test_parts_rebuild_the_text_and_match_the_count(tokens: list[str]) -> None:
    # For any text: the fast count equals the number of parts, the parts rebuild the text,
    # no part is over capacity, and every cut falls on a grapheme cluster boundary (CR LF and
    # clusters longer than a part excepted).
    text = "".join(tokens)
    count = count_segments(text, segment_cap=None)
    parts = split_parts(text, segment_cap=None)
    assert len(parts) == count.segments
    assert "".join(p.text for p in parts) == text
    assert sum(p.units for p in parts) == count.units
    single, multi = (160, 153) if count.encoding == "GSM-7" else (70, 67)
    assert all(p.units <= (single if len(parts) == 1 else multi) for p in parts)
    if count.encoding == "UCS-2":
        allowed, offset = {0}, 0
        for cluster in regex.findall(r"\X", text):
            if cluster == "\r\n" or len(cluster.encode("utf-16-le")) // 2 > 67:
                allowed.update(range(offset + 1, offset + len(cluster)))
            offset += len(cluster)
            allowed.add(offset)
        cut = 0
        for part in parts:
            cut += len(part.text)
            assert cut in allowed
