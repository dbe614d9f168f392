"""Finding every page and form a role can reach, starting from the URL patterns.

`url_patterns()` lists every route of kikin (so a new page or form is covered without anyone
listing it); `crawl()` follows a role's links from its start pages, and `Form` is one POST form
as a browser would send it (its fields with their kinds, defaults and choices). A form with
method get (a search, a filter) is followed as a link, sent with what it holds by default; and
`crawl(..., dead=[])` lists every link that answers 403, 404 or 500, or sends a signed-in reader
to the sign-in page, with the page it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404


@dataclass
class Field:
    name: str
    kind: str  # text, number, date, datetime-local, select, textarea, file, hidden, checkbox, radio
    default: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    action: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def route(self) -> str:
        return route_of(self.action)

    def signature(self) -> tuple:
        return (self.route, tuple(sorted(self.fields)))


class _Parser(HTMLParser):
    def __init__(self, page: str, *, get_forms: bool = False):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.get_forms = get_forms
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        #: A form sent with GET being read: its action and its fields' (name, value).
        self._get_form: tuple[str, list[list[str]]] | None = None
        self._get_select: list[str] | None = None  # the GET form's select being read
        self._select: Field | None = None
        self._textarea: Field | None = None
        self.alternatives: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if (tag == "a" or (tag == "link" and a.get("rel") == "alternate")) and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))  # links, and feeds announced
        if a.get("hx-get"):  # what htmx fetches (a job's progress, for one)
            self.links.append(urljoin(self.page, a["hx-get"]))
        elif tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(
                    page=self.page,
                    action=urljoin(self.page, a.get("action") or self.page),
                    enctype=a.get("enctype", ""),
                )
            else:
                self._form = None
                if self.get_forms:  # sent as a link with its fields' default values
                    action = urljoin(self.page, a.get("action") or self.page).split("?")[0]
                    self._get_form = (action, [])
        elif self._get_form is not None and tag in {"input", "select", "textarea"}:
            name, kind = a.get("name"), a.get("type", "text").lower()
            if not name or kind in {"submit", "reset", "image", "file"}:
                return
            if tag == "select":
                self._get_select = [name, ""]
                self._get_form[1].append(self._get_select)
            elif tag == "textarea" or kind not in {"checkbox", "radio"} or "checked" in a:
                self._get_form[1].append([name, a.get("value", "")])
        elif tag == "option" and self._get_select is not None:
            # the option selected, or else the first
            if "selected" in a or len(self._get_select) == 2:
                self._get_select[1:] = [a.get("value", ""), "chosen"]
        elif self._form is not None and tag in {"input", "select", "textarea", "button"}:
            if a.get("formaction"):  # a second submit button sending the form elsewhere
                self.alternatives.append(urljoin(self.page, a["formaction"]))
            name = a.get("name")
            if not name:
                return
            fields = self._form.fields
            if tag == "input":
                kind = a.get("type", "text").lower()
                if kind in {"submit", "reset", "image"}:
                    return
                existing = fields.get(name)
                if existing is not None and kind in {"radio", "checkbox"}:
                    existing.options.append(a.get("value", "on"))
                    return
                fields.setdefault(
                    name,
                    Field(
                        name,
                        kind,
                        a.get("value", ""),
                        [a.get("value", "on")] if kind in {"radio", "checkbox"} else [],
                    ),
                )
            elif tag == "button":
                fields.setdefault(name, Field(name, "select", a.get("value", ""), []))
                fields[name].options.append(a.get("value", ""))
            elif tag == "select":
                self._select = fields.setdefault(name, Field(name, "select"))
            else:
                self._textarea = fields.setdefault(name, Field(name, "textarea"))
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a or not self._select.default:
                self._select.default = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.default += data

    def handle_endtag(self, tag):
        if tag == "form" and self._get_form is not None:
            action, fields = self._get_form
            query = urlencode([(f[0], f[1]) for f in fields])
            self.links.append(f"{action}?{query}" if query else action)
            self._get_form = None
        elif tag == "select" and self._get_select is not None:
            self._get_select = None
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            for action in self.alternatives:
                self.forms.append(
                    Form(self.page, action, self._form.enctype, dict(self._form.fields))
                )
            self._form, self.alternatives = None, []
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse(page: str, html: str, *, get_forms: bool = False) -> tuple[list[str], list[Form]]:
    parser = _Parser(page, get_forms=get_forms)
    parser.feed(html)
    return parser.links, parser.forms


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def url_patterns() -> dict[str, URLPattern]:
    """Every route of the site (admin's own excepted) by its pattern text."""
    return {
        route: p
        for route, p in _walk(get_resolver())
        if not route.startswith("admin/") and not route.startswith("^")
    }


def route_of(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return ""


#: Links not followed: exports (GET only, no form), signing out, the admin.
SKIP = re.compile(r"(format=|/admin/|/logout/)")
#: Downloads: fetched (they must not fail) but not read for links.
DOWNLOAD = re.compile(r"(\.pdf$|/attachments/\d+/$|/evidence/$)")


#: Where a reader who must sign in is sent.
SIGN_IN = "/accounts/login/"


def _dead(response, signed_in: bool) -> str:
    """Why following a link failed its reader ("" where it did not): a 403, 404 or 500, or a
    signed-in reader sent to the sign-in page."""
    if response.status_code in (403, 404) or response.status_code >= 500:
        exc = getattr(response, "exc_info", None)
        return f"{response.status_code}" + (f" {type(exc[1]).__name__}: {exc[1]}" if exc else "")
    chain = getattr(response, "redirect_chain", [])
    if signed_in and any(urlsplit(to).path == SIGN_IN for to, _status in chain):
        return "sent to the sign-in page"
    return ""


def crawl(
    client,
    starts: list[str],
    *,
    per_route: int = 10,
    limit: int = 800,
    dead: list[tuple[str, str, str]] | None = None,
    signed_in: bool = False,
    get_forms: bool = False,
):
    """(pages visited by route, forms found) following on-site links from `starts`.

    With `get_forms`, forms sent with GET are followed as links. With `dead` (a list), every
    distinct link found is fetched, even past a route's
    `per_route` pages read for links, and each one that fails its reader (`_dead`) is added as
    (the link, the page it is on, why)."""
    seen: set[str] = set()
    checked: set[str] = set()
    by_route: dict[str, list[str]] = {}
    forms: list[Form] = []
    queue = [(url, "") for url in starts]
    while queue and len(seen) < limit:
        url, on_page = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or url in seen or SKIP.search(url):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        route = route_of(path)
        if not route and path != "/":
            if dead is not None and on_page and path not in checked:
                checked.add(path)
                why = _dead(client.get(path, follow=True), signed_in)
                if why:
                    dead.append((path, on_page, why))
            continue
        if len(by_route.setdefault(route, [])) >= per_route:
            if dead is not None and path not in checked:  # not read for links, but it must open
                checked.add(path)
                response = client.get(path, follow=not DOWNLOAD.search(parts.path))
                why = _dead(response, signed_in)
                if why:
                    dead.append((path, on_page, why))
            continue
        seen.add(url)
        checked.add(path)
        if DOWNLOAD.search(parts.path):
            response = client.get(path)
            if response.status_code == 200:
                by_route[route].append(path)
            elif response.status_code == 302:  # made in the background: the job's page
                by_route[route].append(path)
                queue.append((urljoin(f"http://testserver{path}", response["Location"]), path))
            elif dead is not None and (why := _dead(response, signed_in)):
                dead.append((path, on_page, why))
            continue
        response = client.get(path, follow=True)
        if dead is not None and on_page and (why := _dead(response, signed_in)):
            dead.append((path, on_page, why))
        if response.status_code != 200:
            continue
        by_route[route].append(path)
        if "html" not in response.get("Content-Type", ""):
            continue  # a feed, a file, a CSV, JSON: reached, but no links to follow
        final = response.request["PATH_INFO"]
        if final != parts.path:
            by_route.setdefault(route_of(final), []).append(final)
            path = final
        links, found = parse(
            f"http://testserver{path}", response.content.decode(), get_forms=get_forms
        )
        forms.extend(found)
        queue.extend((link.split("#")[0], path) for link in links)
    return by_route, forms
