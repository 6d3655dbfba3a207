"""The child process that runs one submission file: it calls the submission's functions and returns plain data.

    python -I -B runner.py        (started by sandbox.py; requests on stdin, replies on stdout)

The grader (sandbox.py, in the parent process) sends one set-up message, then one
request per call. Every request names a function of the submission and its arguments,
which the grader chose; every reply is plain data (wire.py): the return value (arrays
with their dtype and shape), the inputs the call changed, the arguments whose memory the
return value shares, the protected library functions that ran, or the exception as text.
Nothing here grades: no reference, comparison, hint or report is computed in this
process, and none of the grader's modules is imported (wire.py and netspec.py are only
the format of the data).

Before the submission is imported, this process
  * imports the library and guards its protected implementations (FORBIDDEN of the
    exercise): the function objects themselves are changed, so that every route to them
    (the name, an alias, __wrapped__, importlib, another module, a layer of groupconv.nn,
    a subclass) runs the guard, which refuses while submitted code is running;
  * on Linux, in its own mount, network and PID namespaces (sandbox.py starts it through
    util-linux's unshare): every file system is made read-only but its scratch folder,
    the folders that hold solutions are hidden, and it has no network;
  * drops root (to the user nobody) when it has it, and sets hard limits (soft and hard
    alike): CPU seconds, address space, file size, no new processes or threads;
  * sends its own output and the submission's to /dev/null: only the reply channel
    carries data to the grader.
"""
import ctypes
import ctypes.util
import importlib
import os
import resource
import sys
import time
import traceback
import types
import warnings

REPLY_FD = os.dup(1)
_null = os.open(os.devnull, os.O_WRONLY)
os.dup2(_null, 1)
os.dup2(_null, 2)
sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")

HERE = os.path.dirname(os.path.abspath(__file__))
EXERCISES = os.path.dirname(HERE)
ROOT = os.path.dirname(EXERCISES)
sys.path[:] = [ROOT, EXERCISES] + [p for p in sys.path if p not in (HERE, ROOT, EXERCISES)]

import numpy as np  # noqa: E402

from grading import netspec, wire  # noqa: E402

LIBRARY = ("groups", "lattices", "action", "correlate", "filter_bank", "engine", "nn", "digits", "images",
           "checks", "limits")
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18


# ---------------------------------------------------------------- guarding protected implementations

class ForbiddenCall(RuntimeError):
    """Raised inside the submission when it reaches a protected implementation by any route."""


ACTIVE = []      # non-empty while submitted code runs
REACHED = []     # labels of the protected implementations that ran while it did


def _placeholder_code(freevars):
    """A code object `(*args, **kwargs) -> PLACEHOLDER(args, kwargs)` with the given free variables."""
    cells = "".join(f"    {name} = None\n" for name in freevars) or "    pass\n"
    touch = "".join(f"        {name}\n" for name in freevars)
    source = (f"def _outer():\n{cells}    def _guarded(*args, **kwargs):\n{touch}"
              f"        return ('@groupconv-guard@')(args, kwargs)\n    return _guarded\n")
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'str' object is not callable": the constant is replaced below
        exec(compile(source, "<guard>", "exec"), namespace)
    return namespace["_outer"]().__code__


def guard(function, label):
    """Make `function` itself refuse to run while submitted code runs; everything else still reaches it."""
    code = function.__code__
    original = types.FunctionType(code, function.__globals__, function.__name__, function.__defaults__,
                                  function.__closure__)
    original.__kwdefaults__ = function.__kwdefaults__

    def check(args, kwargs):
        if ACTIVE:
            REACHED.append(label)
            raise ForbiddenCall(f"may not call {label}: this exercise asks you to write it yourself")
        return original(*args, **kwargs)

    template = _placeholder_code(code.co_freevars)
    if template.co_freevars != code.co_freevars:
        raise RuntimeError(f"cannot guard {label}: free variables {code.co_freevars}")
    consts = tuple(check if c == "@groupconv-guard@" else c for c in template.co_consts)
    function.__code__ = template.replace(co_consts=consts, co_name=code.co_name, co_qualname=code.co_qualname,
                                         co_filename=code.co_filename, co_firstlineno=code.co_firstlineno) \
        if hasattr(code, "co_qualname") else \
        template.replace(co_consts=consts, co_name=code.co_name, co_filename=code.co_filename,
                         co_firstlineno=code.co_firstlineno)


