"""MkDocs hook (mkdocs.yml `hooks:`): Sphinx roles in the docstrings, shown as the site's links.

The docstrings refer to code as Sphinx does (``:class:`Ruleset```, ``:func:`~partyrules.load```);
mkdocstrings renders that as the text ``:class:`` before a code span. This hook drops the role
and, when the object is documented on the same page (the API reference), links the name to it.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):<code>(~?)([\w.]+)</code>")
ANCHOR = re.compile(r'id="(partyrules(?:\.\w+)*)"')


def _target(name: str, anchors: list[str]) -> str | None:
    """The one anchor that is ``name`` or ends with it (then with its last part), if there is one."""
    for wanted in (name, name.rsplit(".", 1)[-1]):
        found = [a for a in anchors if a == wanted or a.endswith("." + wanted)]
        if len(found) == 1:
            return found[0]
    return None


def on_page_content(html: str, **_: Any) -> str:
    anchors = sorted(set(ANCHOR.findall(html)))

    def link(match: re.Match[str]) -> str:
        short, name = match.groups()
        shown = name.rsplit(".", 1)[-1] if short else name
        target = _target(name, anchors)
        code = f"<code>{shown}</code>"
        return f'<a href="#{target}">{code}</a>' if target else code

    return ROLE.sub(link, html)
