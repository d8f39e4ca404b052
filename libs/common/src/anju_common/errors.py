"""Domain errors that leave the API as problem+json."""

from __future__ import annotations

from typing import Any

from anju_common.problems import Problem


class NotFoundError(Problem):
    """The object does not exist or is outside the caller's scope (both answer 404)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(404, f"{what} {ident} not found", code="not-found")


class ConflictError(Problem):
    """The request conflicts with the object's current state."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(409, detail, code="conflict", **extra)


class PreconditionFailedError(Problem):
    """If-Match named a version that is no longer current."""

    def __init__(self, current: int) -> None:
        super().__init__(
            412,
            f"the object changed; current version is {current}",
            code="stale-version",
            current_version=current,
        )


class ForbiddenError(Problem):
    """The caller may not do this."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail, code="forbidden")


class InvalidFieldError(Problem):
    """A single field is invalid in a way only the service can tell (422 naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            422,
            f"{field}: {message}",
            code="validation-error",
            errors=[{"field": field, "message": message, "type": "value_error"}],
        )


def parse_if_match(value: str | None) -> int | None:
    """The version in an If-Match header (W/"3" or "3"); a malformed one is a 400."""
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Problem(
            400, 'If-Match must be an ETag like W/"3" from a previous response', code="bad-if-match"
        )
    return int(raw)


def check_version(current: int, if_match: int | None, body_version: int | None) -> None:
    """Optimistic concurrency: If-Match mismatch is 412, body version mismatch is 409, neither is 428."""
    if if_match is not None:
        if if_match != current:
            raise PreconditionFailedError(current)
        return
    if body_version is not None:
        if body_version != current:
            raise ConflictError(
                f"version {body_version} is stale; current version is {current}", current_version=current
            )
        return
    raise Problem(
        428, "send If-Match with the ETag you read, or the version field", code="precondition-required"
    )


def etag(version: int) -> str:
    """Weak ETag for a version number."""
    return f'W/"{version}"'