def python_functions(obj, seen):
    """The plain Python functions behind obj: itself, what it wraps (__wrapped__), a class's methods."""
    found = []
    if id(obj) in seen:
        return found
    seen.add(id(obj))
    if isinstance(obj, (staticmethod, classmethod)):
        return python_functions(obj.__func__, seen)
    if isinstance(obj, property):
        for part in (obj.fget, obj.fset, obj.fdel):
            if part is not None:
                found += python_functions(part, seen)
        return found
    if isinstance(obj, type):
        for value in vars(obj).values():
            found += python_functions(value, seen)
        return found
    if isinstance(obj, types.FunctionType):
        found.append(obj)
        wrapped = getattr(obj, "__wrapped__", None)
        if wrapped is not None:
            found += python_functions(wrapped, seen)
    elif hasattr(obj, "__wrapped__"):  # e.g. functools.partial-like or a C wrapper of a Python function
        found += python_functions(obj.__wrapped__, seen)
    return found


def install_guards(forbidden):
    """Guard every protected implementation; [labels that do not exist in this library] (a missing one cannot be called)."""
    seen, guarded, missing = set(), set(), []
    for module_name, names in forbidden.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing += [f"{module_name}.{n}" for n in names]
            continue
        for name in names:
            target = getattr(module, name, None)
            if target is None:
                missing.append(f"{module_name}.{name}")
                continue
            for function in python_functions(target, seen):
                if id(function) not in guarded:
                    guarded.add(id(function))
                    guard(function, f"{module_name}.{name}")
            if hasattr(target, "cache_clear"):  # an lru_cache: a cached answer would not run the guarded function
                target.cache_clear()
    return missing


# ---------------------------------------------------------------- the sandbox

def libc_mount(source, target, fstype, flags, data):
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    if libc.mount(source, target, fstype, flags, data) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target!r}: {os.strerror(ctypes.get_errno())}")


def isolate_files(scratch, hide):
    """In a private mount namespace: everything read-only but scratch; each folder of `hide` replaced by an empty one."""
    libc_mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    libc_mount(scratch.encode(), scratch.encode(), None, MS_BIND, None)
    for path in hide:
        if os.path.isdir(path):
            libc_mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY, b"size=4k,mode=0555")
    mounts = [line.split()[4] for line in open("/proc/self/mountinfo", encoding="utf-8")]
    for point in dict.fromkeys(mounts):
        point = point.replace("\\040", " ")
        if point == scratch or point.startswith(("/proc", "/sys")):
            continue
        try:
            libc_mount(None, point.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        except OSError:
            pass  # a mount that cannot be remounted (it is reported by the check below)
    for shm in ("/dev/shm", "/run/shm"):
        if os.path.isdir(shm) and not os.path.islink(shm):
            libc_mount(b"tmpfs", shm.encode(), b"tmpfs", MS_RDONLY, b"size=4k,mode=0555")


def drop_root():
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)


