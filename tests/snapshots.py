"""`snapshot(sessions)`: every table's rows, to assert that a refusal changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import models
from smsaddon.db import transaction


def snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    with transaction(sessions) as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in models.Base.metadata.sorted_tables
        }
