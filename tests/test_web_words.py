"""Every word of the web app exists in both languages, and every word a template asks for exists."""

import re
import string
from pathlib import Path

from aiduty.words import HEADINGS, WEB_WORDS

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "aiduty" / "templates"
ATTR = re.compile(r"(?<![\w.])w\.([a-z_0-9]+)")
CALL = re.compile(r"""(?<![\w.])w\(\s*["']([a-z_0-9]+)["'](?!\s*\+)""")
PREFIX = re.compile(r"""(?<![\w.])w\(\s*["']([a-z_0-9]+)["']\s*\+""")       # w("st_" + status): a family of words


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_words():
    assert WEB_WORDS["en"].keys() == WEB_WORDS["zh"].keys(), set(WEB_WORDS["en"]) ^ set(WEB_WORDS["zh"])
    for lang, words in WEB_WORDS.items():
        empty = [k for k, v in words.items() if not isinstance(v, str) or not v.strip()]
        assert empty == [], (lang, empty)
    differ = [k for k in WEB_WORDS["en"] if placeholders(WEB_WORDS["en"][k]) != placeholders(WEB_WORDS["zh"][k])]
    assert differ == [], differ          # "{kb}" in English must be "{kb}" in Chinese too


def used_words() -> dict[str, set[str]]:
    """``w.key`` and ``w("key", ...)`` in every template, by template."""
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found[path.name] = ({("attr", k) for k in ATTR.findall(text)} | {("call", k) for k in CALL.findall(text)}
                            | {("prefix", k) for k in PREFIX.findall(text)})
    return found


def test_every_word_a_template_uses_exists():
    used = used_words()
    assert sum(map(len, used.values())) >= 10, used          # the regexes do find the words
    missing = {}
    for name, words in used.items():
        for form, key in words:
            for lang in ("en", "zh"):
                if form == "prefix":
                    known = any(k.startswith(key) for k in [*WEB_WORDS[lang], *HEADINGS[lang]])
                else:
                    known = key in WEB_WORDS[lang] or (form == "call" and key in HEADINGS[lang])
                if not known:
                    missing.setdefault(name, set()).add(f"{key} ({lang})")
    assert missing == {}


def test_the_template_scan_sees_both_forms():
    assert ATTR.findall('{{ w.skip }} {{ w("footer", kb=1) }}') == ["skip"]
    assert CALL.findall('{{ w.skip }} {{ w("footer", kb=1) }} {{ w( \'nav\' ) }}') == ["footer", "nav"]
    assert CALL.findall('{{ w("st_" + st) }}') == [] and PREFIX.findall('{{ w("st_" + st) }}') == ["st_"]
    assert ATTR.findall("{{ row.w.x }}") == []      # another object's attribute "w" is not the words
