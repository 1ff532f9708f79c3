"""Templates obey the Content-Security-Policy: no inline styles, scripts or handlers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[3] / "app" / "templates").rglob("*.html"))
# A <script> without src is inline code, unless it is a JSON data block (never executed).
INLINE = re.compile(
    r"""\sstyle=|<script(?![^>]*\s(?:src=|type="application/json"))[^>]*>|\son[a-z]+=""",
    re.IGNORECASE,
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_code_that_the_policy_would_block(template):
    assert not INLINE.findall(template.read_text())


def test_the_check_recognises_inline_code():
    assert INLINE.findall('<div style="x"><script>alert(1)</script><a onclick="y">')
    assert not INLINE.findall('<script src="/static/js/app.js"></script>')
    assert not INLINE.findall('<script type="application/json" id="data">{"a": 1}</script>')
    assert INLINE.findall('<script type="text/javascript">alert(1)</script>')
