"""The demo world the services are driven through; it lives in tests/fixtures/world.py."""

from tests.fixtures.world import world

__all__ = ["world"]
