"""The grader's side of the child process: start it in a sandbox, call the submission, read plain data back.

The process that computes marks (grade.py with the grading modules) never imports,
executes or unpickles submitted code or objects. It starts one child per submission file
(runner.py), sends it the file's text, and then asks it to call the submission's
functions on inputs the grader chose. What comes back is decoded by wire.py: arrays
(rebuilt from bytes after their dtype is checked), numbers, text, networks rebuilt by the
library's own constructors (netspec.py). References, comparisons, hints and reports stay
here.

What the sandbox holds, by operating system (isolation() says which one applies):

  Linux with util-linux `unshare` (root, or unprivileged user namespaces):
    * own mount, network and PID namespaces: no network interface but loopback, which is
      down; every file system read-only except the child's scratch folder; the folders
      of the repository other than the library (solutions, tests, history) and the
      submissions' folder replaced by empty ones; every process the child starts dies
      with it (PID namespace, --kill-child);
    * run as the user nobody when the grader runs as root;
  every POSIX system:
    * hard limits, soft equal to hard: CPU seconds, address space (not enforced by
      macOS), file size, no new processes or threads (RLIMIT_NPROC 0; not enforced for
      root, hence the drop to nobody), no core files;
    * a wall-clock limit per task, a minimal environment, a fresh scratch folder as the
      working directory, HOME and TMPDIR; output of the child goes to /dev/null;
    * an audit hook refusing writes outside the scratch folder, new programs and sockets
      (defence in depth: code that reaches C directly, e.g. with ctypes, passes it, which
      is why the static read flags ctypes);
  Windows: not supported (the resource module and the namespaces do not exist).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import netspec, wire

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "runner.py")
ROOT = os.path.dirname(os.path.dirname(HERE))
LIBRARY_DIR = "groupconv"

ADDRESS_SPACE = 2 * 2**30
FILE_SIZE = 32 * 2**20
MAX_REPLY_BYTES = 256 * 2**20
START_SECONDS = 20.0  # for the child to import the library and the submission (the import has the task limit too)


# The implementations behind protected functions: whoever may not call the function may not call these
# either (filter_bank.expand(psi, filter_bank.lifting_index(G, k)) is expand_lifting_filter by another name).
UNDERLYING = {
    "groupconv.correlate.expand_lifting_filter": {"groupconv.filter_bank": ["expand", "lifting_index"]},
    "groupconv.correlate.expand_group_filter": {"groupconv.filter_bank": ["expand", "group_index"]},
    "groupconv.correlate.reverse_filter": {"groupconv.filter_bank": ["reverse", "reverse_index"]},
    "groupconv.correlate.group_correlation_grad_filter": {"groupconv.filter_bank": ["fold"]},
    "groupconv.correlate.lifting_correlation_grad_filter": {"groupconv.filter_bank": ["fold"]},
    "groupconv.action.transform_image": {"groupconv.action": ["transform_image_literal"]},
    "groupconv.action.transform_group_function": {"groupconv.action": ["transform_group_function_literal"]},
}


def with_underlying(forbidden):
    """FORBIDDEN of an exercise, widened by UNDERLYING: {module: [names]}."""
    out = {module: list(names) for module, names in forbidden.items()}
    for module, names in forbidden.items():
        for name in names:
            for extra_module, extra in UNDERLYING.get(f"{module}.{name}", {}).items():
                out.setdefault(extra_module, [])
                out[extra_module] += [n for n in extra if n not in out[extra_module]]
    return out


class ChildTimeout(Exception):
    """The child did not answer within the time limit."""


class ChildGone(Exception):
    """The child ended, or sent something that is not a reply; `reason` says which."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


_isolation = []


def isolation():
    """How children are isolated here: {"unshare": [...] or None, "drop_root": bool, "text": ...} (probed once)."""
    if _isolation:
        return _isolation[0]
    prefix, text = None, "no namespaces (this system has no usable util-linux unshare): rlimits and the audit hook only"
    base = ["--mount", "--net", "--pid", "--fork", "--kill-child"]
    root = hasattr(os, "getuid") and os.getuid() == 0
    unshare = shutil.which("unshare") if sys.platform.startswith("linux") else None
    if os.environ.get("GROUPCONV_GRADER_NO_NAMESPACES"):
        unshare, text = None, "namespaces switched off (GROUPCONV_GRADER_NO_NAMESPACES): rlimits and the audit hook only"
    if unshare:
        for extra in ([[]] if root else []) + [["--user", "--map-root-user"]]:
            command = [unshare, *extra, *base, "true"]
            try:
                ok = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=10).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
            if ok:
                prefix = [unshare, *extra, *base]
                text = ("namespaces (mount, network, PID" + (", user" if extra else "") + "): read-only files but "
                        "the scratch folder, no network, no process outlives the child")
                break
    drop = root and not (prefix and "--user" in prefix) and _readable_by_others()
    _isolation.append({"unshare": prefix, "drop_root": drop, "text": text + ("; runs as nobody" if drop else "")})
    return _isolation[0]


def _readable_by_others():
    """Whether the user nobody can read the interpreter, the library and NumPy (every folder above them o+rx)."""
    import numpy

    for path in (sys.executable, sys.prefix, os.path.dirname(numpy.__file__), os.path.join(ROOT, LIBRARY_DIR)):
        path = os.path.realpath(path)
        while True:
            try:
                mode = os.stat(path).st_mode
            except OSError:
                return False
            if mode & 0o005 != 0o005 and os.path.isdir(path) or mode & 0o004 == 0:
                return False
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    return True


