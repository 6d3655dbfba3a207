"""Benchmark of the vectorised lifting and group correlations (forward and both backward products).

Run from the repository root (see benchmarks/README.md):

    python benchmarks/bench_correlate.py                # all tables, writes benchmarks/results.md
    python benchmarks/bench_correlate.py --threads 1    # the main tables on 1 thread (groupconv and PyTorch)
    python benchmarks/bench_correlate.py --quick        # fewer repeats, no sweeps (a smoke run)

Workloads (B images, C_in -> C_out channels, |H| planes each):
    W1  p4  G -> G   B=64, 10 -> 10 channels (x4 planes), 28 x 28, k = 3
    W2  lifting Z^2 -> p4, B=64, 1 -> 10 channels, 28 x 28, k = 3
    W3  p4m G -> G   B=32, 16 -> 16 channels (x8 planes), 32 x 32, k = 3
    W4  p4  G -> G   B=16, 8 -> 8 channels (x4 planes), 64 x 64, k = 7

Tables:
  * main: for each mode ("valid", "same"), workload and dtype (float32, float64), the
    median time over the repeats of the forward pass (groupconv.correlate, filter
    expansion included), the same with the workspace freed before every call, the
    backward pass (both gradients), GFLOP/s (2 * B * C_out|H| * C_in|H| * k^2 * H' * W'
    per correlation, the backward counted as two), the fraction of NumPy's matmul peak
    on the same number of threads, and, if PyTorch can be imported (it is not a
    dependency of groupconv), the ratio to torch.nn.functional.conv2d on the same
    expanded filter bank with the same number of threads (forward, and forward +
    backward through autograd against groupconv's forward + two backward products);
  * scaling: the forward pass ("same" mode) on 1, 2, 4, ... threads up to every core
    this process may use, with the speed-up against 1 thread, for groupconv and PyTorch;
  * sustained: the same with SUSTAINED = 20 timed calls per turn instead of BURST = 2,
    the steady state of a training loop (see run_scaling);
  * the literal loops against the vectorised path on a cut-down size;
  * the sweeps behind the engine's rules: GEMM against FFT (engine.choose_method) and
    exact windows against wide rows (engine._wide_rows);
  * the extra peak memory of a forward pass as the batch grows.

--threads N sets groupconv (groupconv.set_num_threads), NumPy's BLAS for the matmul peak
(threadpoolctl) and PyTorch to N threads alike. Inside its calls groupconv runs BLAS on
one thread and spreads the tiles of the batch over its own N threads.

Hygiene: threads of OpenBLAS and of PyTorch's OpenMP spin for a while after each call and
slow whatever runs next, so the compared methods take turns (A B A B ...) with a pause
of PAUSE = 0.15 s between turns, and every ratio comes from interleaved measurements of
the same run. In each turn a method runs one untimed call and then BURST = 2 timed calls
back to back, as in a training loop: on this project's virtual machine an idle second
core is parked and takes milliseconds to wake, which a single call after a pause would
charge to whichever method uses two threads. The load average before and after every table is recorded: on a machine
shared with other jobs the numbers are not worth much.
OPENBLAS_CORETYPE forces OpenBLAS's kernel choice; the script records it (benchmarks/README.md
says why the runs there were measured with it unset).
"""
import argparse
import os
import sys

import datetime
import platform
import time
import tracemalloc

import numpy as np
import threadpoolctl

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from groupconv import correlate, engine, groups, set_num_threads  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # PyTorch is optional: only for the comparison columns
    torch = None

PAUSE = 0.15  # seconds between two turns: BLAS and OpenMP workers spin for a while after a call
BURST = 2  # timed calls per turn, after one untimed call (see interleaved)
SUSTAINED = 20  # timed calls per turn in the "sustained" scaling table: a training loop's steady state

# name: (kind, group, B, C_in, C_out, H, k)
WORKLOADS = {
    "W1": ("group", "p4", 64, 10, 10, 28, 3),
    "W2": ("lifting", "p4", 64, 1, 10, 28, 3),
    "W3": ("group", "p4m", 32, 16, 16, 32, 3),
    "W4": ("group", "p4", 16, 8, 8, 64, 7),
}
CUT_DOWN = {"W1": (2, 2, 2, 12), "W2": (2, 1, 2, 12), "W3": (2, 2, 2, 10), "W4": (2, 2, 2, 16)}  # B, C_in, C_out, H


