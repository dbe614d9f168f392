"""The guides: one per role, in Japanese and English, kept as Markdown files in
`kikin/help/guides/<language>/<guide>.md` and read here.

A guide's file is plain CommonMark with three conventions:

- its first line, `# Title`, is the guide's title; the text up to the first section is its
  introduction;
- each section starts with `## Heading {#anchor}`; the anchor (lower-case letters, digits and
  hyphens) is the same in both languages, so that a page's "?" link (`{% help_link %}`,
  `kikin.help.templatetags.help_links`) reaches the same section in either;
- a picture is `![what it shows](name.png)`: a screenshot that the browser test
  `tests/browser/test_guide_screenshots.py` takes in each language and writes to
  `kikin/help/static/help/screens/<language>/name.png`; a link is `#anchor` (this guide),
  `guide:<guide>#anchor` (another guide), a path of this site (`/calls/`) or an `https://` page.

Raw HTML is not passed through (markdown-it escapes it) and any other link or picture is an error
when the guide is read, so a guide renders only what these rules allow.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kikin.accounts.permissions import is_agency, is_applicant, is_ministry, is_reviewer

GUIDES_DIR = Path(__file__).resolve().parent / "guides"
SCREENS_DIR = Path(__file__).resolve().parent / "static" / "help" / "screens"

#: The guides, in the order the index lists them, each with the predicate of the people it is for.
GUIDES = {
    "applicant": is_applicant,
    "reviewer": is_reviewer,
    "agency": is_agency,
    "ministry": is_ministry,
}
LANGUAGES = ("ja", "en")

ANCHOR = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SECTION_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*\{#(?P<anchor>[^}]*)\}\s*$")
PICTURE = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")
GUIDE_LINK = re.compile(r"^guide:(?P<guide>[a-z]+)#(?P<anchor>[a-z0-9-]+)$")
#: A link to a page of this site, as the renderer writes it (`_link`).
SITE_LINK = re.compile(r'<a href="/[^"]*" class="site-link">(?P<text>.*?)</a>', re.S)


class GuideError(ValueError):
    """A guide's file breaks the conventions above."""


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    html: SafeString


@dataclass(frozen=True)
class Guide:
    slug: str
    language: str
    title: str
    intro: SafeString
    sections: tuple[Section, ...]
    #: The screenshots its pictures show (file names under screens/<language>/).
    pictures: tuple[str, ...]
    #: Every link it makes, as written: ("#anchor" | "guide:x#anchor" | "/path" | "https://…").
    links: tuple[str, ...]

    @property
    def anchors(self) -> tuple[str, ...]:
        return tuple(s.anchor for s in self.sections)

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)


def language_of(language: str | None = None) -> str:
    """`language` (default: the active one) as one of the guides' languages."""
    code = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return code if code in LANGUAGES else LANGUAGES[0]


def guide_path(slug: str, language: str) -> Path:
    return GUIDES_DIR / language / f"{slug}.md"


def screenshot_path(language: str, name: str) -> Path:
    """Where the browser test writes, and the guide pages serve, screenshot `name`."""
    return SCREENS_DIR / language / name


def guide(slug: str, language: str | None = None) -> Guide:
    """The guide `slug` in `language` (default: the active language). LookupError if there is
    no such guide; GuideError if its file breaks the conventions."""
    if slug not in GUIDES:
        raise LookupError(slug)
    language = language_of(language)
    path = guide_path(slug, language)
    return _read(slug, language, path.stat().st_mtime_ns)


def guides(language: str | None = None) -> list[Guide]:
    return [guide(slug, language) for slug in GUIDES]


def guide_for(user) -> str | None:
    """The slug of the guide for the role `user` acts in (None when signed out)."""
    return next((slug for slug, is_for in GUIDES.items() if is_for(user)), None)


def for_reader(guide_: Guide, user) -> Guide:
    """The guide as `user` reads it. Its links to pages of the site lead to pages of the role
    it is for: they stay links in the reader's own guide (and for a visitor signed out, whom
    those pages ask to sign in), and in another role's guide they are shown as text, since they
    would lead the reader to pages their role may not open (issue 13, item 5)."""
    if not getattr(user, "is_authenticated", False) or guide_for(user) == guide_.slug:
        return guide_

    def text_only(html: SafeString) -> SafeString:
        return mark_safe(SITE_LINK.sub(r'<span class="site-path">\g<text></span>', html))

    return dataclasses.replace(
        guide_,
        intro=text_only(guide_.intro),
        sections=tuple(dataclasses.replace(s, html=text_only(s.html)) for s in guide_.sections),
    )


