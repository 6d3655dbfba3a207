"""Plant realistic bugs in the library, one at a time, and check that the test suite catches every one.

    python tests/mutants.py             every mutant; exit status 1 if any survives
    python tests/mutants.py --list      the mutants and the tests meant to catch them
    python tests/mutants.py --only adam-bias-correction,relu-nan
    python tests/mutants.py --jobs 1    one at a time (default: as many at a time as there are cores)

A test suite that passes proves little until it is seen to fail on wrong code. Each
mutant below is one bug that could plausibly be written: the text it replaces in one
file of groupconv/, the replacement, and the test files that should catch it. For each,
the repository is copied to a temporary folder, the mutant is planted in the copy, and
pytest runs those test files there (stopping at the first failure). The mutant is
"killed" when pytest fails, and "survives" when it passes - then the suite has a hole.
The original files are never touched. CI runs this script after the test suite.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name: (file, [(old text, new text), ...], test files)
MUTANTS = {
    # the five bugs an earlier suite let through
    "max-abs-ignores-negatives": ("groupconv/engine.py", [
        ("return max(abs(int(a.max())), abs(int(a.min())))", "return abs(int(a.max()))")], ["test_robustness.py"]),
    "workspace-key-without-dtype": ("groupconv/engine.py", [
        ("key = (role, tuple(shape), dtype.str, zero, slot)", "key = (role, tuple(shape), zero, slot)")],
        ["test_robustness.py"]),
    "coset-pool-gradient-to-every-tie": ("groupconv/nn.py", [
        ("self.argmax = np.argmax(x, axis=2)  # one winner per pixel, the first on ties",
         "self.argmax = np.argmax(x, axis=2)\n        self.tied = x == x.max(axis=2, keepdims=True)"),
        ("winner = np.arange(nH)[None, None, :, None, None] == self.argmax[:, :, None]", "winner = self.tied")],
        ["test_robustness.py"]),
    "adam-bias-correction": ("groupconv/nn.py", [
        ("m_hat = self.m[key] / (1 - b1 ** self.t)", "m_hat = self.m[key] / (1 - b1 ** (self.t + 1))"),
        ("v_hat = self.v[key] / (1 - b2 ** self.t)", "v_hat = self.v[key] / (1 - b2 ** (self.t + 1))")],
        ["test_robustness.py"]),
    "sgd-weight-decay-sign": ("groupconv/nn.py", [
        ("w, g = layer.params[name], layer.grads[name] + self.weight_decay * layer.params[name]",
         "w, g = layer.params[name], layer.grads[name] - self.weight_decay * layer.params[name]")],
        ["test_robustness.py"]),
    # the action L_g f = f o g^-1
    "action-literal-without-inverse": ("groupconv/action.py", [
        ("y = g_inv @ x  # g^-1 x", "y = groups.in_half_pixels(g) @ x")],
        ["test_action.py"]),
    "action-turns-clockwise": ("groupconv/action.py", [
        ("out = np.rot90(f, r, axes=(-2, -1))", "out = np.rot90(f, -r, axes=(-2, -1))")], ["test_action.py"]),
    "group-axis-not-permuted": ("groupconv/action.py", [
        ("return _transform_image(np.take(f, _axis_permutation(g, G), axis=-3), g, G, boundary)",
         "return _transform_image(f, g, G, boundary)")], ["test_action.py"]),
    "group-axis-permuted-by-s-not-s-inverse": ("groupconv/action.py", [
        ("return G.cayley[G.inverse_index[G.index_of(g)]]", "return G.cayley[G.index_of(g)]")],
        ["test_action.py"]),
    "even-frames-off-centre": ("groupconv/action.py", [
        ("return 2 * np.arange(n, dtype=np.int64) - (n - 1)", "return 2 * np.arange(n, dtype=np.int64) - 2 * (n // 2)")],
        ["test_action.py"]),
    # groups
    "inverse-translation-sign": ("groupconv/groups.py", [
        ("out[..., :2, 2] = -np.einsum(", "out[..., :2, 2] = np.einsum(")], ["test_groups.py"]),
    "overflow-guard-removed": ("groupconv/groups.py", [("    if too_large.any():\n        raise ValueError(f\"{what}: translations", "    if False:\n        raise ValueError(f\"{what}: translations")],
                               ["test_robustness.py"]),
    # correlations
    "convolution-without-flip": ("groupconv/correlate.py", [
        ("return engine.planar_correlation(f, np.ascontiguousarray(psi[..., ::-1, ::-1]), mode)",
         "return engine.planar_correlation(f, np.ascontiguousarray(psi), mode)")], ["test_correlate.py"]),
    "group-convolution-without-reverse": ("groupconv/correlate.py", [
        ("return _group_correlation(f, filter_bank.reverse(psi, G), G, mode)", "return _group_correlation(f, psi, G, mode)")],
        ["test_correlate.py"]),
    "paper-form-nan-times-zero": ("groupconv/correlate.py", [
        ("        f_values, psi_values = f_values[..., support], psi_values[..., support]", "        pass")],
        ["test_robustness.py"]),
    "literal-sums-wrap-small-integers": ("groupconv/correlate.py", [
        ("f, psi = f.astype(result, copy=False), psi.astype(result, copy=False)", "result = np.result_type(f, psi)")],
        ["test_robustness.py"]),
    "lifting-bank-turned-the-wrong-way": ("groupconv/filter_bank.py", [
        ("action.transform_image_literal(numbers, s, group=G) for s in G.point_group",
         "action.transform_image_literal(numbers, groups._inverse(s), group=G) for s in G.point_group")],
        ["test_fast_path.py"]),
    "fold-overwrites-instead-of-adding": ("groupconv/filter_bank.py", [
        ("dpsi[:, gather[s]] += dbank[:, s]", "dpsi[:, gather[s]] = dbank[:, s]")], ["test_fast_path.py", "test_nn.py"]),
    # the engine
    "im2col-taps-swapped": ("groupconv/engine.py", [
        ("cols[:, a, b_] = fp[:, :, a:a + nr_o, b_:b_ + nc_o]", "cols[:, a, b_] = fp[:, :, b_:b_ + nr_o, a:a + nc_o]")],
        ["test_engine.py"]),
    "fft-for-nan-data": ("groupconv/engine.py", [
        ('    if not all(np.isfinite(x).all() for x in (a, b)):\n        return "it needs finite data',
         '    if False:\n        return "it needs finite data')], ["test_robustness.py"]),
    "integers-not-widened": ("groupconv/engine.py", [
        ("return (np.dtype(np.float64) if bound < 2**53 else np.dtype(np.int64)), np.dtype(np.int64)",
         "return (np.dtype(np.float64) if bound < 2**53 else np.dtype(np.int64)), np.result_type(f, psi)")],
        ["test_robustness.py"]),
    "circular-gradient-folded-to-the-wrong-side": ("groupconv/engine.py", [
        ("t[..., :, nc - p:] += g[..., :, :p]", "t[..., :, :p] += g[..., :, :p]")], ["test_engine.py"]),
    "last-batch-chunk-skipped": ("groupconv/engine.py", [
        ("    return [(i, min(n, i + step)) for i in range(0, n, step)]",
         "    return [(i, min(n, i + step)) for i in range(0, n - 1, step)]")],
        ["test_engine.py"]),
    "wide-rows-cropped-on-the-wrong-side": ("groupconv/engine.py", [
        ("out[b0:b1, :, r0:r1] = acc.transpose(1, 0, 2, 3)[..., :nc_o]", "out[b0:b1, :, r0:r1] = acc.transpose(1, 0, 2, 3)[..., k - 1:]")],
        ["test_engine.py"]),
    "band-offset-forgotten": ("groupconv/engine.py", [
        ("taps = as_strided(flat[:, :, r0 * nc_p:]", "taps = as_strided(flat[:, :, :]")],
        ["test_threads.py"]),
    # the engine's threads
    "tiles-depend-on-the-thread-count": ("groupconv/engine.py", [
        ("    return int(max(1, min(B, n)))", "    return int(max(1, min(B, n, -(-B // NUM_THREADS))))")],
        ["test_threads.py"]),
    "blas-not-pinned-to-one-thread": ("groupconv/engine.py", [
        ('    return _blas.limit(limits=1, user_api="blas")', "    return contextlib.nullcontext()")],
        ["test_threads.py"]),
    "workspace-bound-per-thread-not-in-total": ("groupconv/engine.py", [
        ("    running = min(NUM_THREADS, len(tiles), max(1, WORKSPACE_BYTES // max(1, tile_bytes)))",
         "    running = min(NUM_THREADS, len(tiles))")],
        ["test_threads.py"]),
    "partial-sums-added-in-completion-order": ("groupconv/engine.py", [
        ("            if len(pending) == window:  # enough queued: take the oldest result first\n"
         "                result = pending.popleft().result()",
         "            if len(pending) == window:  # enough queued: take the oldest result first\n"
         "                done = [f for f in pending if f.done()] or [pending[0]]\n"
         "                pending.remove(done[-1])\n"
         "                result = done[-1].result()")],
        ["test_threads.py"]),
    "calling-thread-and-a-worker-share-a-slot": ("groupconv/engine.py", [
        ("    workers = [pool.submit(drain, slot) for slot in range(1, running)]",
         "    workers = [pool.submit(drain, slot) for slot in range(0, running - 1)]")],
        ["test_threads.py"]),
    "error-raised-while-workers-still-compute": ("groupconv/engine.py", [
        ("    try:\n        drain(0)\n    finally:\n        for worker in workers:\n            worker.exception()  # waits for it to stop\n",
         "    drain(0)\n")],
        ["test_threads.py"]),
    # layers
    "batch-norm-empty-batch-allowed": ("groupconv/nn.py", [
        ("            if x.size == 0:\n                raise", "            if False:\n                raise")],
        ["test_robustness.py"]),
    "batch-norm-momentum-swapped": ("groupconv/nn.py", [
        ('self.buffers["mean"] = (1 - m) * self.buffers["mean"] + m * mean',
         'self.buffers["mean"] = m * self.buffers["mean"] + (1 - m) * mean')], ["test_nn.py"]),
    "labels-out-of-range-accepted": ("groupconv/nn.py", [
        ("    if labels.min() < 0 or labels.max() >= n_classes:", "    if False:")], ["test_robustness.py"]),
    "relu-drops-nan": ("groupconv/nn.py", [("return np.maximum(x, 0)", "return np.where(x > 0, x, 0.0)")],
                       ["test_robustness.py"]),
    "dropout-not-rescaled": ("groupconv/nn.py", [
        ("self.scale = (self.rng.random(np.shape(x)) >= self.p) / (1.0 - self.p)",
         "self.scale = (self.rng.random(np.shape(x)) >= self.p) * 1.0")], ["test_robustness.py"]),
    "max-pool-gradient-to-the-wrong-row": ("groupconv/nn.py", [
        ("rows = np.arange(nr_o)[:, None] * st + self.argmax // p", "rows = np.arange(nr_o)[:, None] * st + self.argmax % p")],
        ["test_nn.py"]),
    # the hexagonal lattice
    "hexagonal-gather-without-inverse": ("groupconv/action.py", [
        ("    g_inv = groups._inverse(g)\n    su = g_inv[0, 0] * U", "    g_inv = g\n    su = g_inv[0, 0] * U")],
        ["test_hexagonal.py"]),
    "hexagonal-circular-as-a-square-torus": ("groupconv/correlate.py", [
        ('    if lattice.name == "hexagonal" and mode == "circular":\n        a, b = _periodic_hexagon_padding('
         'f.shape[-1], bank.shape[-1])', '    if False:\n        a, b = _periodic_hexagon_padding('
         'f.shape[-1], bank.shape[-1])')], ["test_hexagonal.py"]),
    "hexagonal-output-not-masked": ("groupconv/correlate.py", [
        ('    if lattice.name == "square":\n        return a\n    return np.where(lattice.frame_mask',
         '    if True:\n        return a\n    return np.where(lattice.frame_mask')], ["test_hexagonal.py"]),
    "hexagonal-batch-norm-counts-the-corners": ("groupconv/nn.py", [
        ("            x = _to_cells(x, self.lattice)  # the statistics see the hexagon's cells only",
         "            pass")], ["test_hexagonal.py"]),
    # the checks themselves
    "exact-check-allows-round-off": ("groupconv/checks.py", [
        ('    if kind == "exact":\n        return res.exact', '    if kind == "exact":\n        return res.within_float_tolerance()')],
        ["test_checks.py"]),
    "literal-time-guard-off": ("groupconv/limits.py", [
        ("if LITERAL_SECONDS is not None and seconds > LITERAL_SECONDS:", "if False:")], ["test_robustness.py"]),
}


def plant(copy, name):
    """Apply mutant `name` to the repository copy; raise if its text is not found exactly once."""
    path, edits, _ = MUTANTS[name]
    target = copy / path
    text = target.read_text(encoding="utf-8")
    for old, new in edits:
        if text.count(old) != 1:
            raise RuntimeError(f"mutant {name}: the text to replace occurs {text.count(old)} times in {path} "
                               f"(the code changed: update the mutant)\n{old}")
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8")


def copy_repository(destination):
    ignore = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".pytest_cache", "figures", "notebooks", "*.egg-info",
                                    ".venv*", ".hypothesis")
    shutil.copytree(ROOT, destination, ignore=ignore)
    return destination


def run_tests(copy, test_files, timeout=900):
    """pytest on the given test files inside the copy; True if they pass."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(copy))
    env.pop("GROUPCONV_FIGURES", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                           *[f"tests/{t}" for t in test_files]], cwd=copy, env=env, capture_output=True, text=True,
                          timeout=timeout)
    return proc.returncode == 0, proc.stdout[-1500:]


