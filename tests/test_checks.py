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
    assert "FAIL A3 " in capsys.readouterr().out
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


def test_residual_counts_every_part_of_every_entry():
    # imaginary parts count (a complex array against its real part is not a match)
    r = checks.residual(np.array([1 + 2j, 3 + 0j]), np.array([1.0, 3.0]))
    assert r.value == 2.0 and not r.exact
    # integers are compared exactly, without wrap-around in small or large dtypes
    assert checks.residual(np.array([0], np.uint8), np.array([1], np.uint8)).value == 1.0
    big = checks.residual(np.array([2**62], np.int64), np.array([-2**62], np.int64))
    assert big.value == 2.0**63 and not checks.passes(big, "float")
    assert checks.residual(np.array([2**60 + 1]), np.array([2**60])).value == 1.0
    # booleans are numbers 0/1
    assert checks.residual(np.array([True, False]), np.array([True, True])).value == 1.0
    with pytest.raises(TypeError, match="numeric"):
        checks.residual(np.array(["a"]), np.array(["a"]))


def test_nan_and_infinity_pass_no_check_they_should_not():
    nan = checks.residual(np.array([np.nan, 0.0]), np.array([1.0, 0.0]))
    assert [checks.passes(nan, kind) for kind in checks.KINDS] == [False, False, False]  # NaN is no counterexample
    same_inf = checks.residual(np.array([np.inf, -np.inf]), np.array([np.inf, -np.inf]))
    assert same_inf.exact
    inf_vs_zero = checks.residual(np.array([np.inf]), np.array([0.0]))
    assert not checks.passes(inf_vs_zero, "float") and checks.passes(inf_vs_zero, "nonzero")


def test_check_prints_nan_as_nan(monkeypatch, capsys):
    monkeypatch.setattr(checks, "RESULTS", [])
    monkeypatch.delenv("GROUPCONV_RESULTS", raising=False)
    assert checks.check("L8", "a NaN side", np.array([np.nan]), np.array([0.0]), "nonzero") is False
    assert "NaN" in capsys.readouterr().out


def test_one_line_per_check_and_detail_only_when_verbose(monkeypatch, capsys):
    monkeypatch.setattr(checks, "RESULTS", [])
    monkeypatch.delenv("GROUPCONV_RESULTS", raising=False)
    monkeypatch.delenv("GROUPCONV_VERBOSE", raising=False)
    lines = [("a", np.arange(3)), ("b", np.arange(3)), ("c", np.arange(3))]
    assert checks.check("L2", "same", np.ones(2), np.ones(2), "exact", elements="R(1)", why="THE REASON")
    assert checks.chain("L4", "proof", lines, why="THE REASON")
    out = capsys.readouterr().out.splitlines()
    assert out == ["  PASS L2  same [R(1)]: max|LHS-RHS| = 0 (exact)",
                   "  PASS L4  proof (3 lines, each = the next): max|LHS-RHS| = 0 (exact)"]
    monkeypatch.setenv("GROUPCONV_VERBOSE", "1")
    checks.chain("L4", "proof", lines, why="THE REASON")
    out = capsys.readouterr().out
    assert "THE REASON" in out and "line 3: c" in out
    monkeypatch.delenv("GROUPCONV_VERBOSE")
    checks.set_verbose(True)
    try:
        checks.check("L2", "same", np.ones(2), np.ones(2), why="THE REASON")
        assert "THE REASON" in capsys.readouterr().out
    finally:
        checks.set_verbose(None)
    # a failing check shows its reason even without verbose, and names the kind it found
    checks.check("L2", "different", np.zeros(2), np.full(2, 1e-13), "exact", why="THE REASON")
    out = capsys.readouterr().out
    assert "FAIL L2" in out and "(float round-off)" in out and "THE REASON" in out


def test_finish_raises_in_a_notebook_and_exits_as_a_script(monkeypatch, capsys):
    monkeypatch.setattr(checks, "RESULTS", [])
    monkeypatch.delenv("GROUPCONV_RESULTS", raising=False)
    checks.check("A1", "same", np.ones(2), np.ones(2))
    checks.finish()  # all passed: neither raises nor exits
    assert "1 of 1 checks passed." in capsys.readouterr().out
    checks.check("A3", "different", np.ones(2), np.zeros(2))
    monkeypatch.setattr(checks, "_in_notebook", lambda: True)
    with pytest.raises(checks.ChecksFailed, match="A3"):
        checks.finish()
    monkeypatch.setattr(checks, "_in_notebook", lambda: False)
    with pytest.raises(SystemExit):
        checks.finish()
