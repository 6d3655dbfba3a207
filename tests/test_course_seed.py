"""The course seed (exercises/grading/framework.py): a lecturer's own graded inputs.

Checked: the public cases do not depend on anything but the project's seed; a course seed
changes, for every graded task but two (named below), at least one input the grader sends,
so an answer table made on the public cases has no entry for it; an answer table really
does score full marks on the cases it was made on and loses them under a course seed; and a
bad seed is refused with a message naming what is expected.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXERCISES = os.path.join(ROOT, "exercises")
sys.path[:0] = [EXERCISES]

from grading import framework  # noqa: E402

# the tasks whose inputs no seed can vary, because the grader sends no input or already tries the whole of a small
# domain (there a table of answers is the answer): mirror_matrix (m = 0, 1), counterexample_without_inverse and
# exercise 11 (the student supplies the counterexample); and
# exercise 12's training task, which trains a fixed network on the public digits so that its accuracy bound holds
# for every course (its rules are checked by watching the loop, which no table can replay)
FIXED = {"ex11", "mirror_matrix", "counterexample_without_inverse", "train"}

RECORD = textwrap.dedent(r'''
    import hashlib, importlib.util, json, os, sys
    import numpy as np
    sys.path[:0] = [os.path.join(ROOT, "exercises"), ROOT]
    sys.dont_write_bytecode = True
    from grading import EXERCISES
    import importlib

    def digest(value, h):
        if isinstance(value, np.ndarray):
            h.update(f"{value.dtype.str}{value.shape}".encode()); h.update(np.ascontiguousarray(value).tobytes())
        elif isinstance(value, (list, tuple)):
            h.update(b"["); [digest(v, h) for v in value]; h.update(b"]")
        elif isinstance(value, dict):
            for k in sorted(value, key=str):
                h.update(str(k).encode()); digest(value[k], h)
        elif isinstance(value, (str, int, float, bool, type(None), np.generic)):
            h.update(repr(value).encode())
        elif hasattr(value, "arrays"):  # a loss spec
            h.update(value.kind.encode()); digest(value.arrays, h)
        elif hasattr(value, "state"):  # a network
            digest(value.state(), h)
        elif isinstance(value, np.random.Generator):
            h.update(json.dumps(value.bit_generator.state, sort_keys=True, default=str).encode())
        else:
            h.update(type(value).__name__.encode())

    class Recorder:
        """Calls the reference solution in this process and records a digest of every input sent."""
        def __init__(self, module):
            self.module, self.calls, self.last_reply, self.observed = module, [], {}, None
        def call(self, name, *args, observe=None, **kwargs):
            h = hashlib.sha256(name.encode()); digest([list(args), kwargs], h); self.calls.append(h.hexdigest())
            import copy
            return getattr(self.module, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        def expect_new_array(self, name, *args):
            return self.call(name, *args)

    out = {}
    for filename, name in EXERCISES:
        grading = importlib.import_module("grading." + name)
        spec = importlib.util.spec_from_file_location("solution_" + name, os.path.join(ROOT, "exercises", filename))
        solution = importlib.util.module_from_spec(spec); spec.loader.exec_module(solution)
        for task in grading.TASKS:
            rec = Recorder(solution)
            try:
                task.check(rec)
            except Exception as exc:  # a check that needs the sandbox (observed calls) stops here; the calls so far count
                pass
            out[name + ":" + task.name] = rec.calls
    print(json.dumps(out))
''')


def seed_env(seed):
    """This process's environment with the course seed `seed` (0: none, the public cases)."""
    env = {k: v for k, v in os.environ.items() if k != framework.SEED_VARIABLE}
    if seed:
        env[framework.SEED_VARIABLE] = str(seed)
    return env