def usable_cores():
    """The cores this process may run on (what groupconv uses by default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def thread_counts(cores):
    """1, 2, 4, 8, ... below `cores`, and `cores` itself: the rows of the scaling table."""
    counts, n = [], 1
    while n < cores:
        counts.append(n)
        n *= 2
    return counts + [cores]


def set_threads(n):
    """groupconv and PyTorch on n threads (NumPy's own BLAS is set where it is used: matmul_peak)."""
    set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)


# ---------------------------------------------------------------- timing

def interleaved(functions, repeats, burst=BURST):
    """Median seconds per call of each function, the functions taking turns (A B C A B C ...).

    In each turn a function runs burst + 1 times back to back, as in a training loop: the
    first call warms up (caches, and the idle cores that a virtual machine parks) and is
    not timed, the mean of the other `burst` calls is recorded; then a pause of PAUSE.
    A function is a callable, or (threads, callable): then the thread count is set first.
    """
    functions = {name: fn if isinstance(fn, tuple) else (None, fn) for name, fn in functions.items()}
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, (threads, fn) in functions.items():
            if threads is not None:
                set_threads(threads)
            fn()
            t0 = time.perf_counter()
            for _ in range(burst):
                fn()
            times[name].append((time.perf_counter() - t0) / burst)
            time.sleep(PAUSE)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def matmul_peak(dtype, repeats, threads):
    """GFLOP/s of np.matmul on large square matrices with BLAS on `threads` threads, best of the repeats."""
    n = 2048 if dtype == np.float32 else 1536
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype)
    best = float("inf")
    with threadpoolctl.threadpool_limits(threads, user_api="blas"):
        np.matmul(a, b, out=c)
        for _ in range(repeats):
            t0 = time.perf_counter()
            np.matmul(a, b, out=c)
            best = min(best, time.perf_counter() - t0)
            time.sleep(PAUSE)
    return 2 * n ** 3 / best / 1e9


# ---------------------------------------------------------------- workloads

def make(name, dtype, mode="valid", sizes=None, seed=0):
    """Input, filter and output gradient of a workload; sizes (B, C_in, C_out, H) overrides the full size."""
    kind, group, B, C_in, C_out, H, k = WORKLOADS[name]
    if sizes is not None:
        B, C_in, C_out, H = sizes
    nH = groups.order(group)
    rng = np.random.default_rng(seed)
    if kind == "lifting":
        f = rng.standard_normal((B, C_in, H, H)).astype(dtype)
        psi = rng.standard_normal((C_out, C_in, k, k)).astype(dtype)
    else:
        f = rng.standard_normal((B, C_in, nH, H, H)).astype(dtype)
        psi = rng.standard_normal((C_out, C_in, nH, k, k)).astype(dtype)
    Ho = correlate.output_size(H, k, mode)
    dout = rng.standard_normal((B, C_out, nH, Ho, Ho)).astype(dtype)
    return kind, group, k, f, psi, dout


def flops(name, mode="valid"):
    kind, group, B, C_in, C_out, H, k = WORKLOADS[name]
    nH = groups.order(group)
    planes_in = C_in if kind == "lifting" else C_in * nH
    return 2 * B * (C_out * nH) * planes_in * k * k * correlate.output_size(H, k, mode) ** 2


def groupconv_functions(kind, group, k, f, psi, dout, mode="valid"):
    if kind == "lifting":
        fwd = lambda: correlate.lifting_correlation(f, psi, group, mode)
        bwd = lambda: (correlate.lifting_correlation_grad_input(dout, psi, group, f.shape, mode),
                       correlate.lifting_correlation_grad_filter(f, dout, group, k, mode))
        lit = lambda: correlate.lifting_correlation_literal(f, psi, group, mode)
    else:
        fwd = lambda: correlate.group_correlation(f, psi, group, mode)
        bwd = lambda: (correlate.group_correlation_grad_input(dout, psi, group, f.shape, mode),
                       correlate.group_correlation_grad_filter(f, dout, group, k, mode))
        lit = lambda: correlate.group_correlation_literal(f, psi, group, mode)
    return fwd, bwd, lit


