"""State machines declared as tables, applied by one writer per model.

Each stateful model declares one `Machine`: its transitions (name, the states it leaves, the state
it enters, the roles that may make it, a label and an optional guard). `Machine.apply` is the only
code that assigns the model's state field: services call it inside their own transaction, on a row
they have locked, and it writes one audit record. Any other move raises `TransitionError` with a
sentence saying why, in the user's language.

The tables live beside their models (`<app>/workflow.py`); `MACHINES` lists every one, so a test
walks them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from kikin.core import timeutil


class TransitionError(Exception):
    """A move the table does not allow, or an actor whose role may not make it."""

    def __init__(self, message: str, *, code: str = "not_allowed"):
        super().__init__(message)
        self.code = code
        self.message = message


#: A guard answers (allowed, reason) for one object and actor beyond the table's sources and roles.
Guard = Callable[[models.Model, object], tuple[bool, str]]


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: str
    guard: Guard | None = None
    #: The audit action written, where it is not "<audit_prefix>.<name>" (kept from before).
    action: str = ""


def transition(name, sources, target, roles, label, guard=None, *, action="") -> Transition:
    return Transition(name, tuple(sources), target, frozenset(roles), label, guard, action)


@dataclass
class Machine:
    """The declared states of one model's `state_field` and the moves between them."""

    model: type[models.Model]
    transitions: Iterable[Transition]
    state_field: str = "state"
    audit_prefix: str = ""
    #: How a blank state reads in messages (e.g. a stage gate not yet decided).
    blank_label: str = ""
    by_name: dict[str, Transition] = field(init=False, default_factory=dict)

    def __post_init__(self):
        self.by_name = {t.name: t for t in self.transitions}
        self.transitions = tuple(self.by_name.values())
        if not self.audit_prefix:
            self.audit_prefix = self.model._meta.model_name

    @property
    def states(self) -> set[str]:
        return {s for t in self.transitions for s in (*t.sources, t.target)}

    def state_label(self, obj) -> str:
        if getattr(obj, self.state_field) == "" and self.blank_label:
            return str(self.blank_label)
        display = getattr(obj, f"get_{self.state_field}_display", None)
        return str(display()) if display else str(getattr(obj, self.state_field))

    def allowed(self, obj, name: str, actor) -> tuple[bool, str]:
        """(may `actor` make transition `name` on `obj` now, and if not, why)."""
        t = self.by_name.get(name)
        if t is None:
            return False, _("This step does not exist.")
        if getattr(obj, self.state_field) not in t.sources:
            return False, _("This cannot be done while it is “%(state)s”.") % {
                "state": self.state_label(obj)
            }
        # An empty `roles` leaves who may to the service (e.g. the award's implementer).
        if t.roles and getattr(actor, "role", None) not in t.roles:
            return False, _("Your role may not do this.")
        if t.guard is not None:
            return t.guard(obj, actor)
        return True, ""

    def available(self, obj, actor) -> list[Transition]:
        """The transitions `actor` may make on `obj` now (what a page offers)."""
        return [t for t in self.transitions if self.allowed(obj, t.name, actor)[0]]

    def apply(
        self,
        obj,
        name: str,
        actor,
        *,
        note: str = "",
        extra: dict | None = None,
        also: dict | None = None,
        before: dict | None = None,
    ):
        """Move `obj` by transition `name`, setting `also` (other fields that change with it),
        saving the changed fields and writing one audit record (`before` and `extra` add to what
        it says was and is). Call inside a transaction, on a row locked with select_for_update.
        An object not yet saved (one made in the state the transition leaves) is saved whole."""
        from kikin.audit.services import record

        ok, reason = self.allowed(obj, name, actor)
        if not ok:
            raise TransitionError(str(reason))
        was = getattr(obj, self.state_field)
        setattr(obj, self.state_field, self.by_name[name].target)
        fields = [self.state_field, *(also or {})]
        for key, value in (also or {}).items():
            setattr(obj, key, value)
        if any(f.name == "updated_at" for f in obj._meta.get_fields()):
            fields.append("updated_at")
        if obj._state.adding:
            obj.save()
        else:
            obj.save(update_fields=fields)
        record(
            actor=actor,
            action=self.by_name[name].action or f"{self.audit_prefix}.{name}",
            obj=obj,
            before={**(before or {}), self.state_field: was},
            after={
                self.state_field: getattr(obj, self.state_field),
                **(extra or {}),
                "at": timeutil.now().isoformat(),
            },
            note=note,
        )
        return obj


#: Every declared machine, by model label (filled as the apps' workflow modules are imported).
MACHINES: dict[str, Machine] = {}


def register(machine: Machine) -> Machine:
    MACHINES[machine.model._meta.label] = machine
    return machine
