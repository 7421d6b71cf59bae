"""The command line: `smsaddon --help`. Each module registers its commands on one app."""

from smsaddon.audit import origin_scope
from smsaddon.cli import billing, compliance, database, pricing, sending, serve, tokens, users  # noqa: F401  (registers commands)
from smsaddon.cli.app import run


def main() -> None:
    with origin_scope("cli"):  # the audit log's "from where"
        code = run()
    raise SystemExit(code)
