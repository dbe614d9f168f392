"""The guides' pictures, taken by walking each guide's steps in real headless Chromium.

On a live server with the demo loaded (`load_plan`, `load_budget_frames`, `load_demo`), each
role signs in through the login page, in Japanese and then
in English, and does what its guide describes, in the order a call runs: the applicant finds the
demo call, writes a proposal (budget, team, partner, leakage plan), attaches a file and submits
it; the ministry screens it; the officer assigns the demo reviewer; the reviewer scores it; after
the call has closed (the fund's clock moved past its deadline), the officer records the committee's decision and the ministry approves it;
the implementer claims a cost on the demo award and sends a prior consultation; the officer
approves the claim; the ministry answers the consultation. On the way it takes the screenshots
(1000 pixels wide) and writes them where the guide pages serve them from
(src/kikin/help/static/help/screens/<language>/<name>.png).

Then it holds the guides to the pictures: every picture a guide shows was taken by this run (a
guide cannot show a screenshot no test takes), every picture taken is shown by a guide (a
screenshot no guide shows is removed), the guide pages answer every role in both languages with
their pictures loaded, and every link of a guide, and every "?" link of the pages walked, leads
to a section that exists.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from kikin.accounts.demo import DEMO_PASSWORD
from kikin.accounts.models import User
from kikin.awards.demo import DEMO_TITLE
from kikin.awards.models import Award, ClaimState, CostClaim
from kikin.calls.models import Call, Proposal, ProposalState
from kikin.compliance.models import PriorConsultation
from kikin.core import timeutil
from kikin.help import selectors
from kikin.outcomes.demo import CONTRACT_TITLE, GRANT_TITLE
from kikin.review import services as review
from kikin.review.models import Assignment
from kikin.rules.fiscal import fiscal_year
from tests import factories as f
from tests.security.files import tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("ja", "en")
LOCALES = {"ja": "ja-JP", "en": "en-GB"}
WIDTH, HEIGHT = 1000, 800
#: Days after the demo is loaded when its call has closed (it closes 30 days after), and the
#: committee may decide: the fund's clock is moved there (`KIKIN_TODAY`).
AFTER_THE_DEADLINE = 31

TITLES = {"ja": "光ネットワーク制御の省電力化", "en": "Low-power control of optical networks"}
TEXT = {
    "ja": {
        "abstract": "５Ｇコアの光ネットワーク制御を見直し、消費電力を三割削減する。",
        "plan": "初年度：制御方式の設計。次年度：試作と検証。最終年度：商用網での実証。",
        "pi": "応募 次郎",
        "role": "研究代表者",
        "partner": "株式会社サンプル通信",
        "core": "光スイッチ制御ソフトウェア",
        "access": "開発環境を社内網に限定し、二要素認証で管理する。",
        "staff": "アクセス権者名簿を四半期ごとに更新する。",
        "partners": "連携先と秘密保持契約を結び、年1回監査する。",
        "screening": "ポスト５Ｇの省電力化という政策目的に合致する。",
        "comment": "省電力化の目標が具体的で、実証計画も妥当である。",
        "reason": "技術的優位性と実用化の見通しが高い。",
        "claim": "研究員人件費（11月）",
        "act": "海外の通信事業者への制御技術の提供",
        "counterparty": "Example Networks Inc.",
        "answer": "提供範囲を契約で限定することを条件とする。",
        "filing_note": "売上は製品カタログ掲載後の出荷分。",
    },
    "en": {
        "abstract": "Rework the control of the 5G core's optical network to cut its power use by 30%.",
        "plan": "Year 1: design of the control. Year 2: prototype and tests. Year 3: trial "
        "on a commercial network.",
        "pi": "Jiro Oubo",
        "role": "Principal investigator",
        "partner": "Sample Telecom Co., Ltd.",
        "core": "Optical switch control software",
        "access": "Development network limited to our premises, with two-factor sign-in.",
        "staff": "A register of staff with access, reviewed every quarter.",
        "partners": "Confidentiality agreements with partners, audited once a year.",
        "screening": "Fits the policy aim of energy-efficient post-5G networks.",
        "comment": "Clear power-saving targets and a sound trial plan.",
        "reason": "Strong technology and a clear path to practical use.",
        "claim": "Researchers' salaries (November)",
        "act": "Providing the control technology to an overseas operator",
        "counterparty": "Example Networks Inc.",
        "answer": "On condition that the contract limits what is provided.",
        "filing_note": "Sales are shipments after the product entered the catalogue.",
    },
}


def label(language: str, msgid: str) -> str:
    """A page's label as the page shows it in `language` (from the catalogues)."""
    with translation.override(language):
        return gettext(msgid)


