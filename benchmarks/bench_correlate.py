"""Benchmark of the vectorised lifting and group correlations (forward and both backward products).

Run from the repository root:

    python benchmarks/bench_correlate.py                # prints the tables, writes benchmarks/results.md
    python benchmarks/bench_correlate.py --quick        # fewer repeats, no method sweep (a smoke run)

Workloads (valid mode):
    W1  p4  G -> G   B=64, 10 -> 10 channels (x4 planes), 28 x 28, k = 3
    W2  lifting Z^2 -> p4, B=64, 1 -> 10 channels, 28 x 28, k = 3
    W3  p4m G -> G   B=32, 16 -> 16 channels (x8 planes), 32 x 32, k = 3
    W4  p4  G -> G   B=16, 8 -> 8 channels (x4 planes), 64 x 64, k = 7

For each workload and dtype (float32, float64) it reports the median time over the
repeats of: the forward pass (groupconv.correlate, filter expansion included), the same
with the workspace freed before every call (no buffer reuse), the backward pass (the
gradients with respect to the input and to the filter), GFLOP/s (2 * B * C_out|H| *
C_in|H| * k^2 * H' * W' per correlation, the backward counted as two), the fraction of
NumPy's own matrix-product peak measured in the same run, the ratio to the literal
implementation on a cut-down size, and, if PyTorch can be imported (it is not a
dependency of groupconv), the ratio to torch.nn.functional.conv2d on the same expanded
filter bank with the same number of threads (forward, and forward + backward through
autograd against groupconv's forward + two backward products).

Hygiene: OpenBLAS worker threads spin for about 0.1 s after each call and slow
whatever runs next, so the compared methods run alternately (A B A B ...) with a pause
of PAUSE = 0.15 s between calls, and every ratio comes from interleaved measurements of
the same run. (Setting OPENBLAS_THREAD_TIMEOUT low instead was measured to slow the
chunked GEMM path itself: its workers then fall asleep between the chunks of one call.)
--threads N sets OpenBLAS, scipy.fft and PyTorch to N threads alike; on a machine shared
with other jobs, --threads 1 gives the steadiest numbers.
OPENBLAS_CORETYPE forces OpenBLAS's kernel choice; the script records it (see
the README section "Performance" for running with and without it).
"""
import argparse
import os
import sys


