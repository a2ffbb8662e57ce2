"""The e-mails the product sends, each under a fixed key with its default subject and body (Django template syntax,
rendered as plain text) and the context variables it offers. A company may save its own text per key
(EmailTemplate); the demotion policy's stage e-mails live in the policy document instead."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmailKind:
    key: str
    description: str
    subject: str
    body: str
    variables: dict[str, str]
    sample: dict


EMAIL_KINDS: dict[str, EmailKind] = {}
