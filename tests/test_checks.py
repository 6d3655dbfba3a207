"""The shared residual function and check printer: they must be able to fail."""
import json

import numpy as np
import pytest

from groupconv import checks


def test_residual_exact_and_value():
    a = np.array([1.0, 2.0, 3.0])
    assert checks.residual(a, a.copy()) == checks.Residual(0.0, True, 3.0)
    r = checks.residual(a, a + np.array([0.0, 0.5, -2.0]))
    assert r.value == 2.0 and not r.exact


def test_residual_shape_mismatch_raises():
    with pytest.raises(ValueError, match="one shape"):
        checks.residual(np.zeros(3), np.zeros(4))


def test_passes_each_kind():
    zero, tiny, big = (checks.residual(np.zeros(2), np.full(2, d)) for d in (0.0, 1e-13, 1e-3))
    assert checks.passes(zero, "exact") and not checks.passes(tiny, "exact")
    assert checks.passes(tiny, "float") and not checks.passes(big, "float")
    assert checks.passes(big, "nonzero") and not checks.passes(zero, "nonzero")
    with pytest.raises(ValueError, match="kind must be one of"):
        checks.passes(zero, "close")


def test_check_records_failures_and_writes_json(tmp_path, monkeypatch, capsys):
    out = tmp_path / "results.jsonl"
    monkeypatch.setenv("GROUPCONV_RESULTS", str(out))
    monkeypatch.setattr(checks, "RESULTS", [])
    assert checks.check("A1", "same", np.ones(2), np.ones(2)) is True
    assert checks.check("A3", "different", np.ones(2), np.zeros(2)) is False
    assert "[FAIL] A3" in capsys.readouterr().out
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["passed"]) for r in rows] == [("A1", True), ("A3", False)]
    assert [r["id"] for r in checks.failures()] == ["A3"]
    with pytest.raises(SystemExit) as exc:
        checks.finish()
    assert exc.value.code == 1


def test_chain_fails_on_a_broken_step(monkeypatch):
    monkeypatch.setattr(checks, "RESULTS", [])
    monkeypatch.delenv("GROUPCONV_RESULTS", raising=False)
    lines = [("a", np.arange(3)), ("b", np.arange(3)), ("c", np.arange(3) + 1)]
    assert checks.chain("C3", "demo", lines) is False
    assert [r["passed"] for r in checks.RESULTS] == [True, False]
