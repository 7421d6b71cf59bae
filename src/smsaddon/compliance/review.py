"""Registration review behind one seam.

A `Reviewer` looks at a submission and answers with a decision, or None while it is still
under review. `SimulatedReviewer` (the default) rejects by rule with a reason, and otherwise
approves `delay` after submission; with no delay it leaves the decision to the operator
(`smsaddon registration approve|reject`). Settings:

- SMSADDON_REVIEW_DELAY_SECONDS: approve this long after submission (unset: operator decides).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class Submission:
    """What was submitted, as the reviewer sees it."""

    account_id: int
    submitted_at: datetime
    legal_name: str
    ein: str
    website: str
    vertical: str
    use_case: str
    description: str
    sample_messages: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    approved: bool
    reason: str | None = None


class Reviewer(Protocol):
    def decide(self, submission: Submission, *, now: datetime) -> Decision | None:
        """The decision on `submission` as of `now`, or None while it is under review."""
        ...


Rule = Callable[[Submission], str | None]  # a reason to reject, or None

PROHIBITED = re.compile(
    r"\b(cannabis|marijuana|cbd|payday loan|casino|gambling|firearms?|debt relief)\b",
    re.IGNORECASE,
)


def placeholder_ein(submission: Submission) -> str | None:
    if len(set(submission.ein.replace("-", ""))) == 1:
        return f"The EIN {submission.ein} is not registered to {submission.legal_name}."
    return None


def prohibited_content(submission: Submission) -> str | None:
    text = " ".join((submission.description, *submission.sample_messages))
    found = PROHIBITED.search(text)
    if found:
        return (
            f'The campaign mentions "{found.group(0)}", content carriers do not allow on '
            "10DLC. Remove it from the description and the samples."
        )
    return None


def unreachable_website(submission: Submission) -> str | None:
    host = submission.website.lower()
    if host.endswith((".invalid", ".test", ".example")) or "example.com" in host:
        return f"The website {submission.website} could not be verified as the brand's."
    return None


DEFAULT_RULES: tuple[Rule, ...] = (placeholder_ein, unreachable_website, prohibited_content)


@dataclass(frozen=True)
class SimulatedReviewer:
    delay: timedelta | None = None
    rules: Sequence[Rule] = DEFAULT_RULES

    def decide(self, submission: Submission, *, now: datetime) -> Decision | None:
        if now < submission.submitted_at + (self.delay or timedelta(0)):
            return None
        for rule in self.rules:
            reason = rule(submission)
            if reason:
                return Decision(approved=False, reason=reason)
        return Decision(approved=True) if self.delay is not None else None
