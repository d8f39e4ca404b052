"""Who may do what, and what a PATCH may clear: checks shared by the workers service's rules."""

from __future__ import annotations

from anju_common.errors import ForbiddenError, InvalidFieldError
from anju_common.principal import Principal
from pydantic import BaseModel


def no_nulls(patch: BaseModel, nullable: set[str]) -> None:
    """A PATCH may clear only optional facts; null for anything else is a 422 naming the field."""
    for key in patch.model_fields_set - nullable - {"version"}:
        if getattr(patch, key) is None:
            raise InvalidFieldError(f"body.{key}", "cannot be null")


def staff_only(principal: Principal) -> None:
    if principal.role == "employer":
        raise ForbiddenError("only employment-office staff manage households and workers")
