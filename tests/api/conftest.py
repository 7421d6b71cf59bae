"""The API's fixtures live in tests/fixtures/api.py, shared with the other API tests."""

from tests.fixtures.api import api, fast_passwords

__all__ = ["api", "fast_passwords"]