def torch_functions(kind, group, k, f, psi, dout, mode="valid"):
    """torch conv2d on the same expanded bank (B, C_in|H|, H, W) x (C_out|H|, C_in|H|, k, k), and autograd."""
    bank = correlate.expand_lifting_filter(psi, group) if kind == "lifting" else correlate.expand_group_filter(psi, group)
    O = bank.shape[0] * bank.shape[1]
    B, H = f.shape[0], f.shape[-1]
    padding = {"valid": 0, "same": (k - 1) // 2}[mode]
    tf = torch.from_numpy(np.ascontiguousarray(f.reshape(B, -1, H, H)))
    tw = torch.from_numpy(np.ascontiguousarray(bank.reshape(O, -1, k, k)))
    td = torch.from_numpy(np.ascontiguousarray(dout.reshape(B, O, *dout.shape[-2:])))

    def forward():
        with torch.no_grad():
            return F.conv2d(tf, tw, padding=padding)

    def train():
        x = tf.detach().requires_grad_(True)
        w = tw.detach().requires_grad_(True)
        F.conv2d(x, w, padding=padding).backward(td)
        return x.grad, w.grad

    return forward, train


def extra_peak_bytes(fn, result_bytes):
    """Peak bytes NumPy allocated during fn() beyond its result (tracemalloc, every thread), buffers freed first."""
    engine.clear_buffers()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - result_bytes


# ---------------------------------------------------------------- runs

def run_workload(name, dtype, mode, repeats, peak):
    kind, group, k, f, psi, dout = make(name, dtype, mode)
    fwd, bwd, _ = groupconv_functions(kind, group, k, f, psi, dout, mode)

    def fwd_fresh():
        engine.clear_buffers()
        return fwd()

    funcs = {"fwd": fwd, "fwd_fresh": fwd_fresh, "bwd": bwd}
    if torch is not None:
        t_fwd, t_train = torch_functions(kind, group, k, f, psi, dout, mode)
        funcs.update({"torch_fwd": t_fwd, "torch_train": t_train})
    t = interleaved(funcs, repeats)
    gflop = flops(name, mode) / 1e9
    row = dict(name=name, mode=mode, dtype=np.dtype(dtype).name, gflop=gflop, fwd=t["fwd"], fwd_fresh=t["fwd_fresh"],
               bwd=t["bwd"], gflops=gflop / t["fwd"], peak_frac=gflop / t["fwd"] / peak,
               bwd_gflops=2 * gflop / t["bwd"])
    if torch is not None:
        row.update(torch_fwd=t["torch_fwd"], torch_train=t["torch_train"],
                   ratio_fwd=t["fwd"] / t["torch_fwd"], ratio_train=(t["fwd"] + t["bwd"]) / t["torch_train"])
    out_bytes = fwd().nbytes
    row["extra_mib"] = extra_peak_bytes(fwd, out_bytes) / 2**20
    return row


def run_scaling(name, dtype, counts, repeats, peaks, burst=BURST):
    """Forward pass ("same" mode) on each thread count, all counts and both libraries interleaved in every round.

    burst: timed calls per turn (see interleaved). With BURST (2) each turn starts a short
    while after a pause; with SUSTAINED (20) it is mostly calls that follow other calls
    back to back, as in training (on this project's virtual machine the second core takes
    some 40 ms of steady work after a pause before it runs at full speed).
    """
    kind, group, k, f, psi, dout = make(name, dtype, "same")
    fwd, _, _ = groupconv_functions(kind, group, k, f, psi, dout, "same")
    funcs = {("groupconv", n): (n, fwd) for n in counts}
    if torch is not None:
        t_fwd, _ = torch_functions(kind, group, k, f, psi, dout, "same")
        funcs.update({("torch", n): (n, t_fwd) for n in counts})
    t = interleaved(funcs, repeats, burst)
    gflop = flops(name, "same") / 1e9
    rows = []
    for n in counts:
        row = dict(name=name, dtype=np.dtype(dtype).name, threads=n, ours=t[("groupconv", n)],
                   speedup=t[("groupconv", counts[0])] / t[("groupconv", n)],
                   peak_frac=gflop / t[("groupconv", n)] / peaks[n][dtype])
        if torch is not None:
            row.update(torch=t[("torch", n)], torch_speedup=t[("torch", counts[0])] / t[("torch", n)],
                       ratio=t[("groupconv", n)] / t[("torch", n)])
        rows.append(row)
    return rows


def run_literal(name, repeats):
    """Literal vs vectorised on the cut-down size (float64), and the largest difference between them."""
    kind, group, k, f, psi, dout = make(name, np.float64, "valid", CUT_DOWN[name])
    fwd, _, lit = groupconv_functions(kind, group, k, f, psi, dout)
    t0 = time.perf_counter()
    reference = lit()
    t_lit = time.perf_counter() - t0
    t_vec = interleaved({"fwd": fwd}, repeats)["fwd"]
    return dict(name=name, sizes=CUT_DOWN[name], literal=t_lit, vectorised=t_vec, ratio=t_lit / t_vec,
                diff=float(np.abs(fwd() - reference).max()))


def run_sweep(repeats):
    """GEMM vs FFT on the planar engine for k = 3 .. 9 and few or many channels (behind engine.choose_method)."""
    rows = []
    rng = np.random.default_rng(1)
    cases = [((64, 40, 40, 28), (3, 5, 7, 9)), ((16, 32, 32, 64), (3, 5, 7, 9)),
             ((64, 3, 40, 28), (5, 7)), ((16, 8, 32, 64), (5, 7))]
    for (B, C, O, H), ks in cases:
        for k in ks:
            for dtype in (np.float32, np.float64):
                f = rng.standard_normal((B, C, H, H)).astype(dtype)
                psi = rng.standard_normal((O, C, k, k)).astype(dtype)
                t = interleaved({m: (lambda m=m: engine.planar_correlation(f, psi, "valid", m)) for m in ("gemm", "fft")},
                                repeats)
                rows.append(dict(shape=f"B={B} {C}->{O} {H}x{H}", k=k, dtype=np.dtype(dtype).name, gemm=t["gemm"],
                                 fft=t["fft"], auto=engine.choose_method(f.shape, k, dtype)))
    return rows


def run_layout_sweep(repeats):
    """Exact windows (one product per image) against wide rows on the forward GEMM path, "same" mode, k = 3 (engine._wide_rows)."""
    rows = []
    rng = np.random.default_rng(2)
    rule = engine._wide_rows
    for B, C, O, H in [(64, 1, 40, 28), (64, 3, 40, 28), (64, 8, 40, 28), (64, 16, 40, 28), (64, 24, 40, 28),
                       (64, 40, 40, 28), (32, 128, 128, 32), (32, 32, 32, 8)]:
        for dtype in (np.float32, np.float64):
            f = rng.standard_normal((B, C, H, H)).astype(dtype)
            psi = rng.standard_normal((O, C, 3, 3)).astype(dtype)

            def run(wide):
                engine._wide_rows = lambda *shape: wide
                try:
                    return engine.planar_correlation(f, psi, "same", "gemm")
                finally:
                    engine._wide_rows = rule

            t = interleaved({"image": lambda: run(False), "wide": lambda: run(True)}, repeats)
            rows.append(dict(shape=f"B={B} {C}->{O} {H}x{H}", K=C * 9, dtype=np.dtype(dtype).name, image=t["image"],
                             wide=t["wide"], rule="wide" if rule(C * 9, O, 3, H) else "image"))
    return rows


def run_chunking():
    """Extra peak memory of one W1 forward pass (float32) as the batch grows, with the default workspace bound."""
    rows = []
    for B in (16, 64, 256, 1024):
        kind, group, k, f, psi, dout = make("W1", np.float32, "valid", (B, 10, 10, 28))
        fwd, _, _ = groupconv_functions(kind, group, k, f, psi, dout)
        out_bytes = fwd().nbytes
        cols_full = B * 40 * 9 * 26 * 26 * 4  # the im2col matrix of the whole batch, unchunked
        rows.append(dict(B=B, extra_mib=extra_peak_bytes(fwd, out_bytes) / 2**20, unchunked_mib=cols_full / 2**20))
    return rows


# ---------------------------------------------------------------- report

def machine(threads):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "BLAS unknown"
    info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    info.sort(key=lambda i: "numpy" not in i.get("filepath", ""))  # NumPy's own BLAS first (SciPy, PyTorch bring theirs)
    if info:
        blas = f"{info[0].get('internal_api')} {info[0].get('version')} kernel {info[0].get('architecture')}"
    env = ", ".join(f"{v}={os.environ[v]}" for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                                     "GROUPCONV_NUM_THREADS") if v in os.environ) or "no OPENBLAS_* variables"
    import scipy
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}"
    if torch is not None:
        versions += f", PyTorch {torch.__version__}"
    return (f"{cpu}, {os.cpu_count()} cores ({usable_cores()} usable); main tables on {threads} thread(s) for every "
            f"method; {blas}; {env}; {versions}")


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def table(head, rows):
    return ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]


