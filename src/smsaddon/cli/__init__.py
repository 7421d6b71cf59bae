"""The command line: `smsaddon --help`. Each module registers its commands on one app."""

from smsaddon.cli import billing, database, pricing, serve  # noqa: F401  (registers commands)
from smsaddon.cli.app import app


def main() -> None:
    app()
