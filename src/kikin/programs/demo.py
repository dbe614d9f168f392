"""The demo's themes, as `kikin/core/demo.toml` chooses them."""

from __future__ import annotations

from kikin.core.demo import demo_choices

from .models import Theme


def demo_theme(role: str) -> Theme:
    """The theme the demo uses for `role` (refund_contract, grant, human_resources, qleap)."""
    choice = demo_choices()["themes"][role]
    item, code = choice["theme"].split("-", 1)
    return Theme.objects.get(program__code=choice["program"], item__number=int(item), code=code)
