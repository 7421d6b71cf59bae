"""text.checked: what may be stored as a name or a text."""

from __future__ import annotations

import pytest

from smsaddon.errors import ValidationFailed
from smsaddon.text import checked


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("  Spring sale #1 & 50% off  ", "Spring sale #1 & 50% off"),
        ("Zoë 🎉 [b]", "Zoë 🎉 [b]"),
        ("", ""),
    ],
)
def test_names_are_stripped_and_kept_as_typed(value: str, stored: str) -> None:
    assert checked(value, field="name") == stored


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("\x00", "U+0000 (NUL) alone"),
        ("Ada\x00", "U+0000 (NUL) at position 4"),
        ("red\x1b[31m", "U+001B"),
        ("two\nlines", "U+000A (a line break) at position 4"),
        ("two\r\nlines", "U+000D (a carriage return) at position 4"),
        ("tab\there", "U+0009 (a tab)"),
        ("line\u2028separator", "U+2028 (LINE SEPARATOR)"),
        ("lone \ud800 surrogate", "U+D800"),
    ],
)
def test_names_refuse_control_characters_and_line_breaks(value: str, said: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        checked(value, field="list")
    assert refused.value.details == {"field": "list"}
    assert refused.value.message.startswith("The list has a character that cannot be stored: ")
    assert said in refused.value.message


def test_texts_keep_line_breaks_and_tabs_and_refuse_the_rest() -> None:
    assert checked("Hi\r\nthere\tyou\n", field="text", text=True) == "Hi\nthere\tyou\n"
    for bad in ("\x00", "a\rb", "bell\x07", "\x7f"):
        with pytest.raises(ValidationFailed, match="The text has a character"):
            checked(bad, field="text", text=True)


def test_a_long_value_is_refused_naming_its_length() -> None:
    assert checked("x" * 100, field="name", max_length=100) == "x" * 100
    with pytest.raises(ValidationFailed, match="The name has 101 characters; at most 100"):
        checked("x" * 101, field="name", max_length=100)
