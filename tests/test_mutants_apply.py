"""Every planted bug of tests/mutants.py still applies: its text occurs exactly once in its file.

tests/mutants.py (run by CI) plants each bug in a copy of the repository and asserts that
the tests catch it. When the code changes, a mutant's text can drift out of date; this
fast check says so in the ordinary test run, before CI spends minutes on the mutants.
"""
from pathlib import Path

import pytest

import mutants

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", list(mutants.MUTANTS))
def test_mutant_text_occurs_exactly_once(name):
    path, edits, tests = mutants.MUTANTS[name]
    text = (ROOT / path).read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{name}: {old!r} occurs {text.count(old)} times in {path}"
        assert old != new
    assert all((ROOT / "tests" / t).is_file() for t in tests), tests