def recorded_inputs(seed):
    """{exNN:task: [digest of each call's inputs]} with the course seed `seed` (0: the public cases)."""
    env = seed_env(seed)
    proc = subprocess.run([sys.executable, "-c", f"ROOT = {ROOT!r}\n" + RECORD], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def inputs():
    return {seed: recorded_inputs(seed) for seed in (0, 1, 2026)}


def test_the_public_cases_are_the_same_in_every_run(inputs):
    # a fresh process with no seed sends exactly the inputs of another fresh process with no seed
    assert recorded_inputs(0) == inputs[0]


def test_a_course_seed_changes_an_input_of_every_graded_task(inputs):
    public = inputs[0]
    assert len(public) >= 30 and all(public.values()), "every task records the inputs it sends"
    for seed in (1, 2026):
        course = inputs[seed]
        assert course.keys() == public.keys()
        for task, calls in course.items():
            exercise, name = task.split(":")
            if exercise in FIXED or name in FIXED:
                continue
            new = set(calls) - set(public[task])
            assert new, f"{task}: every input under course seed {seed} is also a public one"


def test_two_courses_differ_from_each_other(inputs):
    for task, calls in inputs[1].items():
        exercise, name = task.split(":")
        if exercise not in FIXED and name not in FIXED:
            assert set(calls) - set(inputs[2026][task]), f"{task}: courses 1 and 2026 send the same inputs"


TABLE = '''
import base64, hashlib, pickle
import numpy as np

TABLE = pickle.loads(base64.b64decode({table!r}))


def transform_image(f, g):
    key = hashlib.sha256(np.ascontiguousarray(f).tobytes() + repr((f.dtype.str, f.shape)).encode()
                         + np.asarray(g).tobytes()).hexdigest()
    if key not in TABLE:
        return np.zeros_like(f)  # an input the table has not seen
    return TABLE[key].copy()
'''


def answer_table(seed):
    """An exercise-02 submission whose transform_image looks its answers up in a table made with the library on
    the inputs the grader sends under `seed`."""
    import base64
    env = seed_env(seed)
    script = textwrap.dedent(f'''
        import hashlib, os, pickle, sys
        import numpy as np
        sys.path[:0] = [{EXERCISES!r}, {ROOT!r}]
        from grading import ex02
        from groupconv.action import transform_image
        table = {{}}
        class Sub:
            last_reply, observed = {{}}, None
            def call(self, name, *args, **kw):
                f, g = args
                key = hashlib.sha256(np.ascontiguousarray(f).tobytes() + repr((f.dtype.str, f.shape)).encode()
                                     + np.asarray(g).tobytes()).hexdigest()
                table[key] = transform_image(f, g)
                return table[key]
            expect_new_array = call
        task = next(t for t in ex02.TASKS if t.name == "transform_image")
        task.check(Sub())
        sys.stdout.buffer.write(pickle.dumps(table))
    ''')
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return base64.b64encode(proc.stdout).decode()


def grade(path, seed):
    env = seed_env(seed)
    proc = subprocess.run([sys.executable, os.path.join(EXERCISES, "grade.py"), str(path), "--json",
                           "--only", "transform_image", "--flags", "report"],
                          capture_output=True, text=True, env=env, timeout=600)
    return json.loads(proc.stdout)


def test_an_answer_table_passes_its_own_cases_and_fails_a_course(tmp_path):
    path = tmp_path / "ex02_action_on_images.py"
    path.write_text(TABLE.format(table=answer_table(0)))
    public = grade(path, 0)
    assert public["cases"] == "public"
    assert public["points"] > 0, "the table is a working cheat on the cases it was made on"
    course = grade(path, 2026)
    assert course["cases"] == "course"
    assert course["points"] == 0, "the public table fails the course's cases"
    path.write_text(TABLE.format(table=answer_table(2026)))
    assert grade(path, 2026)["points"] > 0 and grade(path, 1)["points"] == 0  # one course's table fails another


@pytest.mark.parametrize("text", ["0", "-3", "abc", "1.5", str(2 ** 63), "12 34"])
def test_a_bad_seed_is_refused_by_name(tmp_path, text):
    with pytest.raises(ValueError, match="course seed, a whole number from 1 to 2\\*\\*63 - 1"):
        framework.read_course_seed({framework.SEED_VARIABLE: text}, str(tmp_path / "none"))
    (tmp_path / "course_seed.txt").write_text(text + "\n")
    with pytest.raises(ValueError, match="course_seed.txt must hold the course seed"):
        framework.read_course_seed({}, str(tmp_path / "course_seed.txt"))


def test_where_the_seed_comes_from(tmp_path):
    seed_file = tmp_path / "course_seed.txt"
    assert framework.read_course_seed({}, str(seed_file)) == 0  # no file, no variable: the public cases
    seed_file.write_text("41\n")
    assert framework.read_course_seed({}, str(seed_file)) == 41
    assert framework.read_course_seed({framework.SEED_VARIABLE: " 7 "}, str(seed_file)) == 7  # the variable wins
    assert framework.read_course_seed({framework.SEED_VARIABLE: ""}, str(seed_file)) == 41


def test_the_repository_sets_no_course_seed():
    # the project's own copy grades on the public cases; a seed belongs to an instructors' private copy
    assert not os.path.exists(framework.SEED_FILE)
    assert framework.COURSE_SEED == 0 or framework.SEED_VARIABLE in os.environ
