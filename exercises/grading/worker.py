"""The child process that grades one submission file; grade.py starts it and reads its report.

    python -I -B worker.py EXERCISE SUBMISSION SCRATCH TIMEOUT TASK [TASK ...]

It imports the grading module grading.EXERCISE (one per exercise, beside this file), then
the submission, and runs the named tasks in order. Every message to the parent is one JSON line on the original
standard output:
    {"event": "imported"}                         the submission imported
    {"event": "import-error", "reason": ...}      it did not; no task is run
    {"event": "result", "task": ..., ...}         one per task, in order
Anything the submission prints goes to /dev/null (fds 1 and 2 and sys.stdout/err), so a
submission that prints a lot cannot flood the parent.

A submission is code we do not trust to be correct, so the child guards against
accidents (it is not a security sandbox against a determined attacker):
  * the working directory, HOME and TMPDIR are the scratch folder SCRATCH;
  * an audit hook refuses to open files for writing, delete, rename or create anything
    outside SCRATCH, and to start other programs; -B writes no bytecode caches;
  * resource limits: 2 GiB of address space, files of at most 32 MiB, no core dumps,
    and a CPU-time limit of all the tasks' time limits (TIMEOUT seconds each, times the
    task's time_factor) plus a minute, a backstop should the parent be gone: the
    parent's per-task wall-clock limit comes first;
  * the functions an exercise asks the student to write themselves (FORBIDDEN in its
    grading module) are replaced by tripwires that refuse calls coming from the
    submission file, while the library and the grader still reach the originals.
The parent kills this process when a task runs over its time limit, and starts a fresh
one for the remaining tasks.
"""
import functools
import importlib
import importlib.util
import json
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXERCISES = os.path.dirname(HERE)
ROOT = os.path.dirname(EXERCISES)
sys.path[:0] = [ROOT, EXERCISES]  # grade with the library of this repository

ADDRESS_SPACE = 2 * 2**30
FILE_SIZE = 32 * 2**20
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
PATH_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.link": (0, 1),
               "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
               "os.setxattr": (0,), "os.removexattr": (0,), "shutil.rmtree": (0,), "shutil.move": (0, 1)}
PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                  "os.forkpty", "pty.spawn", "os.kill", "os.killpg"}


def silence():
    """Send the submission's output to /dev/null; return a line-buffered writer on the original stdout."""
    report = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
    return report


def limit_resources(cpu_seconds):
    for limit, value in ((resource.RLIMIT_AS, ADDRESS_SPACE), (resource.RLIMIT_FSIZE, FILE_SIZE),
                         (resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, cpu_seconds)):
        soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, hard))


def install_write_guard(scratch):
    """An audit hook: no writes, deletions or new programs outside the scratch folder."""
    scratch = os.path.realpath(scratch)
    busy = []

    def inside(path):
        if path is None or isinstance(path, int):
            return True  # an already open file descriptor
        real = os.path.realpath(os.fsdecode(path))
        return real == os.devnull or real == scratch or real.startswith(scratch + os.sep)

    def hook(event, args):
        if busy:
            return
        busy.append(1)
        try:
            if event == "open":
                path, mode, flags = args
                writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                         (isinstance(flags, int) and flags & WRITE_FLAGS)
                if writes and not inside(path):
                    raise PermissionError(f"the grader does not let a submission write to {os.fsdecode(path)!r}")
            elif event in PATH_EVENTS:
                for i in PATH_EVENTS[event]:
                    if i < len(args) and not inside(args[i]):
                        raise PermissionError(f"the grader does not let a submission change {os.fsdecode(args[i])!r}")
            elif event in PROCESS_EVENTS:
                raise PermissionError("the grader does not let a submission start or signal other processes")
        finally:
            busy.pop()

    sys.addaudithook(hook)