def _threads_from_argv(argv):
    """--threads N, read before NumPy is imported (OpenBLAS reads its thread count once, at load time)."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return os.cpu_count()


THREADS = _threads_from_argv(sys.argv[1:])
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)  # must precede the first import of NumPy

import datetime
import platform
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from groupconv import correlate, engine, groups  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # PyTorch is optional: only for the comparison columns
    torch = None

PAUSE = 0.15  # seconds between two timed calls: OpenBLAS workers spin ~0.1 s after a call, then sleep

# name: (kind, group, B, C_in, C_out, H, k)
WORKLOADS = {
    "W1": ("group", "p4", 64, 10, 10, 28, 3),
    "W2": ("lifting", "p4", 64, 1, 10, 28, 3),
    "W3": ("group", "p4m", 32, 16, 16, 32, 3),
    "W4": ("group", "p4", 16, 8, 8, 64, 7),
}
CUT_DOWN = {"W1": (2, 2, 2, 12), "W2": (2, 1, 2, 12), "W3": (2, 2, 2, 10), "W4": (2, 2, 2, 16)}  # B, C_in, C_out, H


# ---------------------------------------------------------------- timing

def interleaved(functions, repeats):
    """Median seconds of each function, the functions called round-robin (A B C A B C ...), one warm-up each."""
    times = {name: [] for name in functions}
    for name, fn in functions.items():
        fn()
        time.sleep(PAUSE)
    for _ in range(repeats):
        for name, fn in functions.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
            time.sleep(PAUSE)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def matmul_peak(dtype, repeats):
    """GFLOP/s of np.matmul on large square matrices, best of the repeats: the ceiling of an im2col approach."""
    n = 2048 if dtype == np.float32 else 1536
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype)
    np.matmul(a, b, out=c)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
        time.sleep(PAUSE)
    return 2 * n ** 3 / best / 1e9


# ---------------------------------------------------------------- workloads

def make(name, dtype, sizes=None, seed=0):
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
    Ho = H - k + 1
    dout = rng.standard_normal((B, C_out, nH, Ho, Ho)).astype(dtype)
    return kind, group, k, f, psi, dout


def flops(name):
    kind, group, B, C_in, C_out, H, k = WORKLOADS[name]
    nH = groups.order(group)
    planes_in = C_in if kind == "lifting" else C_in * nH
    return 2 * B * (C_out * nH) * planes_in * k * k * (H - k + 1) ** 2


def groupconv_functions(kind, group, k, f, psi, dout):
    if kind == "lifting":
        fwd = lambda: correlate.lifting_correlation(f, psi, group, "valid")
        bwd = lambda: (correlate.lifting_correlation_grad_input(dout, psi, group, f.shape, "valid"),
                       correlate.lifting_correlation_grad_filter(f, dout, group, k, "valid"))
        lit = lambda: correlate.lifting_correlation_literal(f, psi, group, "valid")
    else:
        fwd = lambda: correlate.group_correlation(f, psi, group, "valid")
        bwd = lambda: (correlate.group_correlation_grad_input(dout, psi, group, f.shape, "valid"),
                       correlate.group_correlation_grad_filter(f, dout, group, k, "valid"))
        lit = lambda: correlate.group_correlation_literal(f, psi, group, "valid")
    return fwd, bwd, lit


def torch_functions(kind, group, k, f, psi, dout):
    """torch conv2d on the same expanded bank (B, C_in|H|, H, W) x (C_out|H|, C_in|H|, k, k), and autograd."""
    bank = correlate.expand_lifting_filter(psi, group) if kind == "lifting" else correlate.expand_group_filter(psi, group)
    O = bank.shape[0] * bank.shape[1]
    B, H = f.shape[0], f.shape[-1]
    tf = torch.from_numpy(np.ascontiguousarray(f.reshape(B, -1, H, H)))
    tw = torch.from_numpy(np.ascontiguousarray(bank.reshape(O, -1, k, k)))
    td = torch.from_numpy(np.ascontiguousarray(dout.reshape(B, O, *dout.shape[-2:])))

    def forward():
        with torch.no_grad():
            return F.conv2d(tf, tw)

    def train():
        x = tf.detach().requires_grad_(True)
        w = tw.detach().requires_grad_(True)
        F.conv2d(x, w).backward(td)
        return x.grad, w.grad

    return forward, train


def extra_peak_bytes(fn, result_bytes):
    """Peak bytes NumPy allocated during fn() beyond its result (tracemalloc), buffers freed first."""
    engine.clear_buffers()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - result_bytes


# ---------------------------------------------------------------- runs

def run_workload(name, dtype, repeats, peak):
    kind, group, k, f, psi, dout = make(name, dtype)
    fwd, bwd, _ = groupconv_functions(kind, group, k, f, psi, dout)

    def fwd_fresh():
        engine.clear_buffers()
        return fwd()

    funcs = {"fwd": fwd, "fwd_fresh": fwd_fresh, "bwd": bwd}
    if torch is not None:
        t_fwd, t_train = torch_functions(kind, group, k, f, psi, dout)
        funcs.update({"torch_fwd": t_fwd, "torch_train": t_train})
    t = interleaved(funcs, repeats)
    gflop = flops(name) / 1e9
    row = dict(name=name, dtype=np.dtype(dtype).name, gflop=gflop, fwd=t["fwd"], fwd_fresh=t["fwd_fresh"],
               bwd=t["bwd"], gflops=gflop / t["fwd"], peak_frac=gflop / t["fwd"] / peak,
               bwd_gflops=2 * gflop / t["bwd"])
    if torch is not None:
        row.update(torch_fwd=t["torch_fwd"], torch_train=t["torch_train"],
                   ratio_fwd=t["fwd"] / t["torch_fwd"], ratio_train=(t["fwd"] + t["bwd"]) / t["torch_train"])
    out_bytes = fwd().nbytes
    row["extra_mib"] = extra_peak_bytes(fwd, out_bytes) / 2**20
    return row


def run_literal(name, repeats):
    """Literal vs vectorised on the cut-down size (float64), and the largest difference between them."""
    kind, group, k, f, psi, dout = make(name, np.float64, CUT_DOWN[name])
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


def run_chunking():
    """Extra peak memory of one W1 forward pass (float32) as the batch grows, with the default workspace bound."""
    rows = []
    for B in (16, 64, 256, 1024):
        kind, group, k, f, psi, dout = make("W1", np.float32, (B, 10, 10, 28))
        fwd, _, _ = groupconv_functions(kind, group, k, f, psi, dout)
        out_bytes = fwd().nbytes
        cols_full = B * 40 * 9 * 26 * 26 * 4  # the im2col matrix of the whole batch, unchunked
        rows.append(dict(B=B, extra_mib=extra_peak_bytes(fwd, out_bytes) / 2**20, unchunked_mib=cols_full / 2**20))
    return rows


# ---------------------------------------------------------------- report

def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "OpenBLAS"
    try:
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
        if info:
            blas = f"OpenBLAS {info[0].get('version')} kernel {info[0].get('architecture')}, {info[0].get('num_threads')} threads"
    except ImportError:
        pass
    env = ", ".join(f"{v}={os.environ[v]}" for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_THREAD_TIMEOUT")
                    if v in os.environ) or "no OPENBLAS_* variables"
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    import scipy
    versions += f", SciPy {scipy.__version__}"
    if torch is not None:
        versions += f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
    return f"{cpu}, {os.cpu_count()} cores; {THREADS} thread(s) for every method; {blas}; {env}; {versions}"


def load_average():
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def markdown(rows, literal_rows, sweep_rows, chunk_rows, peaks, repeats, loads):
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# groupconv correlation benchmark", "",
             f"Date: {today}. Machine: {machine()}.",
             f"Median of {repeats} interleaved repeats. Load average (1 min) before / after the run: "
             f"{loads[0]:.2f} / {loads[1]:.2f} (above ~0.3 other processes were competing for the 2 cores).",
             f"NumPy matmul peak in this run (best of the repeats, 2048^2 / 1536^2): float32 {peaks[np.float32]:.0f} GFLOP/s, float64 {peaks[np.float64]:.0f} GFLOP/s.",
             "", "## Forward and backward (valid mode)", ""]
    head = ["workload", "dtype", "GFLOP", "forward s", "GFLOP/s", "% matmul peak", "fresh buffers s", "backward s"]
    if torch is not None:
        head += ["torch fwd s", "ours / torch fwd", "fwd+bwd s", "torch autograd s", "ours / torch fwd+bwd"]
    head += ["extra peak MiB"]
    lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r["name"], r["dtype"], f"{r['gflop']:.2f}", f"{r['fwd']:.4f}", f"{r['gflops']:.0f}",
                 f"{100 * r['peak_frac']:.0f}", f"{r['fwd_fresh']:.4f}", f"{r['bwd']:.4f}"]
        if torch is not None:
            cells += [f"{r['torch_fwd']:.4f}", f"{r['ratio_fwd']:.2f}", f"{r['fwd'] + r['bwd']:.4f}",
                      f"{r['torch_train']:.4f}", f"{r['ratio_train']:.2f}"]
        cells += [f"{r['extra_mib']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Literal loops vs vectorised (float64, cut-down sizes)", "",
              "| workload | B, C_in, C_out, H | literal s | vectorised s | literal / vectorised | max abs difference |",
              "| --- | --- | --- | --- | --- | --- |"]
    for r in literal_rows:
        lines.append(f"| {r['name']} | {', '.join(map(str, r['sizes']))} | {r['literal']:.3f} | {r['vectorised']:.5f} | "
                     f"{r['ratio']:.0f} | {r['diff']:.1e} |")
    if sweep_rows:
        lines += ["", "## GEMM vs FFT in the planar engine (valid mode)", "",
                  "| shape | k | dtype | im2col+GEMM s | FFT s | GEMM / FFT | auto picks |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in sweep_rows:
            lines.append(f"| {r['shape']} | {r['k']} | {r['dtype']} | {r['gemm']:.4f} | {r['fft']:.4f} | "
                         f"{r['gemm'] / r['fft']:.2f} | {r['auto']} |")
    lines += ["", f"## Peak extra memory vs batch size (W1 forward, float32, workspace bound "
              f"{engine.WORKSPACE_BYTES / 2**20:.0f} MiB, im2col chunks of {engine.IM2COL_CHUNK_BYTES / 2**20:.0f} MiB)", "",
              "| B | extra peak MiB (tracemalloc, beyond the output) | im2col matrix unchunked MiB |", "| --- | --- | --- |"]
    for r in chunk_rows:
        lines.append(f"| {r['B']} | {r['extra_mib']:.0f} | {r['unchunked_mib']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per method (median reported)")
    parser.add_argument("--quick", action="store_true", help="3 repeats, no GEMM/FFT sweep")
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for OpenBLAS, scipy.fft and PyTorch alike (default: all cores)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.md"),
                        help="markdown file to write ('' to skip)")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    engine.FFT_WORKERS = THREADS
    if torch is not None:
        torch.set_num_threads(THREADS)
    loads = [load_average()[0]]
    peaks = {dt: matmul_peak(dt, repeats) for dt in (np.float32, np.float64)}
    print(f"matmul peak: float32 {peaks[np.float32]:.0f} GFLOP/s, float64 {peaks[np.float64]:.0f} GFLOP/s")
    rows = []
    for name in args.workloads.split(","):
        for dtype in (np.float32, np.float64):
            r = run_workload(name, dtype, repeats, peaks[dtype])
            rows.append(r)
            msg = (f"{name} {r['dtype']}: fwd {r['fwd']:.4f} s ({r['gflops']:.0f} GFLOP/s, {100 * r['peak_frac']:.0f}% "
                   f"of peak), fresh {r['fwd_fresh']:.4f} s, bwd {r['bwd']:.4f} s, extra {r['extra_mib']:.0f} MiB")
            if torch is not None:
                msg += (f"; torch fwd {r['torch_fwd']:.4f} s (ratio {r['ratio_fwd']:.2f}), "
                        f"train {r['torch_train']:.4f} s (ratio {r['ratio_train']:.2f})")
            print(msg, flush=True)
    literal_rows = []
    for name in args.workloads.split(","):
        r = run_literal(name, repeats)
        literal_rows.append(r)
        print(f"{name} literal {r['literal']:.3f} s vs vectorised {r['vectorised']:.5f} s: {r['ratio']:.0f}x, "
              f"max diff {r['diff']:.1e}", flush=True)
    sweep_rows = [] if args.quick else run_sweep(repeats)
    for r in sweep_rows:
        print(f"sweep {r['shape']} k={r['k']} {r['dtype']}: gemm {r['gemm']:.4f} s, fft {r['fft']:.4f} s, auto {r['auto']}")
    chunk_rows = run_chunking()
    for r in chunk_rows:
        print(f"chunking B={r['B']}: extra peak {r['extra_mib']:.0f} MiB (unchunked im2col {r['unchunked_mib']:.0f} MiB)")
    loads.append(load_average()[0])
    text = markdown(rows, literal_rows, sweep_rows, chunk_rows, peaks, repeats, loads)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