# system calls a submission never needs: new processes and threads, programs, sockets (a Unix socket
# would reach a daemon outside the network namespace), mounts and namespaces (which would undo the
# read-only files), raising limits, tracing, kernel keys and modules, and io_uring (which bypasses seccomp)
BLOCKED = {
    "x86_64": (0xC000003E, {"clone": 56, "fork": 57, "vfork": 58, "execve": 59, "execveat": 322, "clone3": 435,
                            "socket": 41, "socketpair": 53, "mount": 165, "umount2": 166, "pivot_root": 155,
                            "chroot": 161, "unshare": 272, "setns": 308, "setrlimit": 160, "prlimit64": 302,
                            "ptrace": 101, "open_by_handle_at": 304, "name_to_handle_at": 303, "bpf": 321,
                            "perf_event_open": 298, "keyctl": 250, "add_key": 248, "request_key": 249,
                            "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246,
                            "reboot": 169, "swapon": 167, "swapoff": 168, "mknod": 133, "mknodat": 259,
                            "io_uring_setup": 425, "userfaultfd": 323, "process_vm_writev": 311}),
    "aarch64": (0xC00000B7, {"clone": 220, "execve": 221, "execveat": 281, "clone3": 435, "socket": 198,
                             "socketpair": 199, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
                             "unshare": 97, "setns": 268, "setrlimit": 164, "prlimit64": 261, "ptrace": 117,
                             "open_by_handle_at": 265, "name_to_handle_at": 264, "bpf": 280,
                             "perf_event_open": 241, "keyctl": 219, "add_key": 217, "request_key": 218,
                             "init_module": 105, "finit_module": 273, "delete_module": 106, "kexec_load": 104,
                             "reboot": 142, "swapon": 224, "swapoff": 225, "mknodat": 33, "io_uring_setup": 425,
                             "userfaultfd": 282, "process_vm_writev": 271}),
}


def install_seccomp():
    """A seccomp filter: the BLOCKED system calls fail with EPERM, a foreign ABI kills. True if installed."""
    import platform
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in BLOCKED:
        return False
    arch, calls = BLOCKED[machine]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    program = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, 0x80000000), (ld, 0, 0, 0)]
    tests = [(jge, 0x40000000)] if machine == "x86_64" else []  # the x32 ABI's numbers
    tests += [(jeq, nr) for nr in sorted(set(calls.values()))]
    errno_at = len(program) + len(tests) + 1
    for code, k in tests:
        program.append((code, errno_at - len(program) - 1, 0, k))
    program += [(ret, 0, 0, 0x7FFF0000), (ret, 0, 0, 0x00050000 | 1)]  # allow; EPERM

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*f) for f in program])
    prog = Program(len(program), filters)
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    return libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


def set_limits(limits):
    for name, value in limits.items():
        limit = getattr(resource, name, None)
        if limit is not None:
            resource.setrlimit(limit, (int(value), int(value)))


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def install_audit_hook(scratch):
    """Defence in depth where there are no namespaces: no writes outside scratch, no new programs."""
    scratch = os.path.realpath(scratch)
    busy = []

    def inside(path):
        if path is None or isinstance(path, int):
            return True
        real = os.path.realpath(os.fsdecode(path))
        return real == os.devnull or real == scratch or real.startswith(scratch + os.sep)

    def hook(event, args):
        if busy or not ACTIVE:
            return
        busy.append(1)
        try:
            if event == "open":
                path, mode, flags = args
                writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                         (isinstance(flags, int) and flags & WRITE_FLAGS)
                if writes and not inside(path):
                    raise PermissionError(f"the grader does not let a submission write to {os.fsdecode(path)!r}")
            elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.truncate", "shutil.rmtree"):
                if args and not inside(args[0]):
                    raise PermissionError(f"the grader does not let a submission change {os.fsdecode(args[0])!r}")
            elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                           "os.forkpty", "pty.spawn", "os.kill", "os.killpg", "socket.connect", "socket.bind"):
                raise PermissionError("the grader does not let a submission start programs or use the network")
        finally:
            busy.pop()

    sys.addaudithook(hook)


# ---------------------------------------------------------------- calling the submission

def where(exc, filename):
    frames = [fr for fr in traceback.extract_tb(exc.__traceback__) if fr.filename == filename]
    return f" (line {frames[-1].lineno}, in {frames[-1].name})" if frames else ""


def error_text(exc, filename):
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    return f"{type(exc).__name__}: {message}{where(exc, filename)}"


