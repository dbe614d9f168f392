"""Who an organisation is: its corporate number (法人番号) where known, otherwise its name made
comparable, and the names that are close enough to be the same organisation written another way.

Pure functions (no database). Conflicts of interest are decided with them
(`kikin.review.conflicts`), so that a partner written in full-width letters, in lower case,
without its spaces or without 株式会社 is still recognised.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

#: Legal-form words of Japanese organisations, removed before names are compared (NFKC has
#: already turned ㈱ into (株)). The longer forms come first.
JAPANESE_LEGAL_FORMS = (
    "国立研究開発法人",
    "地方独立行政法人",
    "独立行政法人",
    "国立大学法人",
    "公立大学法人",
    "大学共同利用機関法人",
    "特定非営利活動法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "学校法人",
    "npo法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(有)",
    "(同)",
    "(合)",
    "(学)",
    "(一社)",
    "(一財)",
    "(公社)",
    "(公財)",
    "(国研)",
    "(独)",
)
#: Legal-form words of organisations named in English, removed as whole words.
ENGLISH_LEGAL_FORMS = frozenset(
    {
        "co",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corporation",
        "corp",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "kk",
        "gk",
        "k.k",
        "g.k",
    }
)
#: Two names this similar (rapidfuzz's ratio, 0–100) after normalising may be one organisation:
#: flagged for the officer to confirm or dismiss. Below it, different organisations.
NEAR_MATCH_THRESHOLD = 85.0
#: Names shorter than this (after normalising) are too short to call a near match.
NEAR_MATCH_MIN_LENGTH = 4

_PUNCTUATION = re.compile(r"[\s\.,・･、。'’\"“”()\[\]{}&/\\\-‐–—_:;!?＆]+")


def valid_corporate_number(number: str) -> bool:
    """13 digits whose first is the check digit of the other twelve: 9 − (Σ Pn × Qn mod 9),
    Pn the n-th digit counted from the right of the twelve, Qn 1 for odd n and 2 for even n
    (法人番号の指定等に関する省令 第2条)."""
    number = unicodedata.normalize("NFKC", number or "").strip()
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        return False
    base = number[1:]
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), 1))
    return int(number[0]) == 9 - total % 9


def normalise_name(name: str) -> str:
    """A name made comparable: Unicode NFKC, case folded, legal-form words (株式会社, (株),
    一般社団法人, Co., Ltd., Inc., Corporation …) and spaces of every width and punctuation
    removed. 「株式会社 ＡＢＣ　テック」, "abc tech co., ltd." and "ABCテック(株)" all differ only in
    what is removed."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    for form in JAPANESE_LEGAL_FORMS:
        text = text.replace(form, " ")
    words = [w for w in _PUNCTUATION.split(text) if w]
    kept = [w for w in words if w not in ENGLISH_LEGAL_FORMS]
    return "".join(kept or words)


def name_similarity(a: str, b: str) -> float:
    """0–100: how alike two normalised names are (rapidfuzz's normalised Indel ratio)."""
    return fuzz.ratio(a, b)


_DIGITS = re.compile(r"\d+")


def is_near_match(a: str, b: str) -> bool:
    """Two different normalised names close enough to be one organisation written otherwise.
    Names whose numbers differ (第1研究所 and 第2研究所, Lab 12 and Lab 13) are different."""
    if not a or not b or a == b or min(len(a), len(b)) < NEAR_MATCH_MIN_LENGTH:
        return False
    if _DIGITS.findall(a) != _DIGITS.findall(b):
        return False
    return name_similarity(a, b) >= NEAR_MATCH_THRESHOLD


def identity_keys(*, corporate_number: str = "", names=()) -> set[str]:
    """The keys under which an organisation is known: `corp:<number>` where its number is valid,
    and `name:<normalised>` for each of its names."""
    keys = set()
    number = unicodedata.normalize("NFKC", corporate_number or "").strip()
    if valid_corporate_number(number):
        keys.add(f"corp:{number}")
    for name in names:
        normal = normalise_name(name)
        if normal:
            keys.add(f"name:{normal}")
    return keys


def corporate_number(keys: set[str]) -> str | None:
    return next((k[5:] for k in keys if k.startswith("corp:")), None)


def same_organisation(a: set[str], b: set[str]) -> bool:
    """Identity keys of two organisations name the same one: the same corporate number, or (where
    they do not both have one, different) the same normalised name."""
    ca, cb = corporate_number(a), corporate_number(b)
    if ca and cb:
        return ca == cb
    return bool({k for k in a if k.startswith("name:")} & {k for k in b if k.startswith("name:")})


def near_names(a: set[str], b: set[str]) -> list[tuple[str, str, float]]:
    """(name in a, name in b, similarity) for the near matches between two organisations' names.
    Two organisations with different corporate numbers are different, however alike their names."""
    ca, cb = corporate_number(a), corporate_number(b)
    if ca and cb and ca != cb:
        return []
    if same_organisation(a, b):
        return []  # already one organisation: a conflict, not a question
    names_a = sorted(k[5:] for k in a if k.startswith("name:"))
    names_b = sorted(k[5:] for k in b if k.startswith("name:"))
    return [(x, y, name_similarity(x, y)) for x in names_a for y in names_b if is_near_match(x, y)]
