"""Text as a terminal may show it: what an untrusted file or data row must not send to it as it is.

Below every stage (no import of the project's own): the diagnostics quote criteria files with it, the
command line prints data cells and messages with it, and ``partyrules --help`` imports it without attrs.
"""

from __future__ import annotations

import re

#: what a terminal must not be sent as it is: control characters (a tab and a line feed aside) and DEL, the C1 controls,
#: the marks that reorder a line (bidirectional), the invisible ones (zero width, the byte-order mark) and
#: the line and paragraph separators. From an untrusted file or data row, an escape sequence would
#: recolour, retitle or rewrite the reader's terminal, and a reordered or invisible character would show
#: another text than the one read
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]")


def terminal_text(text: str) -> str:
    """Text as a terminal may show it: each of :data:`UNPRINTABLE` written as its escape (``\\x1b``,
    ``\\u202e``)."""
    if not UNPRINTABLE.search(text):
        return text
    return UNPRINTABLE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )
