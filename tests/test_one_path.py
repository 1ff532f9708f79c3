"""Only disclosure/ reads members' profile values, by import and by raw SQL.

The import-linter contract "One path" (pyproject.toml) forbids importing the
value model outside the allowed modules; this test closes the other door: SQL
written by hand that names the table.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = re.compile(r"\bprofile_values\b")
# The one reader, the code that edits a member's own values, and table declarations.
ALLOWED = {
    "app/disclosure/values.py",
    "app/profiles/services.py",
}
SCHEMA = "app/models/"


PACKAGES = ("app", "exporters", "permissions")


def _offenders(root: Path) -> list[str]:
    found = []
    paths = sorted(p for package in PACKAGES for p in (root / package).rglob("*.py"))
    for path in paths:
        relative = path.relative_to(root).as_posix()
        if relative in ALLOWED or relative.startswith(SCHEMA):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if TABLE.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_sql_outside_the_allowed_modules_names_the_profile_values_table() -> None:
    offenders = _offenders(ROOT)
    assert offenders == [], "SQL naming profile_values outside disclosure/:\n" + "\n".join(
        offenders
    )


def test_the_scan_finds_raw_sql_in_a_module_that_is_not_allowed(tmp_path: Path) -> None:
    app = tmp_path / "app" / "exports"
    app.mkdir(parents=True)
    (app / "sneaky.py").write_text('QUERY = "SELECT value FROM profile_values WHERE id = 1"\n')
    (tmp_path / "app" / "disclosure").mkdir()
    (tmp_path / "app" / "disclosure" / "values.py").write_text('Q = "FROM profile_values"\n')

    assert _offenders(tmp_path) == [
        'app/exports/sneaky.py:1: QUERY = "SELECT value FROM profile_values WHERE id = 1"'
    ]