def hidden_folders(extra=()):
    """The folders a child must not see: every top-level folder of the repository but the library and a venv."""
    import site

    packages = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    packages += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    keep = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, *packages) if p}
    hide = []
    for entry in sorted(os.listdir(ROOT)):
        path = os.path.join(ROOT, entry)
        if not os.path.isdir(path) or os.path.islink(path) or entry == LIBRARY_DIR:
            continue
        real = os.path.realpath(path)
        if any(k == real or k.startswith(real + os.sep) for k in keep):
            continue  # a virtual environment inside the repository (.venv): the child imports from it
        hide.append(real)
    for path in extra:
        real = os.path.realpath(path)
        if os.path.isdir(real) and real not in hide and not any(k == real or k.startswith(real + os.sep)
                                                                for k in keep):
            hide.append(real)
    return hide


def minimal_environment(scratch):
    env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": scratch, "PYTHONHASHSEED": "0", "GROUPCONV_NUM_THREADS": "1"}
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[name] = "1"
    return env


def _die_with_parent():
    """In the child before exec: its own process group, and SIGKILL when the grader dies (Linux)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Child:
    """One sandboxed runner process with one submission loaded."""

    def __init__(self, path, source, forbidden, cpu_seconds, hide=(), preload=()):
        self.scratch = tempfile.mkdtemp(prefix="groupconv-grade-")
        self.proc = None
        mode = isolation()
        if mode["drop_root"]:
            os.chown(self.scratch, 65534, 65534)
        command = [*(mode["unshare"] or []), sys.executable, "-I", "-B", RUNNER]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=self.scratch,
                                     env=minimal_environment(self.scratch), start_new_session=True,
                                     preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        self.send_fd, self.read_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        limits = {"RLIMIT_CPU": int(cpu_seconds), "RLIMIT_AS": ADDRESS_SPACE, "RLIMIT_FSIZE": FILE_SIZE,
                  "RLIMIT_NPROC": 0, "RLIMIT_CORE": 0}
        if sys.platform == "darwin":
            limits.pop("RLIMIT_AS")  # macOS refuses to set it
        setup = {"filename": os.path.abspath(path), "source": source, "forbidden": with_underlying(forbidden),
                 "scratch": os.path.realpath(self.scratch), "namespaces": bool(mode["unshare"]),
                 "drop_root": mode["drop_root"], "limits": limits, "preload": list(preload),
                 "hide": hidden_folders(hide) if mode["unshare"] else []}
        try:
            wire.send(self.send_fd, setup)
        except OSError:
            pass  # the child is already gone: the first receive says so
        self.sandbox = {}
        self.cpu = 0.0  # the child's CPU seconds at its last reply

    def wait_imported(self, seconds):
        """None when the submission imported; otherwise the reason it did not, as text."""
        try:
            message = self._receive(time.monotonic() + START_SECONDS + seconds)
        except ChildTimeout:
            return f"importing the file did not finish within {seconds:g} s (work at import time, or an endless loop?)"
        except ChildGone as gone:
            return f"the process importing the file ended ({gone.reason})"
        self.sandbox = message.get("sandbox") if isinstance(message.get("sandbox"), dict) else {}
        if message.get("event") == "imported":
            return None
        return f"the file does not import: {str(message.get('reason', '?'))[:400]}"

    def _receive(self, deadline):
        try:
            header, blobs = wire.receive(self.read_fd, deadline, MAX_REPLY_BYTES)
        except wire.Timeout:
            raise ChildTimeout() from None
        except wire.Closed:
            raise ChildGone(self.end_reason()) from None
        except (wire.WireError, OSError) as exc:
            self.kill()
            raise ChildGone(f"it sent something that is not a reply: {exc}") from None
        header["_blobs"] = blobs
        if isinstance(header.get("cpu"), (int, float)):
            self.cpu = float(header["cpu"])
        return header

    def call(self, name, args, kwargs, deadline, observe=None):
        """The child's reply to one call, decoded: {"ok", "value", "after", "shares", "reached", ...}."""
        blobs = []
        extra = netspec.extra_encoder(blobs)
        request = {"op": "call", "name": name, "args": wire.encode(list(args), blobs, extra),
                   "kwargs": wire.encode(dict(kwargs), blobs, extra), "observe": observe}
        try:
            wire.send(self.send_fd, request, blobs)
        except OSError:
            raise ChildGone(self.end_reason()) from None
        reply = self._receive(deadline)
        blobs = reply.pop("_blobs")
        try:
            if reply.get("ok"):
                reply["value"] = wire.decode(reply.get("value"), blobs, netspec.extra_decoder)
                reply["after"] = {str(k): wire.decode(v, blobs, netspec.extra_decoder)
                                  for k, v in dict(reply.get("after") or {}).items()}
                reply["shares"] = [int(i) for i in reply.get("shares") or []]
                observed = reply.get("observed")
                reply["observed"] = observed if isinstance(observed, dict) else None
        except (wire.WireError, TypeError, ValueError) as exc:
            return {"ok": False, "kind": "unsendable", "error": f"returned something that is not plain data: {exc}"}
        return reply

    def end_reason(self):
        if self.proc is None:
            return "not started"
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        if code == 128 + signal.SIGXCPU or code == 128 + signal.SIGKILL:
            return f"killed by {signal.Signals(code - 128).name}"
        return f"exit code {code}"

    def kill(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        shutil.rmtree(self.scratch, ignore_errors=True)
