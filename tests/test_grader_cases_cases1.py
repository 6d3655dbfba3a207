"""Wrong programs for exercises 01-04, each graded: the task must fail, with exactly the expected hint (or none).

Each case is (exercise file, task, [(old, new) replacements on the reference solution], expected hint key
or None). A hint is right only when its mistake model explains every failing case, so a program with two
mistakes, or a mistake that crashes on some input, must get no hint at all.
"""
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"

EX01, EX02, EX03, EX04 = ("ex01_group_law.py", "ex02_action_on_images.py", "ex03_action_on_group_functions.py",
                          "ex04_planar_correlation.py")
END_OF_SOLUTION_04 = "    return out\n    ### END SOLUTION\n\n\n# %% [markdown]\n# ## Task 2"
TASK_2_OF_04 = "    ### END SOLUTION\n\n\n# %% [markdown]\n# ## Task 2"

CASES_1 = [
    # ---- exercise 01
    (EX01, "rotation_matrix", [("(0, 1, 0, -1)  # cos", "(0, -1, 0, 1)  # cos")], "clockwise"),
    (EX01, "rotation_matrix", [("r = int(r) % 4", "r = abs(int(r)) % 4")], "negative_r"),  # not `clockwise`
    (EX01, "p4m_element", [("r = int(r) % 4", "r = abs(int(r)) % 4")], "own_rotation"),  # not `order`
    (EX01, "p4m_element", [("groups.translation(u, v) @ mirror_matrix(m) @ rotation_matrix(r)",
                            "groups.translation(u, v) @ rotation_matrix(r) @ mirror_matrix(m)")], "order"),
    (EX01, "p4m_element", [("(0, 1, 0, -1)  # cos", "(0, -1, 0, 1)  # cos")], "own_rotation"),  # through R(r)
    (EX01, "inverse", [("out[:2, 2] = -a_t @ g[:2, 2]", "out[:2, 2] = -g[:2, 2]")], "inverse_shift"),
    (EX01, "inverse", [("out[:2, 2] = -a_t @ g[:2, 2]", "out[:2, 2] = -g[:2, :2] @ g[:2, 2]")], "inverse_shift"),
    (EX01, "inverse", [("a_t = g[:2, :2].T  # A^-1 = A^T", "a_t = g[:2, :2]")], None),
    (EX01, "product_parameters", [("r = ((-1) ** m2 * r1 + r2) % 4", "r = (r1 + r2) % 4")], "mirror_turn"),
    (EX01, "product_parameters", [("return m, r, u1 + u2r, v1 + v2r", "return m, r, u1 + u2, v1 + v2")],
     "shift_turn"),
    (EX01, "product_parameters", [("if m1:\n        u2r = -u2r", "pass")], "shift_turn"),
    (EX01, "product_parameters", [("r = ((-1) ** m2 * r1 + r2) % 4", "r = (r1 + r2) % 4"),
                                  ("return m, r, u1 + u2r, v1 + v2r", "return m, r, u1 + u2, v1 + v2")], None),
    # ---- exercise 02
    (EX02, "transform_image", [("c = (n - 1) / 2", "c = n // 2")], "off_centre"),
    (EX02, "transform_image", [("c = (n - 1) / 2", "c = (n - 1) // 2")], "off_centre"),
    (EX02, "transform_image", [("c = (n - 1) / 2", "c = (n + 1) // 2")], None),  # wrong for odd n too
    (EX02, "transform_image", [("groups.inverse(g), x)  # g^-1 x", "g, x)  # g x: the inverse forgotten")],
     "inverse"),
    (EX02, "transform_image", [("c = (n - 1) / 2", "c = n // 2"),
                               ("groups.inverse(g), x)  # g^-1 x", "g, x)  # g x: the inverse forgotten")], None),
    (EX02, "transform_image", [("x = np.stack([i - c, j - c,", "x = np.stack([j - c, i - c,"),
                               ("a, b = np.rint(y[0] + c)", "b, a = np.rint(y[0] + c)")], "clockwise"),
    (EX02, "transform_image", [("x = np.stack([i - c, j - c,", "x = np.stack([-(i - c), j - c,"),
                               ("a, b = np.rint(y[0] + c)", "a, b = np.rint(-y[0] + c)")], "clockwise"),
    (EX02, "transform_image", [("out = np.zeros_like(f)", "out = np.zeros((n, n))")], "dtype"),
    (EX02, "transform_image", [("out = np.zeros_like(f)", "out = np.zeros((n, n), dtype=np.int64)")], "dtype"),
    (EX02, "transform_image", [("out = np.zeros_like(f)",
                                "out = np.zeros_like(f, dtype=np.result_type(f, np.int64))")], None),
    (EX02, "transform_image", [("n = f.shape[-1]", "n = min(f.shape[-1], 64)")], None),  # a size hard-coded
    # ---- exercise 03
    (EX03, "transform_group_function", [("np.take(np.asarray(f), perm, axis=-3)", "np.asarray(f)")],
     "no_permutation"),
    (EX03, "transform_group_function", [("np.take(np.asarray(f), perm, axis=-3)", "np.asarray(f)[perm]")],
     "group_axis"),
    (EX03, "transform_group_function", [("np.take(np.asarray(f), perm, axis=-3)",
                                         "np.take(np.asarray(f), perm, axis=1)")], None),  # crashes
    (EX03, "transform_group_function", [("perm = group_axis_permutation(g, group)",
                                         "perm = group_axis_permutation(groups.inverse(g), group)")], "inverse"),
    (EX03, "transform_group_function", [("axis=-3), g)", "axis=-3), groups.inverse(g))")], "inverse"),
    (EX03, "transform_group_function", [("perm = group_axis_permutation(g, group)",
                                         "perm = group_axis_permutation(groups.inverse(g), group)"),
                                        ("axis=-3), g)", "axis=-3), groups.inverse(g))")], "inverse"),
    (EX03, "transform_group_function", [("groups.point_group_index(s_g_inv @ s, group)",
                                         "groups.point_group_index(s @ s_g_inv, group)")], "side"),
    (EX03, "transform_group_function", [("axis=-3), g)", "axis=-3), g).astype(np.float64)")], "dtype"),
    (EX03, "transform_group_function", [("axis=-3), g)", "axis=-3), g).astype(np.int64)")], "dtype"),
    (EX03, "transform_group_function", [("np.take(np.asarray(f), perm, axis=-3), g)",
                                         "np.asarray(f)[perm], groups.inverse(g))")], None),
    # ---- exercise 04
    (EX04, "planar_correlation", [("psi[:, :, a, d])", "psi[:, :, k - 1 - a, k - 1 - d])")], "flip"),
    (EX04, "planar_correlation", [("psi[:, :, a, d])", "psi[:, :, d, a])")], "transposed"),
    (EX04, "planar_correlation", [('"bcij,oc->boij"', '"bcij,co->boij"')], None),  # crashes when C_in != C_out
    (EX04, "planar_correlation", [("(k - 1, k - 1), (k - 1, k - 1)", "(k, k), (k, k)")], "off_by_one"),
    (EX04, "planar_correlation", [("(k - 1, k - 1), (k - 1, k - 1)", "(k - 2, k - 2), (k - 2, k - 2)")],
     None),  # crashes for k = 1
    (EX04, "planar_correlation", [("H - k + 1, W - k + 1), dtype", "H - k, W - k), dtype"),
                                  ("a:a + H - k + 1, d:d + W - k + 1]", "a:a + H - k, d:d + W - k]")],
     "off_by_one"),
    (EX04, "planar_correlation", [('if mode == "full":', "if False:"),
                                  ('elif mode != "valid":', 'elif mode not in ("valid", "full"):')],
     None),  # 'full' computed as 'valid' crashes where the filter is larger than the frame
    (EX04, "planar_correlation", [("dtype=np.result_type(f, psi))", ")")], "dtype"),
    (EX04, "planar_correlation", [(END_OF_SOLUTION_04, "    return out.astype(f.dtype)\n" + TASK_2_OF_04)],
     "dtype"),
    (EX04, "planar_correlation", [("dtype=np.result_type(f, psi))", "dtype=f.dtype)")], None),  # crashes
    (EX04, "planar_correlation", [("B, _, H, W = f.shape", "B, _, H, W = f.shape; W = H")], None),  # square only
    (EX04, "planar_correlation", [("B, _, H, W = f.shape", "B, _, H, W = f.shape; H, W = min(H, 64), min(W, 64)")],
     None),
    (EX04, "planar_correlation", [("(k - 1, k - 1), (k - 1, k - 1)", "(k, k), (k, k)"),
                                  ("psi[:, :, a, d])", "psi[:, :, k - 1 - a, k - 1 - d])")], None),
    (EX04, "border_band", [("on_frame(i + y[0] - u, j + y[1] - v)", "on_frame(i + y[0] + u, j + y[1] + v)"),
                           ("on_frame(i - u, j - v) and on_frame(i - u + y[0], j - v + y[1])",
                            "on_frame(i + u, j + v) and on_frame(i + u + y[0], j + v + y[1])")], "inverse"),
    (EX04, "border_band", [("band = np.zeros((n, n), dtype=bool)",
                            "band = np.zeros((n, n), dtype=bool)\n    if n > 64:\n        return band")], None),
]
IDS = [f"{name[:4]}-{task}-{hint or 'no_hint'}-{i}" for i, (name, task, _, hint) in enumerate(CASES_1)]


def plant(folder, name, replacements):
    """A copy of the exercise in folder with the replacements applied (each must occur); its path."""
    text = (EXERCISES / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} does not occur in {name}"
        text = text.replace(old, new)
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grader run over every wrong program (each its own PATH, the tasks of CASES_1 only): the reports."""
    tmp = tmp_path_factory.mktemp("cases1")
    paths = [plant(tmp / str(i), name, replacements) for i, (name, _, replacements, _) in enumerate(CASES_1)]
    tasks = sorted({task for _, task, _, _ in CASES_1})
    proc = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), *map(str, paths), "--json",
                           "--only", ",".join(tasks), "--jobs", "4"], capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)["submissions"]


@pytest.mark.parametrize("index", range(len(CASES_1)), ids=IDS)
def test_wrong_program_fails_with_the_right_hint_or_none(graded, index):
    _, task, _, hint = CASES_1[index]
    (entry,) = graded[index]["files"]
    (result,) = [r for r in entry["tasks"] if r["task"] == task]
    assert not result["passed"] and result["points"] == 0, result["reason"]
    keys = {h["key"] for h in result.get("hints", [])}
    assert keys == ({hint} if hint else set()), (result["reason"], keys)
