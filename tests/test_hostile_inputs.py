"""Hostile input, second round: each test is one defect class an outside fuzzer found (its findings, numbered).

Written without reading the rest of the suite. Every test failed on the code it was written against; a "clear
error" passes only for a ValueError/TypeError raised inside groupconv whose message names what was expected.
"""
import io
import os
import re
import signal
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest


from groupconv import (action, checks, correlate, digits, engine, figures, filter_bank, groups, images, inventory,
                       lattices, limits, lookup, nn, plot, widget)

PKG = os.path.dirname(groups.__file__)


FOREIGN = ("cannot reshape", "could not be broadcast", "invalid literal for int", "is not iterable", "has no len",
           "unsupported operand", "must be a string, a bytes-like", "required positional argument",
           "unsupported format string", "unhashable type", "ufunc '")


def clear_error(fn, pattern):
    """fn() must raise ValueError/TypeError, raised inside groupconv (not numpy/scipy/python), matching pattern."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning followed by garbage is no clear error
        try:
            fn()
        except (ValueError, TypeError) as e:
            tb = e.__traceback__
            while tb.tb_next is not None:
                tb = tb.tb_next
            where = tb.tb_frame.f_code.co_filename
            assert where.startswith(PKG), f"{type(e).__name__} raised outside groupconv ({where}): {e}"
            assert not any(x in str(e) for x in FOREIGN), f"{type(e).__name__} with a foreign message: {e}"
            assert re.search(pattern, str(e), re.I), f"message does not name what was expected: {e}"
            return
        except BaseException as e:  # noqa: BLE001
            pytest.fail(f"expected a clear ValueError/TypeError, got {type(e).__name__}: {e}")
    pytest.fail("expected a clear ValueError/TypeError, got a result")


def run_all(cases):
    """cases: {label: callable that asserts}; fail listing every case that fails."""
    bad = []
    for label, case in cases.items():
        try:
            case()
        except BaseException as e:  # noqa: BLE001
            bad.append(f"{label}: {type(e).__name__}: {str(e)[:150]}")
    assert not bad, "\n".join(bad)


# 1 ------------------------------------------------------------- engine: FFT chosen where its round-off swamps outputs
def test_auto_fft_accuracy_on_bimodal_magnitudes():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((1, 40, 24, 24))
    f[:, :, 14:] *= 1e-14  # 40 % of the image tiny: the median magnitude stays large
    psi = rng.standard_normal((2, 40, 5, 5))
    out = engine.planar_correlation(f, psi, "valid")  # "auto"
    w = np.lib.stride_tricks.sliding_window_view(f, (5, 5), axis=(-2, -1))
    ref = np.einsum("bcijxy,ocxy->boij", w, psi)
    scale = np.einsum("bcijxy,ocxy->boij", np.abs(w), np.abs(psi))  # each output's own scale
    assert np.max(np.abs(out - ref) / scale) < 1e-10


# 2 ------------------------------------------------------------- action/lattices: periodic hexagon, large translations
def test_hexagonal_wrap_with_large_translation():
    n, r = 5, 2
    N = 3 * r * r + 3 * r + 1  # cells of the periodic hexagon: N * (1, 0) is a period
    f = np.where(lattices.get("hexagonal").frame_mask(n, n), np.arange(n * n, dtype=float).reshape(n, n), 0.0)
    u = 2**57 + 3
    got = action.transform_image(f, groups.element("p6", 1, u, 0), "wrap", "p6")
    want = action.transform_image(f, groups.element("p6", 1, u % N, 0), "wrap", "p6")
    np.testing.assert_array_equal(got, want)


# 3 ------------------------------------------------------------- groups: in_half_pixels wraps int64
def test_in_half_pixels_does_not_wrap():
    g = np.array([[1, 0, 2**62], [0, 1, 0], [0, 0, 1]])
    clear_error(lambda: groups.in_half_pixels(g), r"int64|2\*\*6|translation|fit|large")


# 4 ------------------------------------------------------------- lookup: non-members read, index wrap, period 0
def test_lookup_checks_its_arguments():
    F = np.arange(4 * 3 * 3).reshape(4, 3, 3)
    run_all({
        "negative entry accepted as identity": lambda: clear_error(
            lambda: lookup.value_on_group(F, np.array([[-2, 0, 0], [0, 1, 0], [0, 0, 1]]), "p4"), r"element"),
        "entry 2 IndexError": lambda: clear_error(
            lambda: lookup.value_on_group(F, np.array([[2, 0, 0], [0, 1, 0], [0, 0, 1]]), "p4"), r"element"),
        "period 0": lambda: clear_error(lambda: lookup.value_at(np.ones((3, 3)), np.array([1, 1]), period=0),
                                        r"period"),
        "even n": lambda: clear_error(lambda: lookup.frame(4), r"odd|n"),
    })


# 5 ------------------------------------------------------------- digits.split loses NaN-labelled images
def test_split_keeps_every_index_or_refuses_nan():
    labels = np.array([0, 1, np.nan, np.nan, 1, 0, 0, 1.0])
    try:
        train, test = digits.split(labels)
    except (ValueError, TypeError):
        return
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(labels)))


# 6 ------------------------------------------------------------- plot.hexagonal_slots hangs on a large gap
def test_hexagonal_slots_large_gap_does_not_hang():
    def alarm(*_):
        raise TimeoutError("hexagonal_slots still running after 2 s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(2)
    try:
        try:
            plot.hexagonal_slots(3, "p6", gap=10**9)
        except (ValueError, TypeError):
            pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# 7 ------------------------------------------------------------- unbounded allocations (plot canvas, filter-bank index)
def test_allocations_are_bounded():
    def canvas():
        clear_error(lambda: plot.arrange_canvas(np.zeros((4, 3, 3)), "p4", gap=10**6), r"GiB|bytes|large|gap")

    def index():
        old = limits.set_max_array_bytes(16 * 2**20)
        tracemalloc.start()
        try:
            try:
                correlate.lifting_correlation(np.zeros((1, 0, 1, 1)), np.zeros((0, 0, 2001, 2001)), "p4", "full")
            except (ValueError, TypeError):
                pass
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            limits.set_max_array_bytes(old)
        assert peak < 32 * 2**20, f"peak {peak / 2**20:.0f} MiB with a 16 MiB bound (empty filter, k = 2001)"

    run_all({"arrange_canvas gap": canvas, "filter-bank index": index})


# 8 ------------------------------------------------------------- vectorised correlation: unguarded literal index build
def test_vectorised_group_correlation_index_build_is_guarded():
    filter_bank.group_index.cache_clear()
    old = limits.set_literal_limit(0.25)
    try:
        t0 = time.perf_counter()
        try:
            correlate.group_correlation(np.zeros((1, 1, 8, 27, 27)), np.zeros((1, 1, 8, 27, 27)), "p4m")
        except ValueError:
            return  # refused as a whole: fine
        elapsed = time.perf_counter() - t0
    finally:
        limits.set_literal_limit(old)
    assert elapsed < 0.5, f"{elapsed:.2f} s of literal loops under a 0.25 s literal limit"


# 9 ------------------------------------------------------------- filter_bank: cells outside the hexagon silently dropped
def test_filter_bank_refuses_values_outside_hexagon():
    run_all({
        "expand_lifting_filter": lambda: clear_error(
            lambda: filter_bank.expand_lifting_filter(np.ones((1, 1, 3, 3)), "p6"), r"hexagon|outside"),
        "expand_group_filter": lambda: clear_error(
            lambda: filter_bank.expand_group_filter(np.ones((1, 1, 6, 3, 3)), "p6"), r"hexagon|outside"),
        "reverse_filter": lambda: clear_error(
            lambda: filter_bank.reverse_filter(np.ones((6, 3, 3)), "p6"), r"hexagon|outside"),
    })


# 10 ------------------------------------------------------------ nn.Sequential.load: keys and file argument
def _npz(member):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        body = io.BytesIO()
        np.lib.format.write_array(body, np.zeros(2))
        z.writestr(member, body.getvalue())
    buf.seek(0)
    return buf


def test_sequential_load_damaged_keys_and_bad_file_argument():
    net = nn.Sequential(nn.Bias(2))
    run_all({
        "00.b KeyError": lambda: clear_error(lambda: net.load(_npz("00.b.npy")), r"fit|not an array|00\.b"),
        "superscript index": lambda: clear_error(lambda: net.load(_npz("\u00b2.b.npy")), r"fit|not an array"),
        "load(None)": lambda: clear_error(lambda: net.load(None), r"path|file"),
        "load(3)": lambda: clear_error(lambda: net.load(3), r"path|file"),
    })


# 11 ------------------------------------------------------------ nn: hexagonal layers take a 3-axis input
def test_hexagonal_layers_refuse_three_axis_input():
    run_all({
        "GlobalPool": lambda: clear_error(lambda: nn.GlobalPool("mean", group="p6").forward(np.ones((2, 3, 3))),
                                          r"axes|\(B, C"),
        "Bias": lambda: clear_error(lambda: nn.Bias(3, group="p6").forward(np.ones((1, 3, 3))), r"axes|\(B, C"),
        "BatchNorm": lambda: clear_error(lambda: nn.BatchNorm(3, group="p6").forward(np.ones((2, 3, 3)), train=True),
                                         r"axes|\(B, C"),
    })


# 12 ------------------------------------------------------------ nn.CosetPool on an empty group axis
def test_cosetpool_empty_group_axis():
    run_all({
        "max": lambda: clear_error(lambda: nn.CosetPool("max").forward(np.zeros((1, 1, 0, 3, 3))),
                                   r"group axis|empty|\|H\||plane"),
        "mean": lambda: clear_error(lambda: nn.CosetPool("mean").forward(np.zeros((1, 1, 0, 3, 3))),
                                    r"group axis|empty|\|H\||plane"),
    })


# 13 ------------------------------------------------------------ nn.softmax_cross_entropy: timedelta labels
def test_softmax_timedelta_labels():
    clear_error(lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1], dtype="m8[s]")), r"label")


# 14 ------------------------------------------------------------ correlate/engine: input_shape unchecked
def test_gradient_input_shape_is_checked():
    d, psi = np.zeros((1, 1, 4, 3, 3)), np.zeros((1, 1, 3, 3))
    run_all({
        "lifting None": lambda: clear_error(
            lambda: correlate.lifting_correlation_grad_input(d, psi, "p4", None), r"input_shape"),
        "lifting floats truncated": lambda: clear_error(
            lambda: correlate.lifting_correlation_grad_input(d, psi, "p4", (1, 1, 3.7, 3.2), "same"),
            r"input_shape|integer"),
        "group None": lambda: clear_error(
            lambda: correlate.group_correlation_grad_input(d, np.zeros((1, 1, 4, 3, 3)), "p4", None), r"input_shape"),
        "engine None": lambda: clear_error(
            lambda: engine.planar_correlation_grad_input(np.zeros((1, 1, 3, 3)), psi, None), r"input_shape"),
    })


# 15 ------------------------------------------------------------ images.from_hexagonal: scale 0 / tiny / NaN -> IndexError
def test_from_hexagonal_bad_scale():
    h = images.on_hexagon(np.ones((5, 5)))
    run_all({str(s): (lambda s=s: clear_error(lambda: images.from_hexagonal(h, scale=s), r"scale"))
             for s in (0.0, 1e-30, np.nan)})


# 16 ------------------------------------------------------------ images: foreign errors and silent garbage
def test_images_argument_checks():
    sq = np.ones((9, 9))

    def scale_nan():
        try:
            out = images.to_hexagonal(sq, 5, scale=np.nan)
        except (ValueError, TypeError):
            return
        assert np.isnan(out[lattices.get("hexagonal").frame_mask(5, 5)]).all(), "NaN scale gave numbers"

    run_all({
        "on_hexagon 1-D": lambda: clear_error(lambda: images.on_hexagon(np.ones(5)), r"shape|axes|n x n"),
        "from_hexagonal 1-D": lambda: clear_error(lambda: images.from_hexagonal(np.ones(5)), r"shape|axes|n x n"),
        "to_hexagonal empty batch": lambda: np.testing.assert_array_equal(
            images.to_hexagonal(np.zeros((0, 9, 9)), 5).shape, (0, 5, 5)),
        "to_hexagonal order 7": lambda: clear_error(lambda: images.to_hexagonal(sq, 5, order=7), r"order"),
        "to_hexagonal angle None": lambda: clear_error(lambda: images.to_hexagonal(sq, 5, angle=None), r"angle"),
        "to_hexagonal scale NaN": scale_nan,
        "integer_image rng None": lambda: clear_error(lambda: images.integer_image(3, None), r"rng|Generator"),
        "integer_image low > high": lambda: clear_error(
            lambda: images.integer_image(3, np.random.default_rng(0), low=3, high=1), r"low|high"),
    })


# 17 ------------------------------------------------------------ digits: silent truncation, NaN angles, foreign errors
def test_digits_argument_checks():
    x = np.arange(4.0).reshape(1, 2, 2)

    def nan_angle():
        try:
            out = digits.rotate(np.ones((1, 5, 5)), [np.nan])
        except (ValueError, TypeError):
            return
        assert np.isnan(out).all(), "a NaN angle gave an all-zero image"

    run_all({
        "quarter_turns r=1.5": lambda: clear_error(lambda: digits.quarter_turns(x, 1.5), r"\br\b|integer|turn"),
        "quarter_turns r=None": lambda: clear_error(lambda: digits.quarter_turns(x, None), r"\br\b|integer|turn"),
        "rotate NaN angle": nan_angle,
        "rotate wrong number of angles": lambda: clear_error(
            lambda: digits.rotate(np.ones((2, 5, 5)), [1.0, 2.0, 3.0]), r"angle"),
        "rotate order 9": lambda: clear_error(lambda: digits.rotate(np.ones((1, 5, 5)), [1.0], order=9), r"order"),
        "random_rotations rng None": lambda: clear_error(
            lambda: digits.random_rotations(np.ones((1, 5, 5)), None), r"rng|Generator"),
        "split seed -1": lambda: clear_error(lambda: digits.split(np.array([0, 1]), seed=-1), r"seed"),
    })


# 18 ------------------------------------------------------------ complex input silently cast to real (or foreign error)
def test_complex_input_refused():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    c3 = np.ones((3, 3)) * (1 + 1j)
    try:
        run_all({
            "plot.arrange_canvas": lambda: clear_error(
                lambda: plot.arrange_canvas(np.ones((4, 3, 3)) * 1j, "p4"), r"complex|real"),
            "plot.plot_image": lambda: clear_error(lambda: plot.plot_image(ax, c3), r"complex|real"),
            "images.to_hexagonal": lambda: clear_error(lambda: images.to_hexagonal(np.ones((9, 9)) * 1j, 5),
                                                       r"complex|real"),
            "digits.canvas": lambda: clear_error(lambda: digits.canvas(np.ones((1, 8, 8)) * 1j), r"complex|real"),
            "widget.load_image": lambda: clear_error(lambda: widget.load_image(c3), r"complex|real"),
            "widget.load_filter": lambda: clear_error(lambda: widget.load_filter(c3), r"complex|real"),
        })
    finally:
        plt.close(fig)


# 19 ------------------------------------------------------------ masked arrays silently unmasked
def test_masked_arrays_refused():
    m33 = np.ma.array(np.ones((3, 3)), mask=np.eye(3, dtype=bool))
    run_all({
        "checks.residual": lambda: clear_error(
            lambda: checks.residual(np.ma.array([1.0, 2.0], mask=[0, 1]), np.array([1.0, 5.0])), r"mask"),
        "images.on_hexagon": lambda: clear_error(lambda: images.on_hexagon(m33), r"mask"),
        "digits.canvas": lambda: clear_error(
            lambda: digits.canvas(np.ma.array(np.ones((1, 8, 8)), mask=True)), r"mask"),
        "plot.arrange_canvas": lambda: clear_error(
            lambda: plot.arrange_canvas(np.ma.array(np.ones((4, 3, 3)), mask=True), "p4"), r"mask"),
        "widget.load_image": lambda: clear_error(lambda: widget.load_image(m33), r"mask"),
    })


# 20 ------------------------------------------------------------ checks.residual: big-endian uint64 wraps
def test_residual_big_endian_uint64():
    a, b = np.array([2**64 - 1], dtype=">u8"), np.array([0], dtype=">u8")
    assert checks.residual(a, b).value == float(2**64 - 1)


# 21 ------------------------------------------------------------ figures.steady: denormals become NaN
def test_steady_denormals_and_digits():
    a = np.array([1e-320, 5e-321])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = figures.steady(a)
    run_all({
        "denormal": lambda: np.testing.assert_allclose(out, a, rtol=1e-3),
        "digits=400": lambda: clear_error(lambda: figures.steady(np.array([1.0, 0.5]), 400), r"digits"),
        "digits=0": lambda: clear_error(lambda: figures.steady(np.array([1.0]), 0), r"digits"),
    })


# 22 ------------------------------------------------------------ plot: foreign errors
def test_plot_argument_checks():
    run_all({
        "rendered_colours([])": lambda: clear_error(lambda: plot.rendered_colours([]), r"image|AxesImage"),
        "rendered_colours(None)": lambda: clear_error(lambda: plot.rendered_colours(None), r"image|AxesImage"),
        "hexagonal_slots(None)": lambda: clear_error(lambda: plot.hexagonal_slots(None, "p6"), r"\bn\b|size|integer"),
    })


# 23 ------------------------------------------------------------ widget: foreign errors
def test_widget_argument_checks(tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    run_all({
        "load_image junk file": lambda: clear_error(lambda: widget.load_image(str(junk)), r"image|read"),
        "network width -1": lambda: clear_error(
            lambda: widget.network("p4", np.ones((1, 1, 3, 3)), 2, width=-1), r"width"),
        "network width 2.5": lambda: clear_error(
            lambda: widget.network("p4", np.ones((1, 1, 3, 3)), 2, width=2.5), r"width"),
    })


# 24 ------------------------------------------------------------ checks/inventory: Python's own errors
def test_checks_inventory_argument_checks():
    run_all({
        "check(None, ...)": lambda: clear_error(lambda: checks.check(None, "x", np.zeros(2), np.zeros(2)), r"id"),
        "ids(1.0)": lambda: clear_error(lambda: inventory.ids(1.0), r"section"),
        "lookup([1])": lambda: clear_error(lambda: inventory.lookup([1]), r"ID"),
    })


def _equal(got, want):
    assert tuple(got) == tuple(np.dtype(w) for w in want), (got, want)


# 25 ------------------------------------------------------------ public helpers of engine/correlate/action unchecked
def test_public_helpers_check_arguments():
    run_all({
        # a list is an array everywhere in the package: the right answer, not an error (changed from the first draft)
        "engine.pad(list)": lambda: np.testing.assert_array_equal(
            engine.pad([[1, 2], [3, 4]], 3, "same"), np.pad([[1, 2], [3, 4]], 1)),
        "engine.pad(1-D)": lambda: clear_error(lambda: engine.pad([1, 2], 3, "same"), r"shape"),
        "engine.choose_method((1,))": lambda: clear_error(lambda: engine.choose_method((1,), 5, np.float64),
                                                          r"shape"),
        "engine.compute_dtypes(list)": lambda: _equal(engine.compute_dtypes([1], [1], 1), (np.float64, np.int64)),
        "engine.compute_dtypes(str)": lambda: clear_error(lambda: engine.compute_dtypes(["a"], [1], 1), r"numeric"),
        "engine.padding(3.0)": lambda: clear_error(lambda: engine.padding(3.0, "same"), r"integer|\bk\b"),
        "correlate.output_size(None)": lambda: clear_error(lambda: correlate.output_size(None, 3, "same"),
                                                           r"integer|\bn\b"),
        "action.centred_coordinates(2.5)": lambda: clear_error(lambda: action.centred_coordinates(2.5),
                                                               r"integer|\bn\b"),
    })
