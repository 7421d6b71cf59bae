"""The HTTP edges are tested through the API app: its fixtures are in tests/fixtures/api.py."""

from tests.fixtures.api import api, fast_passwords

__all__ = ["api", "fast_passwords"]
