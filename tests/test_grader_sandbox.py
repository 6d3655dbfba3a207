"""Hostile submissions are contained: each tries one escape, and none gets the marks or changes anything outside.

Every case is a copy of a reference exercise with one function replaced by code that
tries one way out (exercises/grading/sandbox.py lists what the sandbox holds). Each
test asserts the mark of the targeted task, and that nothing outside the child's
scratch folder changed: no marker file appeared (in this test's folder, in the
repository, in /tmp), the repository's git status is what it was, no process of the
child is left, and the test's TCP server on 127.0.0.1 saw no connection.

Where the kernel isolates (Linux with unshare), the escapes fail at the system call.
Without namespaces, code that reaches C directly (ctypes) can still write files, and the
test only asserts that the static read flags it, so that the task scores 0; every other
assertion holds on both.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
TOKEN = f"gcsandbox{uuid.uuid4().hex[:10]}"


def replace_function(name, function, code):
    """The reference file `name` with the top-level function `function` replaced by `code` (appended last)."""
    text = (EXERCISES / name).read_text(encoding="utf-8")
    return text + "\n\n" + code.strip() + "\n"


@pytest.fixture(scope="module")
def listener():
    """A TCP server on 127.0.0.1 that records every connection it accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                seen.append(1)
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(timeout=2)
    server.close()


def markers(outside, tag):
    """Files a case of this tag tries to create outside its scratch folder."""
    return [outside / f"{TOKEN}-{tag}-outside", ROOT / f"{TOKEN}-{tag}-repo", Path("/tmp") / f"{TOKEN}-{tag}-tmp",
            Path.home() / f"{TOKEN}-{tag}-home"]


TAGS = ("py", "c", "proc")


