"""Shapes shared by every endpoint: the error body and the responses each operation may give."""

from __future__ import annotations

from ninja import Schema


class FieldErrorOut(Schema):
    field: str
    label: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


#: Error responses every authenticated operation may give.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
#: ...and the public ones (no token needed, but a bad token is refused).
PUBLIC_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def responses(ok, *, public: bool = False, status: int = 200) -> dict:
    return {status: ok, **(PUBLIC_ERRORS if public else ERRORS)}
