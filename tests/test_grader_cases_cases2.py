"""Wrong submissions of exercises 05-08 (worktree cases2): each must fail its task, with exactly the expected hints.

Each entry of CASES_2 is (exercise file, task, [(old, new) text replacements on the reference
solution], expected hint key or None). The test copies the exercise file into tmp_path,
applies the replacements (each old text must occur), grades the copy with
`exercises/grade.py FILE --json --only TASK` and checks that the task gets 0 points and
that its hint keys are exactly the expected one (None: no hint at all).
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EX05, EX06, EX07, EX08 = ("ex05_lifting_correlation.py", "ex06_group_correlation.py", "ex07_filter_bank.py",
                          "ex08_true_convolution.py")

RESULT_05 = "return out.reshape(B, O, nH, n_out, n_out).astype(np.result_type(f, psi))"

# an off-centre lifting bank: every filter turned about pixel k // 2, 0 where it reads off the frame
OFF_CENTRE_LIFTING = """    H = groups.point_group(group)
    k, c = psi.shape[-1], psi.shape[-1] // 2
    out = np.zeros((psi.shape[0], len(H)) + psi.shape[1:], psi.dtype)
    for a, s in enumerate(H):
        for i in range(k):
            for j in range(k):
                u, v = groups.act(groups.inverse(s), np.array([i - c, j - c]))
                if 0 <= u + c < k and 0 <= v + c < k:
                    out[:, a, ..., i, j] = psi[..., u + c, v + c]
    return out
"""

# an off-centre bank on G: planes permuted as they should be, each turned about pixel k // 2
OFF_CENTRE_GROUP = """    H = groups.point_group(group)
    k, c = psi.shape[-1], psi.shape[-1] // 2
    out = np.zeros((psi.shape[0], len(H)) + psi.shape[1:], psi.dtype)
    for a, s in enumerate(H):
        for b, t in enumerate(H):
            source = groups.point_group_index(groups.inverse(s) @ t, group)
            for i in range(k):
                for j in range(k):
                    u, v = groups.act(groups.inverse(s), np.array([i - c, j - c]))
                    if 0 <= u + c < k and 0 <= v + c < k:
                        out[:, a, :, b, i, j] = psi[:, :, source, u + c, v + c]
    return out
"""

# an off-centre reversal: plane s^-1 read at -s^-1 z, with z measured from pixel k // 2
OFF_CENTRE_REVERSAL = """    H = groups.point_group(group)
    k, c = psi.shape[-1], psi.shape[-1] // 2
    out = np.zeros_like(psi)
    for a, s in enumerate(H):
        b = groups.point_group_index(groups.inverse(s), group)
        for i in range(k):
            for j in range(k):
                u, v = -groups.act(groups.inverse(s), np.array([i - c, j - c]))
                if 0 <= u + c < k and 0 <= v + c < k:
                    out[..., a, i, j] = psi[..., b, u + c, v + c]
    return out
"""

BANK_07 = "    return np.stack([action.transform_image(psi, s) for s in groups.point_group(group)], axis=1)\n"
GROUP_BANK_07 = ("    return np.stack([action.transform_group_function(psi, s, group) for s in groups.point_group(group)], "
                 "axis=1)\n")
REVERSAL_08 = """    H = groups.point_group(group)
    planes = []
    for s in H:
        s_inv = groups.point_group_index(groups.inverse(s), group)
        planes.append(action.transform_image(psi[..., s_inv, :, :], groups.rotation(2) @ s))
    return np.stack(planes, axis=-3)
