"""Extract kikin's messages and keep every translation already made.

kikin has a catalogue per app that has its own `locale/` and one for the rest
(src/kikin/locale). Django's makemessages puts each string in the catalogue nearest its file,
so a string can move between catalogues, and the move would lose its translation. This script:

1. reads every translation of every catalogue (obsolete ones included);
2. runs makemessages for Japanese;
3. gives each entry the translation passed as a JSON file ({"English msgid": "日本語"}, or
   {"context\u0004English msgid": "日本語"} for a string with a context), and an entry that came
   out untranslated or fuzzy the translation it had anywhere;
4. compiles, and prints what is still untranslated.

    .venv/bin/python scripts/messages.py [translations.json]

Run under one lock (/tmp/kikin-po.lock), so that two people translating at once do not
overwrite each other.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "kikin"
PY = sys.executable


def catalogues() -> list[Path]:
    return sorted(SRC.glob("**/locale/ja/LC_MESSAGES/django.po"))


def known() -> dict[tuple[str | None, str], str]:
    found: dict[tuple[str | None, str], str] = {}
    for path in catalogues():
        for entry in polib.pofile(str(path)):
            if entry.msgstr and "fuzzy" not in entry.flags and not entry.msgid_plural:
                found.setdefault((entry.msgctxt, entry.msgid), entry.msgstr)
    return found


def manage(*args: str) -> None:
    env = dict(os.environ, KIKIN_ENV="demo")
    subprocess.run(
        [PY, "-P", "-m", "kikin.manage", *args],
        cwd=SRC,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> int:
    given = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if len(sys.argv) > 1 else {}
    with open("/tmp/kikin-po.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        before = known()
        manage("makemessages", "-l", "ja", "--no-location")
        missing = []
        for path in catalogues():
            po = polib.pofile(str(path), wrapwidth=79)
            for entry in po:
                if entry.obsolete or entry.msgid_plural:
                    continue
                # a string with a context is given as "context\u0004English"
                text = given.get(f"{entry.msgctxt}\u0004{entry.msgid}") if entry.msgctxt else None
                if text is None:
                    text = given.get(entry.msgid)
                if text is None and (not entry.msgstr or "fuzzy" in entry.flags):
                    text = before.get((entry.msgctxt, entry.msgid))
                if text is not None:
                    entry.msgstr = text
                    entry.previous_msgid = entry.previous_msgctxt = None
                    if "fuzzy" in entry.flags:
                        entry.flags.remove("fuzzy")
                if not entry.msgstr or "fuzzy" in entry.flags:
                    missing.append(f"{path.relative_to(SRC)}: {entry.msgid!r}")
            # Obsolete entries are kept by makemessages; they only grow the files.
            for entry in po.obsolete_entries():
                po.remove(entry)
            po.save(str(path))
        manage("compilemessages")
    for line in missing:
        print("untranslated:", line)
    print(f"{len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
