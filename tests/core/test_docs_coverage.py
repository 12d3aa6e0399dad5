"""The coverage tables in docs/coverage/ name tests that exist, so the docs stay true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# "tests/app/test_x.py::test_name" or, continuing the previous file, "::test_name".
REFERENCE = re.compile(r"(tests/[\w/]+\.py)?::(\w+)|(tests/[\w/]+\.py)")


def _references():
    for table in sorted((ROOT / "docs" / "coverage").glob("*.md")):
        for line in table.read_text().splitlines():
            if not line.startswith("|") or "::test_name" in line:
                continue
            current = None
            for path, name, bare_path in REFERENCE.findall(line):
                current = path or bare_path or current
                yield table.name, current, name


def test_every_spec_has_a_coverage_table():
    tables = {p.stem for p in (ROOT / "docs" / "coverage").glob("*.md")}
    assert {"platform", "voicestamps", "voicestamps-sharing", "respeecher", "voice-gallery", "partners"} <= tables


def test_every_test_named_in_a_coverage_table_exists():
    missing = []
    for table, path, name in _references():
        source = (ROOT / path).read_text() if path and (ROOT / path).exists() else None
        if source is None or (name and not re.search(rf"^\s*(def|class) {name}\b", source, re.M)):
            missing.append(f"{table}: {path}::{name}")
    assert not missing, "\n".join(missing)
