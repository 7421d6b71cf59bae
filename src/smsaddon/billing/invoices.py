"""Invoices: every charge recorded on the account, with its lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from smsaddon.billing.models import Invoice, InvoiceLine


def record_invoice(
    session: Session,
    *,
    account_id: int,
    key: str,
    issued_at: datetime,
    description: str,
    currency: str,
    status: str,
    catalog_version: str,
    lines: list[tuple[str, int, datetime, datetime]],
) -> Invoice:
    """One invoice with its lines (description, amount, period start, period end)."""
    invoice = Invoice(
        account_id=account_id,
        key=key,
        issued_at=issued_at,
        description=description,
        currency=currency,
        total=sum(amount for _, amount, _, _ in lines),
        status=status,
        catalog_version=catalog_version,
    )
    invoice.lines = [
        InvoiceLine(description=text, amount=amount, period_start=start, period_end=end)
        for text, amount, start, end in lines
    ]
    session.add(invoice)
    session.flush()
    return invoice


def list_invoices(
    session: Session,
    *,
    account_id: int,
    limit: int = 50,
    before_id: int | None = None,
    issued_from: datetime | None = None,
    issued_until: datetime | None = None,
) -> list[Invoice]:
    """Newest first; `before_id` continues a previous page (cursor pagination)."""
    query = (
        _invoices(account_id, issued_from, issued_until)
        .options(selectinload(Invoice.lines))
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        cursor = session.get(Invoice, before_id)
        if cursor is not None and cursor.account_id == account_id:
            query = query.where(
                (Invoice.issued_at < cursor.issued_at)
                | ((Invoice.issued_at == cursor.issued_at) & (Invoice.id < cursor.id))
            )
    return list(session.scalars(query))


def count_invoices(
    session: Session,
    *,
    account_id: int,
    issued_from: datetime | None = None,
    issued_until: datetime | None = None,
) -> int:
    """How many invoices `list_invoices` pages through with these filters."""
    query = _invoices(account_id, issued_from, issued_until).with_only_columns(func.count())
    return int(session.scalar(query) or 0)


def _invoices(
    account_id: int, issued_from: datetime | None, issued_until: datetime | None
) -> Select[Invoice]:
    query = select(Invoice).where(Invoice.account_id == account_id)
    if issued_from is not None:
        query = query.where(Invoice.issued_at >= issued_from)
    if issued_until is not None:
        query = query.where(Invoice.issued_at < issued_until)
    return query
