"""The one shape of a permission answer, and the registry the templates ask through.

Every public predicate of an app's `permissions.py` answers an `Answer`: `(allowed, reason)`,
truthy when allowed, unpackable as a 2-tuple (`ok, why = can_edit(user, proposal)`), with the
reason a sentence in the user's language when refused. Views and templates never compare role
names; they ask a predicate. Templates ask through `{% allowed "app.predicate" … as ok %}`
(`kikin.core.templatetags.perms`), which looks the name up in `REGISTRY`: the apps fill it with
`@predicate` in their own `permissions.py` (imported by their `AppConfig.ready()`), so core imports
no app and a template can reach only what an app registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import PermissionDenied


class Answer(NamedTuple):
    """Whether something is allowed, and if not, why (a sentence for the user)."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return bool(self.allowed)


ALLOWED = Answer(True, "")


def allow() -> Answer:
    return ALLOWED


def deny(reason: str) -> Answer:
    return Answer(False, str(reason))


def answer(allowed: bool, reason: str) -> Answer:
    """`allow()` when `allowed`, else `deny(reason)`."""
    return ALLOWED if allowed else deny(reason)


def require(result: Answer | tuple[bool, str]) -> None:
    """Refuse (PermissionDenied, with the answer's reason) unless `result` allows."""
    allowed, reason = result
    if not allowed:
        raise PermissionDenied(reason)


# "app.predicate" -> the predicate; filled by the apps' `@predicate`.
REGISTRY: dict[str, Callable[..., Answer]] = {}


def predicate(func: Callable[..., Answer]) -> Callable[..., Answer]:
    """Register a predicate of `kikin.<app>.permissions` as "<app>.<name>" for the templates."""
    parts = func.__module__.split(".")
    if len(parts) != 3 or parts[0] != "kikin" or parts[2] != "permissions":
        raise ValueError(
            f"{func.__module__}.{func.__name__}: predicates live in an app's permissions.py"
        )
    REGISTRY[f"{parts[1]}.{func.__name__}"] = func
    return func


def lookup(name: str) -> Callable[..., Answer]:
    """The registered predicate called `name` ("app.predicate"); KeyError if none is."""
    return REGISTRY[name]