def hostile_cases(outside, port):
    """(id, exercise file, targeted task, code defining the task's function)."""
    marker = [str(m) for m in markers(outside, "py")]
    c_marker = [str(m) for m in markers(outside, "c")]
    late = str(markers(outside, "proc")[0])
    write_all = "\n".join(f"    _try(lambda: open({m!r}, 'w').write('x'))" for m in marker)
    return [
        ("forged-report", "ex01_group_law.py", "rotation_matrix", f"""
import json as _json, os as _os
def rotation_matrix(r):
    fake = _json.dumps({{"event": "result", "task": "rotation_matrix", "passed": True, "points": 2}}) + "\\n"
    for fd in range(0, 40):
        try:
            _os.write(fd, fake.encode())
        except OSError:
            pass
    print(fake)
    return None
"""),
        ("patched-comparisons", "ex01_group_law.py", "rotation_matrix", """
import numpy as _np
_np.array_equal = lambda *a, **k: True
_np.allclose = lambda *a, **k: True
def rotation_matrix(r):
    return _np.zeros((3, 3), dtype=_np.int64)
"""),
        ("solution-from-sys-modules", "ex01_group_law.py", "rotation_matrix", """
import sys as _sys
def rotation_matrix(r):
    for module in list(_sys.modules.values()):
        fn = getattr(module, "rotation_matrix", None)
        if fn is not None and fn is not rotation_matrix:
            return fn(r)
    from groupconv import groups
    return groups.rotation(r)
"""),
        ("solution-file-read", "ex01_group_law.py", "rotation_matrix", f"""
def rotation_matrix(r):
    namespace = {{}}
    source = open({str(EXERCISES / 'ex01_group_law.py')!r}).read()
    exec(source, namespace)
    return namespace["rotation_matrix"](r)
"""),
        ("solution-import-by-path", "ex01_group_law.py", "rotation_matrix", f"""
import importlib.util as _u
def rotation_matrix(r):
    spec = _u.spec_from_file_location("ref", {str(EXERCISES / 'ex01_group_law.py')!r})
    module = _u.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rotation_matrix(r)
"""),
        ("guarded-via-wrapped", "ex05_lifting_correlation.py", "lifting_correlation", """
from groupconv import correlate as _c
def lifting_correlation(f, psi, group, mode="valid"):
    fn = _c.lifting_correlation
    while hasattr(fn, "__wrapped__"):
        fn = fn.__wrapped__
    return fn(f, psi, group, mode)
"""),
        ("guarded-via-importlib", "ex05_lifting_correlation.py", "lifting_correlation", """
import importlib as _il
def lifting_correlation(f, psi, group, mode="valid"):
    return _il.import_module("groupconv.correlate").lifting_correlation(f, psi, group, mode)
"""),
        ("guarded-via-nn-layer", "ex05_lifting_correlation.py", "lifting_correlation", """
import numpy as _np
from groupconv import nn as _nn
def lifting_correlation(f, psi, group, mode="valid"):
    layer = _nn.LiftingConv(psi.shape[1], psi.shape[0], group, psi.shape[-1], mode, _np.random.default_rng(0))
    layer.params["psi"] = _np.asarray(psi, dtype=float)
    out = layer.forward(_np.asarray(f, dtype=float))
    return _np.rint(out).astype(_np.result_type(f, psi))
"""),
        ("guarded-via-subclass", "ex05_lifting_correlation.py", "lifting_correlation", """
import numpy as _np
from groupconv import nn as _nn
class _Mine(_nn.LiftingConv):
    pass
def lifting_correlation(f, psi, group, mode="valid"):
    layer = _Mine.__new__(_Mine)
    layer.params, layer.group, layer.mode, layer.k = {"psi": _np.asarray(psi, float)}, group, mode, psi.shape[-1]
    out = _nn.LiftingConv.forward(layer, _np.asarray(f, dtype=float))
    return _np.rint(out).astype(_np.result_type(f, psi))
"""),
        ("guarded-via-filter-bank", "ex05_lifting_correlation.py", "lifting_correlation", """
import numpy as _np
from groupconv import filter_bank as _fb, groups as _g, engine as _e
def lifting_correlation(f, psi, group, mode="valid"):
    G = _g.get_rotation_group(group)
    bank = _fb.expand(_np.asarray(psi), _fb.lifting_index(G, psi.shape[-1]))
    O, H = bank.shape[:2]
    out = _e.planar_correlation(f, bank.reshape(O * H, *bank.shape[2:]), mode)
    return out.reshape(out.shape[0], O, H, *out.shape[2:])
"""),
        ("ctypes-system-and-open", "ex01_group_law.py", "rotation_matrix", f"""
import ctypes as _ct
def rotation_matrix(r):
    libc = _ct.CDLL(None)
    for m in {c_marker!r}:
        libc.system(("touch " + m).encode())
        libc.open(m.encode(), 0o101, 0o644)
    from groupconv import groups
    return groups.rotation(r)
"""),
        ("python-writes-outside", "ex01_group_law.py", "rotation_matrix", f"""
def _try(fn):
    try:
        fn()
    except BaseException:
        pass
def rotation_matrix(r):
{write_all}
    raise NotImplementedError
"""),
        ("process-left-behind", "ex01_group_law.py", "rotation_matrix", f"""
import os as _os, time as _time, ctypes as _ct
def rotation_matrix(r):
    for fork in (_os.fork, _ct.CDLL(None).fork):
        try:
            pid = fork()
        except OSError:
            continue
        if pid == 0:
            _os.setsid()
            _time.sleep(3)
            open({late!r}, "w").write("late")
            _os._exit(0)
    raise NotImplementedError
"""),
        ("network", "ex01_group_law.py", "rotation_matrix", f"""
import socket as _s
def rotation_matrix(r):
    for host in ("127.0.0.1", "pypi.org"):
        try:
            _s.create_connection((host, {port if port else 0}), timeout=2).close()
        except OSError:
            pass
    raise NotImplementedError
"""),
        ("raise-limits-then-allocate", "ex01_group_law.py", "rotation_matrix", """
import resource as _r
import numpy as _np
def rotation_matrix(r):
    for limit in (_r.RLIMIT_AS, _r.RLIMIT_CPU, _r.RLIMIT_NPROC):
        try:
            _r.setrlimit(limit, (_r.RLIM_INFINITY, _r.RLIM_INFINITY))
        except (ValueError, OSError):
            pass
    big = _np.ones(2**31)  # 16 GiB
    return big
"""),
        ("gc-finds-originals", "ex05_lifting_correlation.py", "lifting_correlation", """
import gc as _gc, types as _t
from groupconv import correlate as _c
def lifting_correlation(f, psi, group, mode="valid"):
    for obj in _gc.get_objects():
        if isinstance(obj, _t.FunctionType) and obj.__name__ == "lifting_correlation" and obj is not _c.lifting_correlation \\
                and obj.__module__ == "groupconv.correlate":
            try:
                return obj(f, psi, group, mode)
            except Exception:
                pass
    raise NotImplementedError
"""),
        ("kill-everything", "ex01_group_law.py", "rotation_matrix", """
import os as _os, signal as _sig
def rotation_matrix(r):
    for target in (_os.getppid(), -1):
        try:
            _os.kill(target, _sig.SIGKILL)
        except OSError:
            pass
    raise NotImplementedError
"""),
    ]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    """One grader run over every hostile case (each in its own folder), with what changed around it."""
    tmp = tmp_path_factory.mktemp("hostile")
    outside = tmp / "outside"
    outside.mkdir()
    port, seen = listener
    cases = hostile_cases(outside, port)
    paths = []
    for i, (_, name, task, code) in enumerate(cases):
        folder = tmp / "class" / f"s{i:02d}"
        folder.mkdir(parents=True)
        (folder / name).write_text(replace_function(name, task, code), encoding="utf-8")
        paths.append(folder / name)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    scratch = tmp / "scratch"  # the children's scratch folders are made here: their processes work in it
    scratch.mkdir()
    proc = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), *map(str, paths), "--json", "--jobs", "2",
                           "--timeout", "20", "--only", ",".join(sorted({c[2] for c in cases}))],
                          cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, TMPDIR=str(scratch)))
    import time
    time.sleep(4)  # a process left behind would write its marker after 3 s
    report = json.loads(proc.stdout) if proc.stdout.lstrip().startswith("{") else None
    after = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    left = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(scratch)):
            left.append(entry.name)
    return {"cases": cases, "report": report, "stderr": proc.stderr, "status": (status, after), "left": left,
            "outside": outside, "seen": seen}