def install_tripwires(forbidden, path, framework):
    """Replace each forbidden function by one that refuses calls made from the submission file itself.

    A name the library no longer has (or a module that does not import) is skipped: a
    function that does not exist cannot be called.
    """
    for module_name, names in forbidden.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in names:
            original = getattr(module, name, None)
            if not callable(original):
                continue
            label = f"{module_name}.{name}"

            def refuse(frame, _label=label):
                if frame.f_code.co_filename == path:
                    framework.FORBIDDEN_CALLS.append(_label)
                    raise framework.ForbiddenCall(f"may not call {_label}: this exercise asks you to write it yourself")

            if isinstance(original, type):  # a layer class: a subclass whose constructor checks the caller
                def __init__(self, *args, _original=original, _refuse=refuse, **kwargs):
                    _refuse(sys._getframe(1))
                    _original.__init__(self, *args, **kwargs)

                tripwire = type(original.__name__, (original,), {"__init__": __init__, "__doc__": original.__doc__})
            else:
                def tripwire(*args, _original=original, _refuse=refuse, **kwargs):
                    _refuse(sys._getframe(1))
                    return _original(*args, **kwargs)

                tripwire = functools.wraps(original)(tripwire)
            setattr(module, name, tripwire)


def first_line_in(exc, path):
    """'ExcType: message (line N, in f)' for an exception raised while importing the submission."""
    import traceback

    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    where = ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        message, where = exc.msg, f" (line {exc.lineno})"
    else:
        frames = [fr for fr in traceback.extract_tb(exc.__traceback__) if fr.filename == path]
        if frames:
            where = f" (line {frames[-1].lineno}, in {frames[-1].name})"
    return f"{type(exc).__name__}: {message}{where}"


def load(path):
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    spec.loader.exec_module(module)
    return module


def set_up_library():
    """Run the library's one-time set-up before the write guard goes up.

    The engine's first call asks threadpoolctl for the BLAS libraries in the process.
    Older threadpoolctl (3.1, the floor) finds the C library with ctypes.util.find_library,
    which runs ldconfig and gcc and writes a temporary file: work of the grader, done once
    here, not something to refuse in the middle of a submission's task.
    """
    import numpy as np

    from groupconv import correlate
    correlate.planar_correlation(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)))


def main(argv):
    exercise, path, scratch, timeout, *task_names = argv
    report = silence()
    for name in ("HOME", "TMPDIR", "TEMP", "TMP", "MPLCONFIGDIR"):  # before any import can read them
        os.environ[name] = scratch
    tempfile.tempdir = scratch
    os.chdir(scratch)

    def send(message):
        report.write(json.dumps(message) + "\n")

    from grading import framework

    spec = importlib.import_module(f"grading.{exercise}")
    tasks = {task.name: task for task in spec.TASKS}
    limit_resources(cpu_seconds=int(60 + float(timeout) * (1 + sum(tasks[name].time_factor for name in task_names))))
    set_up_library()
    install_tripwires(getattr(spec, "FORBIDDEN", {}), path, framework)
    install_write_guard(scratch)
    try:
        module = load(path)
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit, anything at all
        send({"event": "import-error", "reason": first_line_in(exc, path)})
        return
    send({"event": "imported"})
    sub = framework.Submission(module, path)
    for name in task_names:
        task = tasks[name]
        del framework.FORBIDDEN_CALLS[:]
        start, cpu_start = time.perf_counter(), time.process_time()
        result = {"event": "result", "task": name, "max_points": task.points}
        try:
            note = task.check(sub)
            result.update(passed=True, points=task.points, reason=note or "")
        except framework.Failure as failure:
            hints = dict(framework.HINTS, **getattr(spec, "EXTRA_HINTS", {}))
            result.update(passed=False, points=0, reason=failure.reason,
                          hints=[{"key": key, "text": hints[key]} for key in failure.hints],
                          not_implemented=failure.not_implemented,
                          counterexample={k: framework.jsonable(v) for k, v in failure.counterexample.items()},
                          counterexample_text=[[k, framework.show(v)] for k, v in failure.counterexample.items()])
        except SystemExit as exc:
            result.update(passed=False, points=0, reason=f"the submission called sys.exit({exc.code!r})")
        except MemoryError:
            result.update(passed=False, points=0, reason="the submission ran out of memory (MemoryError)")
        except BaseException as exc:  # an exception the grader did not expect: still a clear FAIL for this task
            result.update(passed=False, points=0, reason="the grader could not check this task: "
                                                         + first_line_in(exc, path))
        result["seconds"] = round(time.perf_counter() - start, 3)  # wall clock
        result["cpu_seconds"] = round(time.process_time() - cpu_start, 3)  # this process's CPU time
        send(result)


if __name__ == "__main__":
    main(sys.argv[1:])
