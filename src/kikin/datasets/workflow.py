"""The state machines of datasets, access requests and link instructions, each declared in one
table and applied by one writer (`kikin.datasets.services`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.core.workflow import Machine, register, transition

from .models import AccessRequest, Dataset, LinkInstruction
from .models import DatasetState as D
from .models import InstructionState as I
from .models import RequestState as RQ
from .permissions import can_decide_requests, can_edit_dataset, can_manage_platform

_t = transition


def _editor(dataset, actor) -> tuple[bool, str]:
    ok, reason = can_edit_dataset(actor, dataset)
    return ok, str(reason)


def _data_manager(req, actor) -> tuple[bool, str]:
    ok, reason = can_decide_requests(actor, req.dataset)
    return ok, str(reason)


def _requester(req, actor) -> tuple[bool, str]:
    if req.requester_id != getattr(actor, "pk", None):
        return False, str(_("Only the requester withdraws a request."))
    return True, ""


def _platform_manager(item, actor) -> tuple[bool, str]:
    ok, reason = can_manage_platform(actor, item.platform)
    return ok, str(reason)


DATASET = register(
    Machine(
        Dataset,
        [
            _t(
                "publish",
                [D.DRAFT],
                D.PUBLISHED,
                [],
                _("Publish"),
                _editor,
                action="datasets.published",
            ),
            _t(
                "withdraw",
                [D.PUBLISHED],
                D.WITHDRAWN,
                [],
                _("Withdraw"),
                _editor,
                action="datasets.withdrawn",
            ),
        ],
        audit_prefix="datasets_dataset",
    )
)

ACCESS_REQUEST = register(
    Machine(
        AccessRequest,
        [
            # The exclusion rule refuses a request at once, as it is made (by the requester).
            _t(
                "exclude",
                [RQ.SUBMITTED],
                RQ.REFUSED,
                [],
                _("Refuse at once (exclusion rule)"),
                _requester,
                action="datasets.access_excluded",
            ),
            _t(
                "approve",
                [RQ.SUBMITTED],
                RQ.APPROVED,
                [],
                _("Approve"),
                _data_manager,
                action="datasets.access_decided",
            ),
            _t(
                "refuse",
                [RQ.SUBMITTED],
                RQ.REFUSED,
                [],
                _("Refuse"),
                _data_manager,
                action="datasets.access_decided",
            ),
            _t(
                "withdraw",
                [RQ.SUBMITTED],
                RQ.WITHDRAWN,
                [],
                _("Withdraw"),
                _requester,
                action="datasets.request_withdrawn",
            ),
            # A waiting request lapses when the conditions change or the dataset is withdrawn.
            _t(
                "lapse",
                [RQ.SUBMITTED],
                RQ.WITHDRAWN,
                [],
                _("Lapse"),
                action="datasets.request_lapsed",
            ),
        ],
        audit_prefix="datasets_request",
    )
)

LINK_INSTRUCTION = register(
    Machine(
        LinkInstruction,
        [
            _t(
                "consult",
                [I.ISSUED],
                I.CONSULTED,
                [],
                _("Record the consultation"),
                _platform_manager,
                action="datasets.link_consulted",
            ),
            _t(
                "follow",
                [I.CONSULTED],
                I.FOLLOWED,
                [],
                _("Record that it was followed"),
                _platform_manager,
                action="datasets.link_followed",
            ),
        ],
        audit_prefix="datasets_link",
    )
)