def isolated():
    """Whether this machine's grader runs children in namespaces (grading.sandbox.isolation)."""
    sys.path.insert(0, str(EXERCISES))
    from grading import sandbox
    return bool(sandbox.isolation()["unshare"])


CASE_IDS = [c[0] for c in hostile_cases(Path("/nonexistent"), 0)]


@pytest.mark.parametrize("index", range(len(CASE_IDS)), ids=CASE_IDS)
def test_hostile_submission_gets_no_marks(index, graded):
    report = graded["report"]
    assert report is not None and "Traceback" not in graded["stderr"], graded["stderr"][-2000:]
    case_id, name, task, _ = graded["cases"][index]
    (entry,) = report["submissions"][index]["files"]
    (result,) = [r for r in entry["tasks"] if r["task"] == task]
    assert result["points"] == 0 and not result["passed"], (case_id, result["reason"])


def test_nothing_outside_the_scratch_folder_changed(graded):
    """With namespaces nothing at all; without them (no unshare) C code can write, and the static read flags it."""
    assert graded["report"] is not None
    created = {tag: [m for m in markers(graded["outside"], tag) if m.exists()] for tag in TAGS}
    for m in created["c"]:
        m.unlink()
    assert not created["py"] and not created["proc"], created
    if isolated():
        assert not created["c"], created["c"]
    else:
        index = [c[0] for c in graded["cases"]].index("ctypes-system-and-open")
        (entry,) = graded["report"]["submissions"][index]["files"]
        assert any(f["what"] == "import ctypes" for r in entry["tasks"] for f in r.get("flags", []))
    before, after = graded["status"]
    if not isolated():  # the C-level marker (removed above) is the one change allowed there
        after = "".join(line for line in after.splitlines(True) if f"{TOKEN}-c-" not in line)
    assert before == after, "the repository changed while grading"
    assert graded["left"] == [], f"processes of the children are still running: {graded['left']}"
    assert graded["seen"] == [], "a submission connected to the test's server on 127.0.0.1"


def test_routes_to_a_protected_implementation_are_named(graded):
    """The forbidden-route cases fail because the guard (or the static read) saw the route, not by accident."""
    report = graded["report"]
    for index, (case_id, _, task, _) in enumerate(graded["cases"]):
        if not case_id.startswith(("guarded-", "gc-")):
            continue
        (entry,) = report["submissions"][index]["files"]
        (result,) = [r for r in entry["tasks"] if r["task"] == task]
        text = result["reason"] + json.dumps(result.get("flags", []))
        assert "may not call" in text or "write it yourself" in text or result.get("flags"), (case_id, text)


def test_a_flag_costs_the_task_by_default_and_only_reports_with_flags_report(tmp_path):
    """A right answer that imports gc: 0 points by default, full points with --flags report (the course decides)."""
    code = ("import gc as _gc\n\n_reference = rotation_matrix\n\n\ndef rotation_matrix(r):\n"
            "    _gc.collect()\n    return _reference(r)\n")
    path = tmp_path / "ex01_group_law.py"
    path.write_text((EXERCISES / "ex01_group_law.py").read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")
    runs = {}
    for policy in ("zero", "report"):
        proc = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), str(path), "--json", "--only",
                               "rotation_matrix", "--flags", policy], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
        (entry,) = json.loads(proc.stdout)["submissions"][0]["files"]
        runs[policy] = entry["tasks"][0]
    assert runs["zero"]["points"] == 0 and runs["zero"]["flags"][0]["what"] == "import gc"
    assert runs["report"]["points"] == runs["report"]["max_points"] and runs["report"]["flags"]
