"""Masking of phone and resident-ID numbers for responses and logs."""

from __future__ import annotations

import re
from typing import Any

# Mainland mobile numbers with or without +86, and 18-digit resident IDs (last char may be X).
_PHONE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_ID = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_E164 = re.compile(r"\+\d{7,15}")


def mask_phone(phone: str | None) -> str | None:
    """138****5678 style: keep the first three and last four digits."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_number(id_number: str | None) -> str | None:
    """110105********1234 style: keep the region code and last four characters."""
    if not id_number:
        return id_number
    if len(id_number) < 10:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"


def redact_text(text: str) -> str:
    """Replace anything that looks like a phone or ID number in free text."""
    text = _ID.sub(lambda m: f"{m.group(1)}********{m.group(3)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _E164.sub(lambda m: f"{m.group(0)[:4]}****{m.group(0)[-4:]}", text)


def redact(value: Any) -> Any:
    """Recursively redact strings inside dicts, lists and tuples."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value
