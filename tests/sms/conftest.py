"""Demo Co with the SMS add-on and a simulator; it lives in tests/fixtures/sending.py."""

from tests.fixtures.sending import world

__all__ = ["world"]