class Walk:
    """The browser sessions of one run, and the screenshots and "?" links it met."""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.url = live_server.url
        self.taken: dict[str, set[str]] = defaultdict(set)
        self.help_links: set[str] = set()

    def session(self, username: str, language: str):
        context = self.browser.new_context(
            locale=LOCALES[language],
            timezone_id="Asia/Tokyo",
            viewport={"width": WIDTH, "height": HEIGHT},
            device_scale_factor=1,
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        # what cannot be undone asks to be confirmed ("Submit the proposal? …"): confirmed
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{self.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        return context, page

    def open(self, page, path: str):
        response = page.goto(f"{self.url}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        self.collect(page)
        return page

    def collect(self, page):
        for href in page.locator("a.help-link").evaluate_all("links => links.map(a => a.href)"):
            self.help_links.add(href.replace(self.url, ""))

    def shot(self, page, language: str, name: str, *parts, top=None, height=None):
        """Screenshot `name`: the page's full width, from the top of the first of `parts` (or
        of `top`, a locator) down to the bottom of the last of them, or `height` pixels."""
        self.collect(page)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        # measured and taken from the top of the page, so that a sticky part (the proposal
        # form's panel) is where it belongs
        page.evaluate("window.scrollTo(0, 0)")
        boxes = [part.first.bounding_box() for part in parts]
        start = min(b["y"] for b in boxes) - 12 if boxes else 0
        if top is not None:
            start = top.first.bounding_box()["y"] - 12
        start = max(0, start)
        end = max(b["y"] + b["height"] for b in boxes) + 12 if boxes else start + HEIGHT
        if height is not None:
            end = start + height
        end = min(end, page.evaluate("document.documentElement.scrollHeight"))
        png = page.screenshot(
            full_page=True,
            clip={"x": 0, "y": start, "width": WIDTH, "height": max(40, end - start)},
            animations="disabled",
            caret="hide",
        )
        path = selectors.screenshot_path(language, f"{name}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True
        )
        self.taken[language].add(path.name)


def _demo():
    """The demo, loaded as `make demo` loads it; its people."""
    for command in ("load_plan", "load_budget_frames", "load_demo"):
        call_command(command, verbosity=0)
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    assert len(users) == len(DEMO_USERS)
    return users


DEMO_USERS = ("applicant", "officer", "reviewer", "ministry")


def test_the_guides_pictures_are_the_pages_as_they_are(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    users = _demo()
    today = timeutil.today()
    after_deadline = today + dt.timedelta(days=AFTER_THE_DEADLINE)
    call = Call.objects.get(key="demo")
    award = Award.objects.get(proposal__title=DEMO_TITLE)
    contract_done = Award.objects.get(proposal__title=CONTRACT_TITLE)
    grant_done = Award.objects.get(proposal__title=GRANT_TITLE)
    walk = Walk(browser, live_server)
    proposals: dict[str, Proposal] = {}
    # the proposal: from the next fiscal year, for up to three years within the program
    start = dt.date(fiscal_year(today) + 1, 4, 1)
    end = call.program.end_date or dt.date(start.year + 3, 3, 31)
    years = max(1, min(3, fiscal_year(end) - start.year + 1))

    # -- The applicant: the home page, a call, a proposal written, a file attached, submitted.
    for lang in LANGUAGES:
        t = TEXT[lang]
        ctx, page = walk.session("applicant", lang)
        walk.open(page, "/")
        walk.shot(
            page,
            lang,
            "applicant-home",
            page.locator("section.inbox"),
            top=page.locator("header.site"),
        )
        walk.open(page, f"/calls/{call.pk}/")
        walk.shot(page, lang, "applicant-call", page.locator("main"))
        page.get_by_role("button", name=label(lang, "Start a proposal")).first.click()
        page.wait_for_url(re.compile(r".*/proposals/\d+/edit/$"))
        walk.collect(page)
        walk.shot(
            page,
            lang,
            "applicant-checks",
            page.locator("main h1"),
            page.locator("aside"),
            height=760,
        )
        page.fill("input[name=title]", TITLES[lang])
        page.select_option("select[name=language]", lang)
        page.fill("textarea[name=abstract]", t["abstract"])
        page.fill("textarea[name=plan]", t["plan"])
        page.fill("input[name=start_date]", start.isoformat())
        page.fill("input[name=period_months]", str(12 * years))
        for i, amount in enumerate((900_000_000, 1_200_000_000, 800_000_000)[:years]):
            page.locator("input[name=budget_fy]").nth(i).fill(str(start.year + i))
            page.locator("input[name=budget_requested]").nth(i).fill(str(amount))
            page.locator("input[name=budget_eligible]").nth(i).fill(str(amount))
        page.fill("input[name=set_value]", "2.5")
        page.locator("input[name=team_name]").first.fill(t["pi"])
        page.locator("input[name=team_affiliation]").first.fill(
            "株式会社デモ基盤モデル" if lang == "ja" else "Demo Foundation Models K.K."
        )
        page.locator("input[name=team_role]").first.fill(t["role"])
        page.locator("input[name=team_lead]").first.check()
        page.locator("input[name=partner_name]").first.fill(t["partner"])
        page.fill("textarea[name=leakage_core_technologies]", t["core"])
        page.fill("textarea[name=leakage_access_control]", t["access"])
        page.fill("textarea[name=leakage_staff_management]", t["staff"])
        page.fill("textarea[name=leakage_partner_controls]", t["partners"])
        page.get_by_role("button", name=label(lang, "Save draft"), exact=True).click()
        page.wait_for_load_state()
        page.locator("#save-status .ready").wait_for()
        budget = page.locator("fieldset", has=page.locator("input[name=budget_fy]"))
        partners = page.locator("fieldset", has=page.locator("input[name=partner_name]"))
        walk.shot(page, lang, "applicant-budget", budget, partners)
        pdf = tmp_path / ("研究開発計画書.pdf" if lang == "ja" else "rd-plan.pdf")
        pdf.write_bytes(tiny_pdf(pdf.name))
        page.set_input_files("input[name=attachment]", str(pdf))
        page.click("form[action$='/attachments/'] button")
        page.wait_for_selector(f"#attachments li a:has-text('{pdf.name}')")
        walk.shot(page, lang, "applicant-attachments", page.locator("aside"))
        page.locator("button[formaction$='/submit/']").click()
        page.wait_for_url(re.compile(r".*/proposals/\d+/$"))
        proposal = Proposal.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
        assert proposal.state == ProposalState.SUBMITTED and proposal.receipt_number
        assert proposal.receipt_number in page.inner_text("h1")
        walk.shot(page, lang, "applicant-submitted", page.locator("main h1"), height=620)
        proposals[lang] = proposal
        ctx.close()

    # -- The ministry screens each proposal; the officer assigns the demo reviewer.
    for lang in LANGUAGES:
        ctx, page = walk.session("ministry", lang)
        walk.open(page, "/")
        home = page.locator("section.inbox")
        assert proposals[lang].receipt_number in home.inner_text()
        walk.shot(page, lang, "ministry-home", home)
        walk.open(page, f"/review/proposals/{proposals[lang].pk}/")
        page.fill("textarea[name=reason]", TEXT[lang]["screening"])
        first_review = page.locator("section", has=page.locator("textarea[name=reason]"))
        walk.shot(page, lang, "ministry-screening", page.locator("main h1"), first_review)
        page.get_by_role("button", name=label(lang, "Pass"), exact=True).click()
        page.wait_for_load_state()
        ctx.close()
        proposals[lang].refresh_from_db()
        assert proposals[lang].state == ProposalState.FIRST_PASSED

    for lang in LANGUAGES:
        ctx, page = walk.session("officer", lang)
        walk.open(page, "/")
        walk.shot(page, lang, "agency-home", page.locator("section.inbox"))
        walk.open(page, f"/calls/{call.pk}/edit/")
        walk.shot(page, lang, "agency-call-editor", page.locator("main h1"), height=760)
        walk.open(page, "/review/")
        walk.shot(page, lang, "agency-selection", page.locator("main"), height=560)
        walk.open(page, f"/review/calls/{call.pk}/")
        walk.shot(page, lang, "agency-call-panel", page.locator("main"), height=720)
        walk.open(page, f"/review/proposals/{proposals[lang].pk}/")
        page.select_option("select[name=reviewer]", str(users["reviewer"].pk))
        reviewers = page.locator("section", has=page.locator("select[name=reviewer]"))
        walk.shot(page, lang, "agency-proposal-panel", page.locator("main h1"), reviewers)
        page.get_by_role("button", name=label(lang, "Assign"), exact=True).click()
        page.wait_for_load_state()
        ctx.close()
        assert Assignment.objects.filter(
            proposal=proposals[lang], reviewer=users["reviewer"]
        ).exists()
        # a second reviewer has reviewed already, so that the demo reviewer sees another review
        other = f.reviewer()
        second = review.assign_reviewer(
            actor=users["officer"], proposal=proposals[lang], reviewer=other
        )
        codes = [c.code for c in review.ensure_criteria(call=call)]
        review.save_review(
            actor=other,
            assignment=second,
            scores=dict.fromkeys(codes, 3),
            comment=TEXT[lang]["comment"],
            recommendation="adopt",
            submit=True,
        )

    # -- The reviewer: home, expertise, the list, the scoring form, the review submitted.
    for lang in LANGUAGES:
        ctx, page = walk.session("reviewer", lang)
        walk.open(page, "/")
        walk.shot(page, lang, "reviewer-home", page.locator("section.inbox"))
        walk.open(page, "/review/profile/")
        walk.shot(page, lang, "reviewer-profile", page.locator("main"))
        walk.open(page, "/review/mine/")
        walk.shot(page, lang, "reviewer-assignments", page.locator("main"), height=520)
        page.get_by_role("link", name=TITLES[lang]).first.click()
        page.wait_for_url(re.compile(r".*/review/assignments/\d+/$"))
        walk.collect(page)
        scores = page.locator("select[name^=score_]")
        for i in range(scores.count()):
            scores.nth(i).select_option("4")
        page.select_option("select[name=recommendation]", "adopt")
        page.fill("textarea[name=comment]", TEXT[lang]["comment"])
        walk.shot(page, lang, "reviewer-scoring", page.locator("aside form").first)
        walk.shot(page, lang, "reviewer-conflict", page.locator("aside"))
        page.get_by_role("button", name=label(lang, "Submit the review"), exact=True).click()
        page.wait_for_load_state()
        assert label(lang, "Your review is submitted.") in page.inner_text("aside")
        walk.shot(page, lang, "reviewer-submitted", page.locator("aside"))
        ctx.close()

    # -- After the deadline: the committee's decision and the ministry's approval.
    settings.KIKIN_TODAY = after_deadline.isoformat()
    for lang in LANGUAGES:
        ctx, page = walk.session("officer", lang)
        walk.open(page, f"/review/proposals/{proposals[lang].pk}/")
        page.select_option("select[name=outcome]", "adopt")
        page.fill("form[action$='/decide/'] textarea[name=reason]", TEXT[lang]["reason"])
        decision = page.locator("section", has=page.locator("form[action$='/decide/']"))
        walk.shot(page, lang, "agency-decision", decision)
        page.get_by_role("button", name=label(lang, "Record the decision")).click()
        page.wait_for_load_state()
        ctx.close()
        proposals[lang].refresh_from_db()
        assert proposals[lang].state == ProposalState.RECOMMENDED

        ctx, page = walk.session("ministry", lang)
        walk.open(page, f"/review/proposals/{proposals[lang].pk}/")
        approval = page.locator("section", has=page.locator("form[action$='/approve/']"))
        walk.shot(page, lang, "ministry-approval", approval)
        page.get_by_role("button", name=label(lang, "Approve"), exact=True).click()
        page.wait_for_load_state()
        ctx.close()
        proposals[lang].refresh_from_db()
        assert proposals[lang].state == ProposalState.ADOPTED

    # -- The implementer: the award, a cost claim, a year's figures, a prior consultation.
    for lang in LANGUAGES:
        t = TEXT[lang]
        ctx, page = walk.session("applicant", lang)
        walk.open(page, f"/awards/{award.pk}/")
        ledger = page.locator("section", has=page.locator("table.ledger"))
        walk.shot(page, lang, "applicant-award", page.locator("main h1"), ledger)
        claim = page.locator("#claim-form")
        spent = after_deadline - dt.timedelta(days=11)
        claim.locator("input[name=fiscal_year]").fill(str(fiscal_year(spent)))
        claim.locator("input[name=incurred_on]").first.fill(spent.isoformat())
        claim.locator("input[name=description]").first.fill(t["claim"])
        claim.locator("input[name=amount]").first.fill("1200000")
        receipt = tmp_path / ("給与明細.pdf" if lang == "ja" else "payroll.pdf")
        receipt.write_bytes(tiny_pdf(receipt.name))
        claim.locator("input[type=file]").first.set_input_files(str(receipt))
        walk.shot(page, lang, "applicant-claim", claim)
        claim.get_by_role("button", name=label(lang, "Submit the claim")).click()
        page.wait_for_load_state()
        assert CostClaim.objects.filter(
            award=award, state=ClaimState.SUBMITTED, lines__description=t["claim"]
        ).exists()

        walk.open(page, f"/outcomes/awards/{grant_done.pk}/")
        filing = page.locator("#filing-form")
        filing.locator("input[name=product_sales_yen]").fill("3100000000")
        filing.locator("input[name=cost_of_sales_yen]").fill("1500000000")
        filing.locator("input[name=sga_yen]").fill("400000000")
        filing.locator("textarea[name=note]").fill(t["filing_note"])
        walk.shot(page, lang, "applicant-filing", filing)

        walk.open(page, f"/compliance/awards/{award.pk}/")
        page.locator("#consultations summary").click()
        act = page.locator("form[action$='/act/']")
        act.locator("select[name=act]").select_option("provide")
        act.locator("textarea[name=description]").fill(t["act"])
        act.locator("input[name=counterparty]").fill(t["counterparty"])
        act.locator("input[name=country]").fill("US")
        act.locator("input[name=planned_date]").fill(
            (after_deadline + dt.timedelta(days=90)).isoformat()
        )
        act.locator("input[name=foreign_government_influence]").check()
        act.get_by_role("button", name=label(lang, "Record and check")).click()
        page.wait_for_url(re.compile(r".*/compliance/consultations/\d+/$"))
        page.get_by_role("button", name=label(lang, "Send to the ministry")).click()
        page.wait_for_load_state()
        ctx.close()

    # -- The officer: the claim approved and paid, the stage gate, the portfolio, the filings.
    for lang in LANGUAGES:
        claim = CostClaim.objects.get(
            award=award, state=ClaimState.SUBMITTED, lines__description=TEXT[lang]["claim"]
        )
        ctx, page = walk.session("officer", lang)
        walk.open(page, f"/awards/{award.pk}/")
        walk.shot(page, lang, "agency-claim", page.locator(f"#claim-{claim.pk}"))
        page.locator(f"#claim-{claim.pk} button.primary").click()
        page.wait_for_load_state()
        claim.refresh_from_db()
        assert claim.state == ClaimState.APPROVED
        gates = page.locator("section", has=page.locator("#gate-form"))
        walk.shot(page, lang, "agency-stage-gate", gates)
        walk.open(page, "/awards/")
        walk.shot(page, lang, "agency-portfolio", page.locator("main"), height=640)
        walk.open(page, "/outcomes/filings/?state=submitted")
        walk.shot(page, lang, "agency-filings", page.locator("main"), height=520)
        ctx.close()

    # -- The ministry: the set value, the consultation answered, the fund's targets.
    for lang in LANGUAGES:
        consultation = PriorConsultation.objects.get(description=TEXT[lang]["act"])
        ctx, page = walk.session("ministry", lang)
        walk.open(page, f"/outcomes/awards/{contract_done.pk}/")
        walk.shot(page, lang, "ministry-set-value", page.locator("#set-value-changes"))
        walk.open(page, "/compliance/ministry/")
        walk.open(page, f"/compliance/consultations/{consultation.pk}/")
        page.locator("input[name=answer][value=conditions]").check()
        page.fill("textarea[name=note]", TEXT[lang]["answer"])
        walk.shot(page, lang, "ministry-consultation", page.locator("main"))
        page.get_by_role("button", name=label(lang, "Record the answer")).click()
        page.wait_for_load_state()
        consultation.refresh_from_db()
        assert consultation.answer == "conditions"
        walk.open(page, "/outcomes/targets/")
        walk.shot(page, lang, "ministry-targets", page.locator("main"), height=700)
        ctx.close()

    _check_the_guides_against_the_walk(walk)


def _check_the_guides_against_the_walk(walk: Walk):
    # Every picture a guide shows was taken now; a screenshot no guide shows is removed.
    for lang in LANGUAGES:
        shown = {name for g in selectors.guides(lang) for name in g.pictures}
        assert shown <= walk.taken[lang], f"no test takes {sorted(shown - walk.taken[lang])}"
        assert walk.taken[lang] <= shown, f"no guide shows {sorted(walk.taken[lang] - shown)}"
        for path in selectors.SCREENS_DIR.joinpath(lang).glob("*"):
            if path.name not in walk.taken[lang]:
                path.unlink()

    # The guide pages answer every role in both languages, with their pictures, and link only
    # to sections that exist.
    anchors = {slug: set(selectors.guide(slug, "ja").anchors) for slug in selectors.GUIDES}
    for username in (None, *DEMO_USERS):
        for lang in LANGUAGES:
            if username:
                ctx, page = walk.session(username, lang)
            else:
                ctx = walk.browser.new_context(locale=LOCALES[lang])
                page = ctx.new_page()
            for slug in selectors.GUIDES:
                walk.open(page, f"/help/{slug}/")
                assert selectors.guide(slug, lang).title in page.inner_text("h1")
                images = page.locator("img.screenshot")
                assert images.count() == len(selectors.guide(slug, lang).pictures)
                for i in range(images.count()):
                    images.nth(i).scroll_into_view_if_needed()
                    # lazy: it loads once in view; decode() waits for it (and fails if broken)
                    assert images.nth(i).evaluate(
                        "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
                    )
                for href in page.locator("main a[href*='#']").evaluate_all(
                    "links => links.map(a => a.getAttribute('href'))"
                ):
                    path, anchor = href.split("#")
                    if path in ("", f"/help/{slug}/"):
                        assert page.locator(f"[id='{anchor}']").count() == 1, href
                    else:
                        target = re.fullmatch(r"/help/(\w+)/", path)
                        assert target and anchor in anchors[target[1]], f"/help/{slug}/: {href}"
            ctx.close()

    # Every "?" of the pages walked leads to a section of a guide.
    assert walk.help_links, "the pages walked show no '?' link"
    for href in walk.help_links:
        match = re.fullmatch(r"/help/(\w+)/#([a-z0-9-]+)", href)
        assert match and match[2] in anchors[match[1]], href
