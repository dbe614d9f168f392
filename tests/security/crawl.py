"""Finding every page and form a role can reach, starting from the URL patterns.

`url_patterns()` lists every route of kikin (so a new page or form is covered without anyone
listing it); `crawl()` follows a role's links from its start pages, and `Form` is one POST form
as a browser would send it (its fields with their kinds, defaults and choices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

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
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
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


def parse(page: str, html: str) -> tuple[list[str], list[Form]]:
    parser = _Parser(page)
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


def crawl(client, starts: list[str], *, per_route: int = 10, limit: int = 800):
    """(pages visited by route, forms found) following on-site links from `starts`."""
    seen: set[str] = set()
    by_route: dict[str, list[str]] = {}
    forms: list[Form] = []
    queue = list(starts)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or url in seen or SKIP.search(url):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        route = route_of(path)
        if not route and path != "/":
            continue
        if len(by_route.setdefault(route, [])) >= per_route:
            continue
        seen.add(url)
        if DOWNLOAD.search(parts.path):
            response = client.get(path)
            if response.status_code == 200:
                by_route[route].append(path)
            elif response.status_code == 302:  # made in the background: the job's page
                by_route[route].append(path)
                queue.append(urljoin(f"http://testserver{path}", response["Location"]))
            continue
        response = client.get(path, follow=True)
        if response.status_code != 200:
            continue
        by_route[route].append(path)
        if "html" not in response.get("Content-Type", ""):
            continue  # a feed, a file, a CSV, JSON: reached, but no links to follow
        final = response.request["PATH_INFO"]
        if final != parts.path:
            by_route.setdefault(route_of(final), []).append(final)
            path = final
        links, found = parse(f"http://testserver{path}", response.content.decode())
        forms.extend(found)
        queue.extend(link.split("#")[0] for link in links)
    return by_route, forms
