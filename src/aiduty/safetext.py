"""Text that came from untrusted input, made safe to put in a message or on a terminal.

- ``brief``: a bounded repr, so that an error message never echoes a huge value;
- ``clean``: control characters (terminal escapes, OSC hyperlinks, carriage returns) and bidi overrides shown
  as visible escapes (``\\x1b``, ``\\u202e``), so that they can neither drive the terminal nor reorder the line;
- ``markup``: ``clean`` plus rich markup escaped, so that ``[link=…]`` or ``[/]`` in a name stays text.
"""

from __future__ import annotations

import re
import reprlib

_REPR = reprlib.Repr()
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlong = 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 5
_REPR.maxlevel = 2

# C0 controls but tab, DEL, C1 controls; bidi embeddings, overrides, isolates and marks; line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def brief(value: object) -> str:
    """repr(value), at most about 80 characters however large the value (reprlib)."""
    return _REPR.repr(value)


def clip(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every control and bidi-override character replaced by a visible escape (one line)."""
    return _UNSAFE.sub(_visible, text)


def markup(text: object) -> str:
    """``text`` cleaned and escaped for rich markup."""
    from rich.markup import escape

    return escape(clean(str(text)))