def _try(tmp, name):
    """Plant mutant `name` in a fresh copy under tmp and run its tests there: (name, survived, seconds)."""
    copy = copy_repository(Path(tmp) / name)
    plant(copy, name)
    start = time.perf_counter()
    passed, _ = run_tests(copy, MUTANTS[name][2])
    shutil.rmtree(copy)
    return name, passed, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description="Plant bugs one at a time; every one must make the tests fail.")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", help="comma-separated mutant names")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="mutants tried at the same time, each in its own copy (default: the number of cores)")
    args = parser.parse_args(argv)
    if args.list:
        for name, (path, _, tests) in MUTANTS.items():
            print(f"{name:<45} {path:<26} {', '.join(tests)}")
        return 0
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    names = list(MUTANTS) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(unknown)}; see --list")
    survivors = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="groupconv_mutants_") as tmp:
        pristine = copy_repository(Path(tmp) / "pristine")
        # The unmutated copy must pass the tests the mutants use: otherwise a "kill" would mean nothing.
        needed = sorted({t for _, _, tests in (MUTANTS[n] for n in names) for t in tests})
        ok, output = run_tests(pristine, needed)
        if not ok:
            print(f"the unmutated copy already fails {', '.join(needed)}:\n{output}")
            return 1
        # Each mutant runs in a subprocess of its own copy, so mutants can be tried side by side.
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for name, passed, seconds in pool.map(lambda n: _try(tmp, n), names):
                verdict = "SURVIVED" if passed else "killed"
                print(f"  {verdict:<9} {name:<45} ({seconds:.1f} s)", flush=True)
                if passed:
                    survivors.append(name)
    print(f"{len(names) - len(survivors)} of {len(names)} mutants killed ({time.perf_counter() - start:.0f} s, "
          f"{args.jobs} at a time).")
    if survivors:
        print("SURVIVED (the tests do not catch these bugs): " + ", ".join(survivors))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