def markdown(sections, threads, repeats, peaks):
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# groupconv correlation benchmark", "",
             f"Date: {today}. Machine: {machine(threads)}.",
             f"Median of {repeats} interleaved repeats. Load average (1 min) before / after each table is given "
             f"under it (above ~0.5 other processes were competing for the cores).",
             "NumPy matmul peak in this run (best of the repeats, 2048^2 float32 / 1536^2 float64), by BLAS threads: " +
             "; ".join(f"{n}: float32 {p[np.float32]:.0f}, float64 {p[np.float64]:.0f} GFLOP/s" for n, p in peaks.items()),
             ""]
    for title, head, rows, loads in sections:
        lines += [f"## {title}", ""] + table(head, rows) + ["", f"Load average before / after: {loads[0]:.2f} / {loads[1]:.2f}", ""]
    return "\n".join(lines)


def main_table(rows):
    head = ["workload", "mode", "dtype", "GFLOP", "forward s", "GFLOP/s", "% matmul peak", "fresh buffers s", "backward s"]
    if torch is not None:
        head += ["torch fwd s", "ours / torch fwd", "fwd+bwd s", "torch autograd s", "ours / torch fwd+bwd"]
    head += ["extra peak MiB"]
    out = []
    for r in rows:
        cells = [r["name"], r["mode"], r["dtype"], f"{r['gflop']:.2f}", f"{r['fwd']:.4f}", f"{r['gflops']:.0f}",
                 f"{100 * r['peak_frac']:.0f}", f"{r['fwd_fresh']:.4f}", f"{r['bwd']:.4f}"]
        if torch is not None:
            cells += [f"{r['torch_fwd']:.4f}", f"{r['ratio_fwd']:.2f}", f"{r['fwd'] + r['bwd']:.4f}",
                      f"{r['torch_train']:.4f}", f"{r['ratio_train']:.2f}"]
        out.append(cells + [f"{r['extra_mib']:.0f}"])
    return head, out