"""

CASES_2 = [
    # ---- exercise 05, the lifting correlation
    (EX05, "lifting_correlation", [("groups.act(groups.inverse(g)[:, :, None], y)", "groups.act(g[:, :, None], y)")],
     "inverse"),
    (EX05, "lifting_correlation", [("psi_at = value_at(psi, g_inv_y)", "psi_at = value_at(psi, -g_inv_y)")], "flip"),
    (EX05, "lifting_correlation", [("psi_at = value_at(psi, g_inv_y)",
                                    "psi_at = value_at(psi.swapaxes(-1, -2), g_inv_y)")], "transposed"),
    # the student's own point group with a clockwise quarter turn: M^m R(-r) where M^m R(r) belongs
    (EX05, "lifting_correlation", [("g = output_elements(group, n_out)  # (|H|, N_x, 3, 3)",
                                    "g = output_elements(group, n_out)[[4 * (i // 4) + (-i) % 4 for i in range(nH)]]")],
     "clockwise"),
    # the sum computed with the group axis before C_out, reshaped instead of transposed
    (EX05, "lifting_correlation", [('"bcy,ocsxy->bosx"', '"bcy,ocsxy->bsox"')], "group_axis"),
    (EX05, "lifting_correlation", [(RESULT_05, "return out.reshape(B, O, nH, n_out, n_out).astype(f.dtype)")],
     "dtype_cast"),
    (EX05, "lifting_correlation", [(RESULT_05, "return out.reshape(B, O, nH, n_out, n_out).astype(float)")],
     "dtype_fixed"),
    # a sum that stops at 63 pixels: right on every small frame, wrong past 64 (no model)
    (EX05, "lifting_correlation", [("y = frame(f.shape[-1])", "y = frame(min(f.shape[-1], 63))")], None),
    (EX05, "lifting_correlation_substituted", [("f_at = value_at(f, groups.act(g[:, :, None], y))",
                                                "f_at = value_at(f, groups.act(groups.inverse(g)[:, :, None], y))")],
     "inverse"),
    # ---- exercise 06, the group correlation
    (EX06, "group_correlation", [("g_inv_h = groups.inverse(g)[:, None] @ h[None]", "g_inv_h = g[:, None] @ h[None]")],
     "inverse"),
    (EX06, "group_correlation", [("psi_at = value_on_group(psi, g_inv_h, group)",
                                  "psi_at = value_on_group(psi.swapaxes(-1, -2), g_inv_h, group)")], "transposed"),
    (EX06, "group_correlation", [(".astype(np.result_type(f, psi))", ".astype(psi.dtype)")], "dtype_cast"),
    # the output returned as (B, |H|, C_out, n', n')
    (EX06, "group_correlation", [(".astype(np.result_type(f, psi))", ".astype(np.result_type(f, psi)).swapaxes(1, 2)")],
     "group_axis"),
    # axis 1 taken for the group axis: it crashes where C_in != |H| and is wrong where C_in = |H| (no model)
    (EX06, "group_correlation_substituted", [("f, psi = np.asarray(f), np.asarray(psi)\n    B, C, O, nH",
                                              "f, psi = np.asarray(f).swapaxes(1, 2), np.asarray(psi).swapaxes(1, 2)\n"
                                              "    B, C, O, nH")], None),
    # ---- exercise 07, the filter banks
    (EX07, "expand_lifting_filter", [(BANK_07, "    return np.stack([np.flip(np.rot90(psi, -(i % 4), axes=(-2, -1)), "
                                               "axis=-2) if i >= 4 else np.rot90(psi, -i, axes=(-2, -1)) "
                                               "for i in range(groups.order(group))], axis=1)\n")], "clockwise"),
    (EX07, "expand_lifting_filter", [(BANK_07, OFF_CENTRE_LIFTING)], "off_centre"),
    (EX07, "expand_lifting_filter", [(BANK_07, BANK_07.replace("axis=1)", "axis=1).astype(float)"))],
     "dtype_fixed"),
    (EX07, "expand_lifting_filter", [(BANK_07, BANK_07.replace("axis=1)", "axis=2)"))], "axis_order"),
    (EX07, "expand_group_filter", [(GROUP_BANK_07, GROUP_BANK_07.replace("transform_group_function(psi, s, group)",
                                                                         "transform_image(psi, s)"))],
     "no_permutation"),
    (EX07, "expand_group_filter", [(GROUP_BANK_07, GROUP_BANK_07.replace("transform_group_function(psi, s, group)",
                                                                         "transform_group_function(psi, "
                                                                         "groups.inverse(s), group)"))], "inverse"),
    (EX07, "expand_group_filter", [(GROUP_BANK_07, OFF_CENTRE_GROUP)], "off_centre"),
    (EX07, "expand_group_filter", [(GROUP_BANK_07, GROUP_BANK_07.replace("axis=1)", "axis=2)"))], "axis_order"),
    (EX07, "group_correlation_by_bank", [(GROUP_BANK_07, OFF_CENTRE_GROUP)], "off_centre"),
    (EX07, "group_correlation_by_bank", [(GROUP_BANK_07, GROUP_BANK_07.replace("transform_group_function(psi, s, group)",
                                                                               "transform_image(psi, s)"))],
     "no_permutation"),
    (EX07, "group_correlation_by_bank", [("bank.reshape(O * nH, C * nH, k, k)",
                                          "bank.swapaxes(2, 3).reshape(O * nH, C * nH, k, k)")], "channel_order"),
    (EX07, "group_correlation_by_bank", [("    bank = expand_group_filter(psi, group)  #",
                                          "    bank = expand_group_filter(psi, group)[:, [int(groups.point_group_index("
                                          "groups.inverse(s), group)) for s in groups.point_group(group)]]  #")],
     "inverse"),
    # the bank stacked with the slot axis first: C_out and |H| change places in the output
    (EX07, "group_correlation_by_bank", [("    bank = expand_group_filter(psi, group)  #",
                                          "    bank = np.swapaxes(expand_group_filter(psi, group), 0, 1)  #"),
                                         ("O, nH, C, _, k, _ = bank.shape", "nH, O, C, _, k, _ = bank.shape")],
     "group_axis"),
    # ---- exercise 08, the reversed filter and the true convolution
    (EX08, "reverse_filter", [(REVERSAL_08, OFF_CENTRE_REVERSAL)], "off_centre"),
    (EX08, "reverse_filter", [("return np.stack(planes, axis=-3)", "return np.stack(planes, axis=-3).astype(float)")],
     "dtype_fixed"),
    (EX08, "reverse_filter", [("groups.rotation(2) @ s))", "groups.rotation(2) @ groups.inverse(s)))")], "inverse"),
    (EX08, "group_convolution", [(REVERSAL_08, OFF_CENTRE_REVERSAL)], "off_centre"),
    (EX08, "group_convolution", [('reverse_filter(psi, group), group, "valid")',
                                  'reverse_filter(psi, group), group, "valid").astype(f.dtype)')], "dtype_cast"),
    (EX08, "group_convolution", [('reverse_filter(psi, group), group, "valid")',
                                  'reverse_filter(psi, group), group, "valid").swapaxes(1, 2)')], "group_axis"),
    # a convolution that crops f to 64 pixels: right on small frames, wrong past 64 (no model)
    (EX08, "group_convolution", [("correlate.group_correlation(f, ", "correlate.group_correlation(f[..., :64, :64], ")],
     None),
]


def grade_wrong(tmp_path, exercise, task, replacements):
    with open(os.path.join(ROOT, "exercises", exercise), encoding="utf-8") as file:
        text = file.read()
    for old, new in replacements:
        assert old in text, f"{old!r} does not occur in {exercise}"
        text = text.replace(old, new)
    path = tmp_path / exercise
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, os.path.join(ROOT, "exercises", "grade.py"), str(path), "--json",
                          "--only", task], capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    (result,) = report["submissions"][0]["files"][0]["tasks"]
    return result


@pytest.mark.parametrize("exercise, task, replacements, hint", CASES_2,
                         ids=[f"{e[:4]}-{t}-{h}-{i}" for i, (e, t, _, h) in enumerate(CASES_2)])
def test_wrong_submission_fails_with_its_hint(tmp_path, exercise, task, replacements, hint):
    result = grade_wrong(tmp_path, exercise, task, replacements)
    assert result["points"] == 0, result["reason"]
    assert not result.get("grader_error"), result["reason"]
    keys = {h["key"] for h in result.get("hints", [])}
    assert keys == ({hint} if hint else set()), (result["reason"], keys)