def section_url(slug: str, anchor: str) -> str:
    """`/help/<guide>/#<anchor>`: LookupError unless the guide has that section (in every
    language, which the tests hold the guides to)."""
    if guide(slug).section(anchor) is None:
        raise LookupError(f"{slug}#{anchor}")
    return f"{reverse('help:guide', args=[slug])}#{anchor}"


# ---------------------------------------------------------------------------------------------
# Reading a guide


def _markdown() -> MarkdownIt:
    # CommonMark without raw HTML: every "<" in a guide is shown, never parsed.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@cache
def _read(slug: str, language: str, mtime_ns: int) -> Guide:
    """The guide as read from its file (cached per file version)."""
    del mtime_ns  # the cache key: an edited file is read again
    return parse(guide_path(slug, language).read_text(encoding="utf-8"), slug, language)


def parse(text: str, slug: str, language: str) -> Guide:
    """A guide from its Markdown `text` (see the module's docstring for the conventions)."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise GuideError(f"{slug} ({language}): the first line must be '# <title>'")
    title = lines[0][2:].strip()
    intro: list[str] = []
    parts: list[tuple[str, str, list[str]]] = []
    for number, line in enumerate(lines[1:], 2):
        if line.startswith("## "):
            heading = SECTION_HEADING.match(line)
            if not heading or not ANCHOR.match(heading["anchor"]):
                raise GuideError(
                    f"{slug} ({language}) line {number}: a section starts with "
                    "'## Heading {#anchor}' (lower-case letters, digits and hyphens)"
                )
            parts.append((heading["anchor"], heading["title"], []))
        elif line.startswith("# "):
            raise GuideError(f"{slug} ({language}) line {number}: one '# ' title only")
        else:
            (parts[-1][2] if parts else intro).append(line)
    anchors = [anchor for anchor, _title, _body in parts]
    if len(anchors) != len(set(anchors)):
        raise GuideError(f"{slug} ({language}): an anchor is used twice")
    pictures: list[str] = []
    links: list[str] = []
    env = {"slug": slug, "language": language, "anchors": set(anchors)}
    render = _renderer(env, pictures, links)
    sections = tuple(
        Section(anchor, _inline(section_title), render("\n".join(body)))
        for anchor, section_title, body in parts
    )
    return Guide(
        slug=slug,
        language=language,
        title=_inline(title),
        intro=render("\n".join(intro)),
        sections=sections,
        pictures=tuple(dict.fromkeys(pictures)),
        links=tuple(dict.fromkeys(links)),
    )


def _inline(text: str) -> str:
    """A heading's text, without Markdown (escaped by the template that shows it)."""
    return text.replace("**", "").replace("`", "")


def _renderer(env: dict, pictures: list[str], links: list[str]):
    md = _markdown()

    def render(text: str) -> SafeString:
        tokens = md.parse(text, env)
        for token in _walk(tokens):
            if token.type == "image":
                _picture(token, env, pictures)
            elif token.type == "link_open":
                _link(token, env, links)
        # markdown-it escapes every text and attribute; raw HTML is off (see _markdown).
        return mark_safe(md.renderer.render(tokens, md.options, env))

    return render


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _picture(token: Token, env: dict, pictures: list[str]) -> None:
    name = str(token.attrGet("src") or "")
    if not PICTURE.match(name):
        raise GuideError(
            f"{env['slug']} ({env['language']}): a picture is a screenshot's file name "
            f"(name.png), not {name!r}"
        )
    pictures.append(name)
    token.attrSet("src", static(f"help/screens/{env['language']}/{name}"))
    token.attrSet("loading", "lazy")
    token.attrSet("class", "screenshot")


def _link(token: Token, env: dict, links: list[str]) -> None:
    href = str(token.attrGet("href") or "")
    links.append(href)
    if href.startswith("#"):
        if href[1:] not in env["anchors"]:
            raise GuideError(f"{env['slug']} ({env['language']}): no section {href}")
        return
    to_guide = GUIDE_LINK.match(href)
    if to_guide:
        if to_guide["guide"] not in GUIDES:
            raise GuideError(f"{env['slug']} ({env['language']}): no guide {to_guide['guide']!r}")
        # The other guide's sections are checked by the tests (its file may not be read yet).
        token.attrSet(
            "href", f"{reverse('help:guide', args=[to_guide['guide']])}#{to_guide['anchor']}"
        )
        return
    if href.startswith("/") and not href.startswith("//"):
        token.attrSet("class", "site-link")  # text in other roles' eyes (`for_reader`)
        return
    if href.startswith("https://"):
        token.attrSet("rel", "noopener")
        return
    raise GuideError(f"{env['slug']} ({env['language']}): a link may not go to {href!r}")