def scaling_table(rows):
    head = ["workload", "dtype", "threads", "groupconv s", "speed-up", "% matmul peak (same threads)"]
    if torch is not None:
        head += ["torch s", "torch speed-up", "ours / torch"]
    out = []
    for r in rows:
        cells = [r["name"], r["dtype"], str(r["threads"]), f"{r['ours']:.4f}", f"{r['speedup']:.2f}",
                 f"{100 * r['peak_frac']:.0f}"]
        if torch is not None:
            cells += [f"{r['torch']:.4f}", f"{r['torch_speedup']:.2f}", f"{r['ratio']:.2f}"]
        out.append(cells)
    return head, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per method (median reported)")
    parser.add_argument("--quick", action="store_true", help="3 repeats, no sweeps")
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--modes", default="valid,same", help="modes of the main tables")
    parser.add_argument("--threads", type=int, default=usable_cores(),
                        help="threads for groupconv, NumPy's BLAS and PyTorch alike in the main tables "
                             "(default: every usable core)")
    parser.add_argument("--tables", default="main,scaling,sustained,literal,sweep,layout,memory",
                        help="which tables to run (comma-separated)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.md"),
                        help="markdown file to write ('' to skip)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    repeats = 3 if args.quick else args.repeats
    tables = set(args.tables.split(","))
    if args.quick:
        tables -= {"sweep", "layout"}
    names = args.workloads.split(",")
    counts = thread_counts(usable_cores())
    peaks = {n: {dt: matmul_peak(dt, repeats, n) for dt in (np.float32, np.float64)}
             for n in sorted(set(counts + [args.threads]))}
    for n, p in peaks.items():
        print(f"matmul peak on {n} thread(s): float32 {p[np.float32]:.0f} GFLOP/s, float64 {p[np.float64]:.0f} GFLOP/s")
    sections = []

    if "main" in tables:
        set_threads(args.threads)
        loads, rows = [load_average()], []
        for mode in args.modes.split(","):
            for name in names:
                for dtype in (np.float32, np.float64):
                    r = run_workload(name, dtype, mode, repeats, peaks[args.threads][dtype])
                    rows.append(r)
                    msg = (f"{name} {mode} {r['dtype']}: fwd {r['fwd']:.4f} s ({r['gflops']:.0f} GFLOP/s, "
                           f"{100 * r['peak_frac']:.0f}% of peak), fresh {r['fwd_fresh']:.4f} s, bwd {r['bwd']:.4f} s, "
                           f"extra {r['extra_mib']:.0f} MiB")
                    if torch is not None:
                        msg += (f"; torch fwd {r['torch_fwd']:.4f} s (ratio {r['ratio_fwd']:.2f}), "
                                f"train {r['torch_train']:.4f} s (ratio {r['ratio_train']:.2f})")
                    print(msg, flush=True)
        loads.append(load_average())
        sections.append((f"Forward and backward on {args.threads} thread(s)", *main_table(rows), loads))

    for table, burst, how in (("scaling", BURST, f"{BURST} calls per turn"),
                              ("sustained", SUSTAINED, f"sustained: {SUSTAINED} calls back to back per turn")):
        if table not in tables:
            continue
        loads, rows = [load_average()], []
        for name in names:
            for dtype in (np.float32, np.float64):
                for r in run_scaling(name, dtype, counts, repeats, peaks, burst):
                    rows.append(r)
                    msg = f"{table} {name} {r['dtype']} {r['threads']} threads: {r['ours']:.4f} s (x{r['speedup']:.2f})"
                    if torch is not None:
                        msg += f", torch {r['torch']:.4f} s (x{r['torch_speedup']:.2f}), ratio {r['ratio']:.2f}"
                    print(msg, flush=True)
        loads.append(load_average())
        sections.append((f"Scaling: forward pass (\"same\" mode) on {', '.join(map(str, counts))} thread(s), {how}",
                         *scaling_table(rows), loads))

    set_threads(args.threads)
    if "literal" in tables:
        loads, rows = [load_average()], []
        for name in names:
            r = run_literal(name, repeats)
            print(f"{name} literal {r['literal']:.3f} s vs vectorised {r['vectorised']:.5f} s: {r['ratio']:.0f}x, "
                  f"max diff {r['diff']:.1e}", flush=True)
            rows.append([r["name"], ", ".join(map(str, r["sizes"])), f"{r['literal']:.3f}", f"{r['vectorised']:.5f}",
                         f"{r['ratio']:.0f}", f"{r['diff']:.1e}"])
        loads.append(load_average())
        sections.append(("Literal loops vs vectorised (float64, cut-down sizes)",
                         ["workload", "B, C_in, C_out, H", "literal s", "vectorised s", "literal / vectorised",
                          "max abs difference"], rows, loads))

    if "sweep" in tables:
        loads, rows = [load_average()], []
        for r in run_sweep(repeats):
            print(f"sweep {r['shape']} k={r['k']} {r['dtype']}: gemm {r['gemm']:.4f} s, fft {r['fft']:.4f} s, auto {r['auto']}")
            rows.append([r["shape"], str(r["k"]), r["dtype"], f"{r['gemm']:.4f}", f"{r['fft']:.4f}",
                         f"{r['gemm'] / r['fft']:.2f}", r["auto"]])
        loads.append(load_average())
        sections.append(("GEMM vs FFT in the planar engine (valid mode)",
                         ["shape", "k", "dtype", "im2col+GEMM s", "FFT s", "GEMM / FFT", "auto picks"], rows, loads))

    if "layout" in tables:
        loads, rows = [load_average()], []
        for r in run_layout_sweep(repeats):
            print(f"layout {r['shape']} {r['dtype']}: per image {r['image']:.4f} s, wide rows {r['wide']:.4f} s, rule {r['rule']}")
            rows.append([r["shape"], str(r["K"]), r["dtype"], f"{r['image']:.4f}", f"{r['wide']:.4f}",
                         f"{r['image'] / r['wide']:.2f}", r["rule"]])
        loads.append(load_average())
        sections.append((f"Exact windows (one product per image) vs wide rows: forward GEMM path, same mode, k = 3, "
                         f"{args.threads} thread(s)",
                         ["shape", "C k k", "dtype", "per image s", "wide rows s", "image / wide", "rule picks"], rows, loads))

    if "memory" in tables:
        loads, rows = [load_average()], []
        for r in run_chunking():
            print(f"memory B={r['B']}: extra peak {r['extra_mib']:.0f} MiB (unchunked im2col {r['unchunked_mib']:.0f} MiB)")
            rows.append([str(r["B"]), f"{r['extra_mib']:.0f}", f"{r['unchunked_mib']:.0f}"])
        loads.append(load_average())
        sections.append((f"Peak extra memory vs batch size (W1 forward, float32, {args.threads} thread(s), workspace "
                         f"bound {engine.WORKSPACE_BYTES / 2**20:.0f} MiB)",
                         ["B", "extra peak MiB (tracemalloc, beyond the output)", "im2col matrix unchunked MiB"], rows, loads))

    text = markdown(sections, args.threads, repeats, peaks)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