def copy_value(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(copy_value(v) for v in value)
    return value


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return True


class Observer:
    """What a training function does with the network and the optimisers (exercise 12), recorded as data."""

    def __init__(self, net, images, labels):
        self.net, self.images, self.labels = net, images, labels
        self.rows = {images[i].tobytes(): i for i in range(len(images))}
        self.forwards, self.backwards, self.optimisers, self.steps = [], 0, [], []
        self.patched = []

    def __enter__(self):
        observer, net = self, self.net
        from groupconv import nn

        class Observed(nn.Sequential):
            def forward(self, x, train=False):
                out = nn.Sequential.forward(self, x, train)
                observer.forward(x, train, out)
                return out

            __call__ = forward

            def backward(self, dout):
                observer.backwards += 1
                return nn.Sequential.backward(self, dout)

        net.__class__ = Observed
        for cls in (nn.Adam, nn.SGD):
            init, step = cls.__init__, cls.step

            def new_init(opt, *args, _init=init, _cls=cls, **kwargs):
                _init(opt, *args, **kwargs)
                observer.optimisers.append({"type": _cls.__name__, "lr": float(opt.lr),
                                            "before_step": len(observer.steps), "network": opt.net is net})

            def new_step(opt, _step=step):
                _step(opt)
                observer.steps.append(len(observer.optimisers))

            self.patched.append((cls, init, step))
            cls.__init__, cls.step = new_init, new_step
        return self

    def forward(self, x, train, out):
        if len(self.forwards) >= 20000:
            return
        batch = np.asarray(x)
        index = [self.rows.get(np.asarray(row).tobytes(), -1) for row in batch] if batch.ndim >= 1 else []
        entry = {"train": bool(train), "rows": int(batch.shape[0]) if batch.ndim else 0, "indices": index}
        if index and min(index) >= 0 and isinstance(out, np.ndarray) and out.ndim == 2:
            from groupconv import nn
            try:
                entry["loss"] = float(nn.softmax_cross_entropy(out, self.labels[index])[0])
            except (TypeError, ValueError):
                pass
        self.forwards.append(entry)

    def __exit__(self, *exc):
        from groupconv import nn
        self.net.__class__ = nn.Sequential
        for cls, init, step in self.patched:
            cls.__init__, cls.step = init, step

    def record(self):
        return {"forwards": self.forwards, "backwards": self.backwards, "optimisers": self.optimisers,
                "steps": self.steps}


def call(module, request, filename):
    name = request["name"]
    fn = getattr(module, name, None)
    if fn is None or not callable(fn):
        return {"ok": False, "kind": "missing", "error": f"the file defines no function {name}(...)"}
    args = wire.decode(request["args"], request["_blobs"], netspec.extra_decoder)
    kwargs = wire.decode(request["kwargs"], request["_blobs"], netspec.extra_decoder)
    loss_args = [i for i, a in enumerate(args) if isinstance(a, netspec.LossSpec)]
    for i in loss_args:
        args[i] = args[i].function()
    given = [copy_value(a) for a in args]
    given_kw = {k: copy_value(v) for k, v in kwargs.items()}
    observe = request.get("observe")
    observer = Observer(given[observe["net"]], given[observe["images"]], given[observe["labels"]]) \
        if observe else None
    del REACHED[:]
    started = time.perf_counter()
    reply = {"ok": True}
    try:
        ACTIVE.append(1)
        try:
            if observer is not None:
                with observer:
                    out = fn(*given, **given_kw)
            else:
                out = fn(*given, **given_kw)
        finally:
            ACTIVE.pop()
    except NotImplementedError:
        reply = {"ok": False, "kind": "not_implemented", "error": f"{name} is not implemented yet "
                                                                   "(it raises NotImplementedError)"}
    except ForbiddenCall:
        reply = {"ok": False, "kind": "forbidden", "error": REACHED[-1] if REACHED else "?"}
    except RecursionError:
        reply = {"ok": False, "kind": "recursion", "error": "recursed too deeply (RecursionError)"}
    except MemoryError:
        reply = {"ok": False, "kind": "memory", "error": "ran out of memory (MemoryError)"}
    except SystemExit as exc:
        reply = {"ok": False, "kind": "exit", "error": f"called sys.exit({exc.code!r})"}
    except BaseException as exc:  # anything a submission may raise, as text
        reply = {"ok": False, "kind": "exception", "error": error_text(exc, filename)}
    reply["seconds"] = round(time.perf_counter() - started, 4)
    if REACHED:
        reply["reached"] = sorted(set(REACHED))
    if not reply["ok"]:
        return reply
    blobs = []
    extra = netspec.extra_encoder(blobs)
    ACTIVE.append(1)  # the return value's own methods (a repr) are submitted code too
    try:
        reply["value"] = wire.encode(out, blobs, extra)
    finally:
        ACTIVE.pop()
    changed = {}
    for i, (before, after) in enumerate(zip(args, given)):
        if i in loss_args:
            continue
        from groupconv import nn
        if isinstance(after, nn.Sequential):
            changed[str(i)] = wire.encode(after, blobs, extra)  # trained in place: the grader reads its state
        elif not same(before, after):
            changed[str(i)] = wire.encode(after, blobs, extra)
    for key in kwargs:
        if not same(kwargs[key], given_kw[key]):
            changed[key] = wire.encode(given_kw[key], blobs, extra)
    reply["after"] = changed
    reply["shares"] = [i for i, a in enumerate(given) if isinstance(a, np.ndarray) and isinstance(out, np.ndarray)
                       and np.shares_memory(a, out)]
    if observer is not None:
        reply["observed"] = observer.record()
    reply["_blobs"] = blobs
    return reply


def reply(message):
    blobs = message.pop("_blobs", [])
    message["cpu"] = round(time.process_time(), 4)  # this process's CPU seconds so far
    wire.send(REPLY_FD, message, blobs)


def main():
    setup, _ = wire.receive(0)
    filename, source = setup["filename"], setup["source"]
    import groupconv  # noqa: F401 (the library of this repository, imported before anything is hidden)
    for name in LIBRARY:
        importlib.import_module(f"groupconv.{name}")
    for module_name in setup.get("preload", []):
        try:
            importlib.import_module(module_name)
        except ImportError:
            pass
    from groupconv import correlate
    correlate.planar_correlation(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)))  # the engine's one-time set-up
    missing = install_guards(setup.get("forbidden", {}))
    scratch = setup["scratch"]
    sandbox = {"missing_guards": missing}
    if setup.get("namespaces"):
        isolate_files(scratch, setup.get("hide", []))
        sandbox["files"] = "read-only except the scratch folder"
    if setup.get("drop_root"):
        drop_root()
        sandbox["user"] = "nobody"
    os.chdir(scratch)
    sys.path[:] = [p for p in sys.path if p not in (ROOT, EXERCISES, HERE, "")]
    set_limits(setup.get("limits", {}))
    sandbox["seccomp"] = install_seccomp()
    install_audit_hook(scratch)
    module = types.ModuleType("submission")
    module.__file__ = filename
    sys.modules["submission"] = module
    del REACHED[:]
    try:
        ACTIVE.append(1)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        finally:
            ACTIVE.pop()
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit, anything at all
        reply({"event": "import-error", "reason": error_text(exc, filename), "sandbox": sandbox})
        return
    if REACHED:
        reply({"event": "import-error", "reason": f"importing the file called {REACHED[-1]}, which this exercise "
                                                  "asks you to write yourself", "sandbox": sandbox})
        return
    reply({"event": "imported", "sandbox": sandbox})
    while True:
        try:
            request, blobs = wire.receive(0)
        except (wire.Closed, wire.WireError):
            return
        if request.get("op") != "call":
            return
        request["_blobs"] = blobs
        try:
            message = call(module, request, filename)
        except wire.WireError as exc:
            message = {"ok": False, "kind": "unsendable", "error": f"returned something that is not plain data: {exc}"}
        except BaseException as exc:  # e.g. a repr or a copy that fails inside the submission's objects
            message = {"ok": False, "kind": "exception", "error": error_text(exc, filename)}
        try:
            reply(message)
        except wire.WireError as exc:
            reply({"ok": False, "kind": "unsendable", "error": str(exc)})


if __name__ == "__main__":
    main()
