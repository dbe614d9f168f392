"""The demo's open call, so that the demo's applicant can propose."""

import datetime as dt

from django.utils.translation import gettext as _

from kikin.core.demo import left_out, program_life
from kikin.core.timeutil import jst_end_of, jst_start_of, today_jst
from kikin.programs.demo import demo_theme
from kikin.programs.models import Program

from .models import Call


def load_demo_call():
    """A call open now, so that the demo's applicant can propose (marked as demo data): opened a
    week before the day the demo is loaded, its deadline 30 days after it, never outside the
    program's life (`DemoLeftOut` where the program has ended)."""
    program = Program.objects.filter(code="post5g").first()
    if program is None:
        return None
    today = today_jst()
    opens, closes = today - dt.timedelta(days=7), today + dt.timedelta(days=30)
    if program.start_date is not None:
        opens = max(opens, program.start_date)
    if program.end_date is not None:
        if program.end_date <= today:
            raise left_out(
                _("The demo's open call"),
                program,
                _("the program has ended, so no call of it can be open (%(life)s).")
                % {"life": program_life(program)},
            )
        closes = min(closes, program.end_date)
    call, _created = Call.objects.update_or_create(
        program=program,
        key="demo",
        defaults={
            "title_ja": "デモ公募（ポスト５Ｇ・人材育成）",
            "title_en": "Demo call (post-5G, human resources)",
            "opens_at": jst_start_of(opens),
            "closes_at": jst_end_of(closes),
            "budget_total_yen": 20_000_000_000,
            "is_demo": True,
            "note_ja": "デモ用の架空の公募です。",
            "note_en": "A fictional call for the demo.",
        },
    )
    call.themes.set(
        [demo_theme("refund_contract"), demo_theme("grant"), demo_theme("human_resources")]
    )
    _demo_guidelines(call)
    return call


def _demo_guidelines(call) -> None:
    """The demo call's guidelines, published by the demo's officer (once)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kikin.accounts.models import Role, User
    from kikin.core.demo import minimal_pdf

    from .services import add_call_document

    officer = User.objects.filter(username="officer", role=Role.AGENCY).first()
    if officer is None or call.documents.exists():
        return
    add_call_document(
        actor=officer,
        call=call,
        uploaded=SimpleUploadedFile(
            "公募要領（デモ）.pdf",
            minimal_pdf("Demo call guidelines"),
            content_type="application/pdf",
        ),
        kind="guidelines",
        title_ja="公募要領（デモ）",
        title_en="Call guidelines (demo)",
    )
