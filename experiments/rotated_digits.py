"""Rotated digits on the square and the hexagonal lattice: invariance, and the paper's Table 1 in miniature.

(docs/equations.md I1 and X1-X6; paper section 8.1.)

Data: the 1,797 8 x 8 UCI digits vendored in groupconv/data (groupconv/digits.py), on an
11 x 11 canvas, split 70 / 30 into train and test, stratified by digit (split seed 0).
The networks on the hexagonal lattice see the same canvases resampled onto it
(images.to_hexagonal): the hexagon of radius 6 (n = 13, 127 cells) with one lattice step
= one pixel, so the cells are as far apart as the pixels and about as many (127 against
121); a digit turned by any angle stays inside it (measured below as "ink kept").

(a) invariance  Train a planar CNN and a P4CNN on the square lattice and a P6CNN on the
                hexagonal lattice on *upright* digits only. Test them on the test set turned
                by every exact turn of their lattice - 0, 90, 180, 270 degrees (np.rot90) on
                the square grid, 0, 60, ..., 300 degrees (action.transform_image with R^r of
                p6, a permutation of the cells) on the hexagonal one. The G-CNNs' logits are
                invariant to those turns (I1), so their predictions must be identical for
                all of them (checked image by image); the planar CNN has never seen a turned
                digit and its accuracy collapses. All three are then tested at every 15
                degrees (interpolated turns): between its exact turns each G-CNN has to
                generalise like any network.
(b) table       Train and test on digits turned by random angles in [0, 360) (bilinear
                interpolation; one fixed draw for the train set and one for the test set),
                as rotated MNIST does: planar CNN vs P4CNN vs P4M-CNN vs a P4CNN with
                rotation pooling after every layer on the square lattice, and P6CNN vs
                P6M-CNN on the hexagonal lattice, the hexagonal digits turned by the same
                angles as the square ones (sampled turned, one interpolation). Channel
                counts are the planar network's divided by sqrt(|H|), as in the paper, so
                that the numbers of parameters are comparable (a filter on G has |H| times
                as many entries; a 3 x 3 filter on the hexagonal lattice has 7 cells, not 9).
                Test error, mean +- std over several seeds (the seed sets the initial
                weights and the order of the mini-batches; the data stay fixed). Each test
                digit's prediction is kept, so the error can be split by the digit's angle.

Every network has the same shape (groupconv/nn.py): 4 conv layers of 3 x 3, batch norm,
ReLU, global average pooling (over space and the group axis), a linear classifier; on the
square grid one max pool (window 3, stride 2: 11 -> 5, a grid symmetric about the centre)
after the second block, on the hexagonal lattice none (nn.gcnn: square windows do not fit
the hexagon), so the hexagonal networks keep all 127 cells in every layer. Training:
Adam, mini-batches of 32, cosine learning-rate decay, cross-entropy. Evaluation: after every
epoch the batch-norm statistics are recomputed for the current weights by one pass over the
training set ("precise BN", recompute_batch_norm) before the test set is classified; the test
error with the running averages kept during training is recorded next to it.

Usage (from the repository root):
    python3 experiments/rotated_digits.py            # both experiments, 3 seeds: writes
                                                     # experiments/results.md, figures/14_*.png
    python3 experiments/rotated_digits.py --fast     # smoke run on a subset (about a minute)
    python3 experiments/rotated_digits.py --experiment table --seeds 5 --epochs 20
    python3 experiments/rotated_digits.py --models P6CNN,P4CNN --experiment table
A line of progress is printed after every epoch of every run; the machine's load average
is sampled then too and reported with the total time.
"""
import argparse
import json
import math
import os
import platform
import re
import sys
import time

# One BLAS thread: the matrices here are small, and on a machine shared with other jobs
# BLAS threads waiting for each other cost far more than they save (measured: steps 2-10x
# slower and erratic with 2 threads under load). Set before NumPy is imported; an
# OPENBLAS_NUM_THREADS given by the caller wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from groupconv import action, digits, groups, images, nn  # noqa: E402
from groupconv.checks import residual  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PLANAR_CHANNELS = 16
HEX_SIZE = 13  # hexagonal digits: 13 x 13 axial arrays, the hexagon of radius 6 (127 cells)
HEX_SCALE = 1.0  # one lattice step = one pixel of the 11 x 11 canvas
SWEEP = tuple(range(0, 360, 15))  # test angles (degrees) of the invariance experiment's sweep
INVARIANCE_MODELS = ("planar CNN", "P4CNN", "P6CNN")
LOAD = []  # the 1-minute load average, sampled after every epoch (os.getloadavg)

# name -> (group of its filters, |H|, channels, builder). Channels: 16 / sqrt(|H|), rounded.
MODELS = {
    "planar CNN": ("Z2", 1, PLANAR_CHANNELS,
                   lambda c, rng: nn.planar_cnn(c, rng=rng)),
    "P4CNN": ("p4", 4, round(PLANAR_CHANNELS / math.sqrt(4)),
              lambda c, rng: nn.gcnn("p4", c, rng=rng)),
    "P4M-CNN": ("p4m", 8, round(PLANAR_CHANNELS / math.sqrt(8)),
                lambda c, rng: nn.gcnn("p4m", c, rng=rng)),
    # Rotation pooling after every layer: the maps between layers are planar and a lifting
    # filter has as many entries as a planar one, so the planar channel count keeps the
    # parameter count equal.
    "P4CNN rotation pooling": ("p4", 4, PLANAR_CHANNELS,
                                lambda c, rng: nn.rotation_pooling_cnn("p4", c, rng=rng)),
    # On the hexagonal lattice (inputs: the digits resampled onto the hexagon of radius 6).
    "P6CNN": ("p6", 6, round(PLANAR_CHANNELS / math.sqrt(6)),
              lambda c, rng: nn.gcnn("p6", c, rng=rng)),
    "P6M-CNN": ("p6m", 12, round(PLANAR_CHANNELS / math.sqrt(12)),
                lambda c, rng: nn.gcnn("p6m", c, rng=rng)),
}
PAPER = {"planar CNN": "5.03 (Z2CNN)", "P4CNN": "2.28"}  # rotated MNIST test error (%), Cohen & Welling 2016, Table 1


def on_hexagonal_lattice(name):
    """Does model `name` see the digits on the hexagonal lattice (its group is p6 or p6m)?"""
    group = MODELS[name][0]
    return group in groups.GROUPS and groups.GROUPS[group].lattice == "hexagonal"


def data_key(name, kind):
    """The entry of load_data's dict that model `name` trains on: kind "upright" or "rotated", on its lattice."""
    return ("hex_" if on_hexagonal_lattice(name) else "") + kind


def hexagonal_digits(canvases, angles=None):
    """Canvases (N, 11, 11) resampled onto the hexagonal lattice, (N, 1, 13, 13), each turned by its angle (degrees).

    One interpolation (images.to_hexagonal turns the sampling places), as digits.rotate
    takes one on the square grid.
    """
    angles = np.zeros(len(canvases)) if angles is None else np.asarray(angles, dtype=np.float64)
    return np.stack([images.to_hexagonal(c, HEX_SIZE, scale=HEX_SCALE, angle=a)
                     for c, a in zip(canvases, angles)])[:, None]


def load_data(fast, data_seed=0):
    """Upright and randomly rotated digits on both lattices, the split, and the angles.

    The square sets are the 11 x 11 canvases; "hex_upright" and "hex_rotated" are the same
    canvases resampled onto the hexagonal lattice, the rotated ones turned by the very
    angles of the square rotated set. "angles" holds (train angles, test angles) and
    "canvas_test" the upright test canvases (for the sweep of the invariance experiment).
    """
    digit_images, labels = digits.load()
    x = digits.canvas(digit_images)[:, None]  # (N, 1, 11, 11)
    train, test = digits.split(labels, 0.3, seed=data_seed)
    if fast:  # a stratified-enough subset: every 4th image
        train, test = train[::4], test[::3]
    rng = np.random.default_rng(data_seed)
    rotated_train, train_angles = digits.random_rotations(x[train, 0], rng)
    rotated_test, test_angles = digits.random_rotations(x[test, 0], rng)
    hexagonal = hexagonal_digits(x[:, 0])
    return {"upright": (x[train], labels[train], x[test], labels[test]),
            "rotated": (rotated_train[:, None], labels[train], rotated_test[:, None], labels[test]),
            "hex_upright": (hexagonal[train], labels[train], hexagonal[test], labels[test]),
            "hex_rotated": (hexagonal_digits(x[train, 0], train_angles), labels[train],
                            hexagonal_digits(x[test, 0], test_angles), labels[test]),
            "angles": (train_angles, test_angles),
            "canvas_test": x[test, 0]}


def ink_kept(data):
    """How much of each digit's ink a rotated set keeps: sum of its values x area per sample / the upright sum.

    Square pixels have area 1, hexagonal cells (one lattice step = one pixel) sqrt(3)/2.
    Returns {set: (mean, min)} over the training and test digits together.
    """
    upright = np.concatenate([data["upright"][0], data["upright"][2]]).sum(axis=(1, 2, 3))
    out = {}
    for key, area in (("rotated", 1.0), ("hex_upright", math.sqrt(3) / 2), ("hex_rotated", math.sqrt(3) / 2)):
        kept = np.concatenate([data[key][0], data[key][2]]).sum(axis=(1, 2, 3)) * area / upright
        out[key] = (float(kept.mean()), float(kept.min()))
    return out


def predict(net, x, batch=256):
    """Logits for x in test mode (batch norm uses its stored statistics), in batches."""
    return np.concatenate([net.forward(x[i:i + batch], train=False) for i in range(0, len(x), batch)])


def batch_norm_layers(net):
    return [layer for layer in net.layers if isinstance(layer, nn.BatchNorm)]


def recompute_batch_norm(net, x, batch=256):
    """Set every BatchNorm's stored mean and variance to the exact statistics of its input over x; return net(x).

    During training each BatchNorm keeps a running average (momentum 0.1: mostly the last
    ~10-20 mini-batches) of mini-batch statistics, each taken with the weights of its own
    step. While the weights still move fast, that average describes none of them, and the
    network is tested with statistics that do not belong to its current weights. Passing
    the training set once more through the final weights and storing the exact statistics
    is standard practice ("precise BN", Wu & Johnson 2021; PyTorch's
    torch.optim.swa_utils.update_bn does the same with a cumulative average). Layer by
    layer: the input of each BatchNorm is computed in test mode with the recomputed
    statistics of the BatchNorms before it, i.e. exactly what it receives at test time.
    Same definition as in training (BatchNorm._axes; biased variance, as x.var). Only
    the stored statistics change, not a weight. Returns the test-mode logits of x.
    """
    chunks = [x[i:i + batch] for i in range(0, len(x), batch)]
    for layer in net.layers:
        if isinstance(layer, nn.BatchNorm):
            # On the hexagonal lattice a BatchNorm takes its statistics over the hexagon's cells only.
            seen = chunks if layer.lattice is None else [
                c[..., layer.lattice.frame_mask(*c.shape[-2:])] for c in chunks]
            axes = layer._axes(seen[0])
            n = sum(math.prod(c.shape[a] for a in axes) for c in seen)
            mean = sum(c.sum(axis=axes, keepdims=True) for c in seen) / n
            var = sum(((c - mean) ** 2).sum(axis=axes, keepdims=True) for c in seen) / n
            layer.buffers["mean"], layer.buffers["var"] = mean, var
        chunks = [layer.forward(c, train=False) for c in chunks]
    return np.concatenate(chunks)


def train(name, net, data, epochs, seed, lr=0.01, batch=32, log=print, schedule_epochs=None, keep_running=False):
    """Train with Adam and cosine decay; return the per-epoch history.

    After every epoch the test set is classified twice: with the batch-norm running
    averages kept during training ("test_error_running") and with statistics recomputed
    for the current weights on the training set ("test_error", see recompute_batch_norm).
    The running averages are put back before training goes on, so that curve is the plain
    running-average one; after the last epoch the network keeps the recomputed statistics
    (keep_running=True: the running averages). The cosine decay runs over schedule_epochs
    (default: epochs; more to stop part-way through the schedule).
    """
    x_train, y_train, x_test, y_test = data
    rng = np.random.default_rng(1000 + seed)
    opt = nn.Adam(net, lr=lr)
    steps_per_epoch = math.ceil(len(x_train) / batch)
    total_steps = (schedule_epochs or epochs) * steps_per_epoch
    history = {"train_loss": [], "train_error": [], "train_error_eval": [], "test_error": [],
               "test_error_running": [], "seconds": [], "confusion": None, "test_predictions": None}
    start = time.time()
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        losses, wrong = [], 0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            opt.lr = 0.5 * lr * (1 + math.cos(math.pi * step / total_steps))
            logits = net.forward(x_train[idx], train=True)
            loss, dlogits = nn.softmax_cross_entropy(logits, y_train[idx])
            net.backward(dlogits)
            opt.step()
            step += 1
            losses.append(loss * len(idx))
            wrong += int(np.sum(np.argmax(logits, axis=1) != y_train[idx]))
        running = [(layer.buffers["mean"], layer.buffers["var"]) for layer in batch_norm_layers(net)]
        test_error_running = float(np.mean(np.argmax(predict(net, x_test), axis=1) != y_test))
        train_logits = recompute_batch_norm(net, x_train)
        predicted = np.argmax(predict(net, x_test), axis=1)
        test_error = float(np.mean(predicted != y_test))
        if epoch < epochs - 1 or keep_running:  # keep training with the running averages untouched
            for layer, (mean, var) in zip(batch_norm_layers(net), running):
                layer.buffers["mean"], layer.buffers["var"] = mean, var
        history["train_loss"].append(float(np.sum(losses) / len(x_train)))
        history["train_error"].append(wrong / len(x_train))
        history["train_error_eval"].append(float(np.mean(np.argmax(train_logits, axis=1) != y_train)))
        history["test_error"].append(test_error)
        history["test_error_running"].append(test_error_running)
        history["seconds"].append(time.time() - start)
        confusion = np.zeros((10, 10), dtype=np.int64)  # confusion[true, predicted] after this epoch
        np.add.at(confusion, (y_test, predicted), 1)
        history["confusion"] = confusion.tolist()
        history["test_predictions"] = predicted.tolist()  # after this epoch, one class per test digit
        if hasattr(os, "getloadavg"):
            LOAD.append(os.getloadavg()[0])
        log(f"  [{name}, seed {seed}] epoch {epoch + 1:>2}/{epochs}  loss {history['train_loss'][-1]:.3f}  "
            f"train err {100 * history['train_error'][-1]:5.1f}% (final weights {100 * history['train_error_eval'][-1]:5.1f}%)  "
            f"test err {100 * test_error:5.2f}% (running BN stats {100 * test_error_running:5.2f}%)  "
            f"({history['seconds'][-1]:.0f} s)", flush=True)
    return history


def exact_turns(name, x):
    """[(degrees, x turned)] for every exact turn of model `name`'s lattice: quarter turns, or the six 60-degree turns.

    np.rot90 on the square grid; on the hexagonal lattice action.transform_image with R^r
    of p6, a permutation of the cells. Both move values only.
    """
    if on_hexagonal_lattice(name):
        return [(60 * r, action.transform_image(x, groups.element("p6", r, 0, 0), group="p6")) for r in range(6)]
    return [(90 * r, np.ascontiguousarray(np.rot90(x, r, axes=(-2, -1)))) for r in range(4)]


def turned_by(name, canvases, angle):
    """The canvases turned by `angle` degrees (interpolated) on model `name`'s lattice, as its input."""
    angles = np.full(len(canvases), float(angle))
    if on_hexagonal_lattice(name):
        return hexagonal_digits(canvases, angles)
    return digits.rotate(canvases, angles)[:, None]


def invariance_experiment(data, epochs, seed, lr=0.01, log=print, models=INVARIANCE_MODELS):
    """(a): train on upright digits; test on every exact turn of the lattice, then at every 15 degrees."""
    result = {}
    for name in models:
        key = data_key(name, "upright")
        x_test, y_test = data[key][2], data[key][3]
        _, _, channels, build = MODELS[name]
        net = build(channels, np.random.default_rng(seed))
        train(name, net, data[key], epochs, seed, lr=lr, log=log)
        turns = exact_turns(name, x_test)
        logits = [predict(net, turned) for _, turned in turns]
        preds = [np.argmax(z, axis=1) for z in logits]
        sweep = [float(np.mean(np.argmax(predict(net, turned_by(name, data["canvas_test"], angle)), axis=1) == y_test))
                 for angle in SWEEP]
        result[name] = {
            "lattice": "hexagonal" if on_hexagonal_lattice(name) else "square",
            "turn_degrees": [degrees for degrees, _ in turns],
            "accuracy": [float(np.mean(p == y_test)) for p in preds],
            "identical_predictions": all(np.array_equal(preds[0], p) for p in preds[1:]),
            "changed_predictions": int(sum(np.sum(preds[0] != p) for p in preds[1:])),
            "max_logit_change": max(residual(logits[0], z).value for z in logits[1:]),
            "sweep_degrees": list(SWEEP),
            "sweep_accuracy": sweep,
        }
        r = result[name]
        log(f"  {name}: accuracy at " + "/".join(str(d) for d in r["turn_degrees"]) + " degrees = "
            + " / ".join(f"{100 * a:.1f}%" for a in r["accuracy"])
            + f"; predictions identical for all {len(turns)} turns: {r['identical_predictions']}"
            + f"; max |logit change| = {r['max_logit_change']:.2g}; every 15 degrees: mean accuracy "
            + f"{100 * np.mean(sweep):.1f}%, lowest {100 * min(sweep):.1f}%", flush=True)
    return result


def table_experiment(data, epochs, seeds, models, lr=0.01, log=print):
    """(b): every model on randomly rotated digits, once per seed."""
    results = {}
    for name in models:
        group, nH, channels, build = MODELS[name]
        key = data_key(name, "rotated")
        runs = []
        for seed in seeds:
            net = build(channels, np.random.default_rng(seed))
            history = train(name, net, data[key], epochs, seed, lr=lr, log=log)
            if group == "p4" and name == "P4CNN":
                # Would mirror invariance (P4M) be a good prior for digits? Ask the trained
                # P4CNN, which is not mirror-invariant, what the mirrored test digits look like.
                x_test, y_test = data["rotated"][2], data["rotated"][3]
                mirrored = np.argmax(predict(net, np.flip(x_test, axis=-2).copy()), axis=1)
                confusion = np.zeros((10, 10), dtype=np.int64)
                np.add.at(confusion, (y_test, mirrored), 1)
                history["mirror_confusion"] = confusion.tolist()
            runs.append(history)
        results[name] = {"group": group, "lattice": "hexagonal" if on_hexagonal_lattice(name) else "square",
                         "channels": channels, "parameters": net.n_parameters(), "runs": runs}
        errs = 100 * np.array([h["test_error"][-1] for h in runs])
        log(f"  {name}: test error {errs.mean():.2f} +- {errs.std(ddof=1) if len(errs) > 1 else 0.0:.2f}% "
            f"over {len(seeds)} seed(s)", flush=True)
    return results


def top_confusions(runs, n=3):
    """The n most frequent unordered pairs {a, b} of (true, predicted) digits, summed over runs."""
    c = np.sum([np.array(h["confusion"]) for h in runs], axis=0)
    pairs = c + c.T
    total = int(c.sum() - np.trace(c))
    ranked = sorted(((int(pairs[a, b]), a, b) for a in range(10) for b in range(a + 1, 10)), reverse=True)[:n]
    return ", ".join(f"{a}↔{b}: {k}" for k, a, b in ranked) + f" (of {total} errors)"


def offset_from_exact_turn(angles, period):
    """Degrees from each angle to the nearest multiple of `period` (0 .. period / 2)."""
    rest = np.mod(angles, period)
    return np.minimum(rest, period - rest)


OFFSET_BINS = ((0, 10), (10, 20), (20, 30), (30, 45))


def error_by_offset(run, period, test_angles, y_test):
    """Test error (%) of one run's final predictions in each bin of OFFSET_BINS (None where a bin is empty)."""
    wrong = np.array(run["test_predictions"]) != y_test
    offset = offset_from_exact_turn(test_angles, period)
    out = []
    for lo, hi in OFFSET_BINS:
        inside = (offset >= lo) & ((offset < hi) if hi < 45 else (offset <= hi))
        out.append(100 * float(wrong[inside].mean()) if inside.any() else None)
    return out, [int(((offset >= lo) & ((offset < hi) if hi < 45 else (offset <= hi))).sum()) for lo, hi in OFFSET_BINS]


def load_summary():
    """The 1-minute load average sampled after every epoch: (mean, min, max, samples), or None."""
    if not LOAD:
        return None
    return float(np.mean(LOAD)), float(np.min(LOAD)), float(np.max(LOAD)), len(LOAD)


def lattice_label(name):
    return "hexagonal, 13 x 13 (127 cells)" if on_hexagonal_lattice(name) else "square, 11 x 11"


def markdown(inv, table, args, n_train, n_test, seconds, context):
    load = context.get("load")
    load_text = (f"The machine's 1-minute load average, sampled after every epoch, was {load[0]:.1f} on average "
                 f"({load[1]:.1f}–{load[2]:.1f} over {load[3]} samples) on {os.cpu_count()} cores: the machine was "
                 f"shared with other jobs, so times are upper bounds." if load else
                 "The load average was not available on this system.")
    lines = ["# Rotated digits: results",
             "",
             f"Generated by `python3 experiments/rotated_digits.py{' ' + ' '.join(args.argv) if args.argv else ''}` "
             f"({n_train} training / {n_test} test images of the 8 x 8 UCI digits on an 11 x 11 canvas, "
             f"for the hexagonal networks resampled onto the hexagon of radius 6 (n = {HEX_SIZE}, 127 cells, one "
             f"lattice step = one pixel); {args.epochs} epochs, Adam with learning rate {args.lr:g} and cosine decay, "
             f"seeds {', '.join(map(str, args.seed_list))}). "
             f"Total time {seconds / 60:.1f} min on {platform.machine()} with {os.cpu_count()} cores. {load_text}",
             ""]
    ink = context.get("ink")
    if ink:
        lines += [f"Ink kept (a digit's sum of values times the area per sample, over the upright digit's sum; "
                  f"mean and lowest over all {n_train + n_test} digits): square canvas turned by the random angles "
                  f"{ink['rotated'][0]:.3f} / {ink['rotated'][1]:.3f}; hexagonal lattice upright "
                  f"{ink['hex_upright'][0]:.3f} / {ink['hex_upright'][1]:.3f}, turned by the same angles "
                  f"{ink['hex_rotated'][0]:.3f} / {ink['hex_rotated'][1]:.3f}.",
                  ""]
    if table:
        lines += ["## Train and test on randomly rotated digits (the paper's Table 1 in miniature)",
                  "",
                  "| network | lattice | filters on | channels | parameters | test error (%), mean ± std | "
                  "same, batch norm with running averages (%) | paper, rotated MNIST (%) |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for name, r in table.items():
            cells = []
            for key in ("test_error", "test_error_running"):
                errs = 100 * np.array([h[key][-1] for h in r["runs"]])
                cells.append(f"{errs.mean():.2f} ± {errs.std(ddof=1) if len(errs) > 1 else 0.0:.2f}")
            lines.append(f"| {name} | {lattice_label(name)} | {r['group']} | {r['channels']} | {r['parameters']:,} | "
                         f"{cells[0]} | {cells[1]} | {PAPER.get(name, '')} |")
        lines += ["",
                  "Test error after the last epoch. Before every evaluation the batch-norm statistics "
                  "are recomputed for the final weights by one pass over the training set (\"precise BN\"; "
                  "`recompute_batch_norm`); the next column uses the running averages kept during training "
                  "instead (momentum 0.1). Parameters are the trained numbers (`nn.Sequential.n_parameters`: "
                  "a 3 x 3 filter on the hexagonal lattice has 7 weights).",
                  "",
                  "Per seed (test error %, in brackets with running averages; final training error "
                  "in test mode; time per run):",
                  ""]
        for name, r in table.items():
            per = ", ".join(f"{100 * h['test_error'][-1]:.2f} ({100 * h['test_error_running'][-1]:.2f}; "
                            f"train {100 * h['train_error_eval'][-1]:.1f}; {h['seconds'][-1]:.0f} s)" for h in r["runs"])
            lines.append(f"- {name}: {per}")
        angles, y_test = context.get("test_angles"), context.get("y_test")
        if angles is not None:
            lines += ["",
                      "Test error (%, mean over seeds) by the test digit's angle: its distance from the nearest "
                      "exact turn of the network's lattice (a multiple of 90° on the square grid, of 60° on the "
                      "hexagonal lattice; the number of test digits in each range in brackets):",
                      "",
                      "| network | " + " | ".join(f"{lo}–{hi}°" for lo, hi in OFFSET_BINS) + " |",
                      "| --- |" + " --- |" * len(OFFSET_BINS)]
            for name, r in table.items():
                period = 60 if on_hexagonal_lattice(name) else 90
                per_run = [error_by_offset(h, period, angles, y_test) for h in r["runs"]]
                counts = per_run[0][1]
                cells = []
                for b in range(len(OFFSET_BINS)):
                    if counts[b] == 0:
                        cells.append("—")
                    else:
                        cells.append(f"{np.mean([e[b] for e, _ in per_run]):.2f} ({counts[b]})")
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += ["",
                  "Most frequent confusions on the test set (true → predicted, summed over seeds; "
                  "a pair and its reverse counted together):",
                  ""]
        for name, r in table.items():
            lines.append(f"- {name}: {top_confusions(r['runs'])}")
        mirror = [h["mirror_confusion"] for h in table.get("P4CNN", {}).get("runs", []) if "mirror_confusion" in h]
        if mirror:
            c = np.sum(mirror, axis=0)
            off = [(int(c[a, b]), a, b) for a in range(10) for b in range(10) if a != b]
            top = ", ".join(f"mirrored {a} → {b}: {k}" for k, a, b in sorted(off, reverse=True)[:4])
            lines += ["",
                      f"Mirror images of digits are mostly other digits: the trained P4CNN (not mirror-invariant) "
                      f"gives the mirrored test digits their own label in only {100 * np.trace(c) / c.sum():.0f}% "
                      f"of cases (summed over seeds; most frequent: {top}). A P4M network's logits are "
                      f"the same for a digit and its mirror image, so it cannot separate such pairs."]
        lines += ["",
                  "Mean ± sample standard deviation over the seeds; the seed sets the initial weights "
                  "and the mini-batch order, the data are fixed. The paper's numbers are for rotated "
                  "MNIST (28 x 28 digits, a much larger training set, deeper networks) and are shown only "
                  f"as the reference point; this miniature has 8 x 8 digits, {n_train:,} training "
                  "images and 4-layer networks.",
                  "",
                  "![learning curves](../figures/14_rotated_digits_curves.png)",
                  ""]
    if inv:
        lines += ["## Trained on upright digits only, tested on turned digits (I1)", ""]
        for lattice, degrees in (("square", (0, 90, 180, 270)), ("hexagonal", (0, 60, 120, 180, 240, 300))):
            rows = {name: r for name, r in inv.items() if r["lattice"] == lattice}
            if not rows:
                continue
            lines += [f"Exact turns of the {lattice} lattice "
                      + ("(np.rot90):" if lattice == "square" else "(R^r of p6, a permutation of the cells):"),
                      "",
                      "| network | " + " | ".join(f"{d}°" for d in degrees)
                      + f" | predictions identical for all {len(degrees)} turns | max abs logit change |",
                      "| --- |" + " --- |" * (len(degrees) + 2)]
            for name, r in rows.items():
                acc = " | ".join(f"{100 * a:.1f}%" for a in r["accuracy"])
                same = "yes" if r["identical_predictions"] else f"no ({r['changed_predictions']} changed)"
                lines.append(f"| {name} | {acc} | {same} | {r['max_logit_change']:.2g} |")
            lines.append("")
        shown = [d for d in SWEEP if d <= 180]
        lines += ["Accuracy on the test digits turned by every 15° (interpolated: `digits.rotate` on the square "
                  "grid, `images.to_hexagonal(angle=)` on the hexagonal lattice; at the exact turns these equal "
                  "the exact turns up to round-off), 0–180° shown, mean and lowest over all 24 angles:",
                  "",
                  "| network | " + " | ".join(f"{d}°" for d in shown) + " | mean | lowest |",
                  "| --- |" + " --- |" * (len(shown) + 2)]
        for name, r in inv.items():
            acc = dict(zip(r["sweep_degrees"], r["sweep_accuracy"]))
            lines.append(f"| {name} | " + " | ".join(f"{100 * acc[d]:.1f}" for d in shown)
                         + f" | {100 * np.mean(r['sweep_accuracy']):.1f} | {100 * min(r['sweep_accuracy']):.1f} |")
        lines += ["",
                  "The G-CNNs' logits change under their exact turns only by float round-off (their layers sum "
                  "the same products in another order), so every prediction is the same for every exact turn.",
                  "",
                  "![invariance](../figures/14_invariance_accuracy.png)",
                  ""]
    lines += ["![the digits on both lattices](../figures/14_hexagonal_digits.png)", ""]
    return "\n".join(lines)


def figures(inv, table, outdir, tag, data=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from groupconv import figures as gc_figures
    from groupconv import plot

    gc_figures.use_slide_style()
    save = {"metadata": {"Software": None}}
    paths = []
    if table:
        fig, axes = plt.subplots(1, 3, figsize=(17, 6), layout="constrained")
        colours = dict(zip(table, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
        panels = (("train_loss", 1), ("test_error", 100), ("test_error_running", 100))
        for name, r in table.items():
            for (key, scale), ax in zip(panels, axes):
                curves = np.array([h[key] for h in r["runs"]]) * scale
                epochs = np.arange(1, curves.shape[1] + 1)
                style = "--" if on_hexagonal_lattice(name) else "-"
                ax.plot(epochs, curves.mean(axis=0), style, color=colours[name],
                        label=f"{name} ({r['parameters']:,} params, {'hexagonal' if style == '--' else 'square'})")
                if len(curves) > 1:
                    ax.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=colours[name], alpha=0.15)
        axes[0].set(title="training loss\n(mean over seeds; band: min-max)", xlabel="epoch", ylabel="cross-entropy")
        axes[1].set(title="test error, batch-norm statistics\nrecomputed for the current weights",
                    xlabel="epoch", ylabel="test error (%)")
        axes[2].set(title="test error, batch-norm running averages\n(momentum 0.1, kept during training)",
                    xlabel="epoch", ylabel="test error (%)")
        axes[0].set_yscale("log")
        top = 5 * math.ceil(max(ax.get_ylim()[1] for ax in axes[1:]) / 5)
        for ax in axes[1:]:
            ax.set_ylim(0, top)
        for ax in axes:
            ax.grid(alpha=0.3)
        fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncol=3)
        fig.suptitle("Rotated 8x8 digits: planar CNN vs G-CNNs on the square and the hexagonal lattice")
        path = os.path.join(outdir, f"14_rotated_digits_curves{tag}.png")
        fig.savefig(path, dpi=100, **save)
        plt.close(fig)
        paths.append(path)
    if inv:
        fig, ax = plt.subplots(figsize=(12, 6), layout="constrained")
        for name, r in inv.items():
            line, = ax.plot(r["sweep_degrees"] + [360], 100 * np.array(r["sweep_accuracy"] + r["sweep_accuracy"][:1]),
                            "--" if r["lattice"] == "hexagonal" else "-", marker=".",
                            label=f"{name} ({r['lattice']} lattice)")
            if name != "planar CNN":
                ax.plot(r["turn_degrees"] + [360], 100 * np.array(r["accuracy"] + r["accuracy"][:1]), "o",
                        color=line.get_color(), markersize=10)
        ax.plot([], [], "o", color="0.3", markersize=10, label="exact turns of the G-CNN's lattice")
        ax.set_xticks(range(0, 361, 30))
        ax.set(xlabel="test digits turned by (degrees)", ylabel="test accuracy (%)", ylim=(0, 105), xlim=(0, 360),
               title="Trained on upright digits only, tested at every 15°")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left")
        path = os.path.join(outdir, f"14_invariance_accuracy{tag}.png")
        fig.savefig(path, dpi=100, **save)
        plt.close(fig)
        paths.append(path)
    if data is not None:
        angles = data["angles"][1][:6]
        square = data["rotated"][2][:6, 0]
        hexagonal = data["hex_rotated"][2][:6, 0]
        fig, axes = plt.subplots(2, 6, figsize=(17, 6.4), layout="constrained")
        for i in range(6):
            axes[0, i].imshow(gc_figures.steady(square[i]), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            axes[0, i].set_title(f"turned by {angles[i]:.0f}°")
            axes[0, i].set_xticks([])
            axes[0, i].set_yticks([])
            plot.plot_hexagonal_image(axes[1, i], gc_figures.steady(hexagonal[i]), cmap="gray_r", vmin=0, vmax=1,
                                      edgecolor="0.85")
        axes[0, 0].set_ylabel("square, 11 x 11")
        axes[1, 0].set_axis_on()
        axes[1, 0].set_ylabel("hexagonal, 127 cells")
        fig.suptitle("Test digits turned by their random angles, on the square grid and on the hexagonal lattice "
                     "(one interpolation each)")
        path = os.path.join(outdir, f"14_hexagonal_digits{tag}.png")
        fig.savefig(path, dpi=100, **save)
        plt.close(fig)
        paths.append(path)
    return paths


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--experiment", choices=("invariance", "table", "all"), default="all")
    p.add_argument("--fast", action="store_true",
                   help="smoke run: a quarter of the data, 2 epochs, 1 seed, small outputs in --out")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds for the table (default 3; fast: 1)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per run (default 15; fast: 2)")
    p.add_argument("--lr", type=float, default=0.01, help="Adam's initial learning rate, decayed to 0 (default 0.01)")
    p.add_argument("--models", default=None,
                   help="comma-separated subset of: " + ", ".join(MODELS)
                   + " for the table (default: all; fast: planar CNN,P4CNN,P6CNN)")
    p.add_argument("--out", default=None,
                   help="directory for results.md and the figures (default: experiments/ and figures/ of the repository)")
    args = p.parse_args(argv)
    args.argv = list(argv)
    args.seeds = args.seeds if args.seeds is not None else (1 if args.fast else 3)
    args.epochs = args.epochs if args.epochs is not None else (2 if args.fast else 15)
    if args.seeds < 1 or args.epochs < 1 or not args.lr > 0:
        p.error("--seeds, --epochs and --lr must be positive")
    args.seed_list = list(range(args.seeds))
    names = args.models.split(",") if args.models else (["planar CNN", "P4CNN", "P6CNN"] if args.fast else list(MODELS))
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {unknown}; choose from {list(MODELS)}")
    args.model_list = names
    return args


def write_json(summary, path):
    """Write the summary as indented JSON with every list of numbers on one line (the curves, predictions, angles)."""
    text = json.dumps(summary, indent=1)
    text = re.sub(r"\[\s+([-+0-9.eE,\s]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start = time.time()
    LOAD.clear()
    if hasattr(os, "getloadavg"):
        LOAD.append(os.getloadavg()[0])
    data = load_data(args.fast)
    n_train, n_test = len(data["upright"][0]), len(data["upright"][2])
    ink = ink_kept(data)
    print(f"rotated digits: {n_train} train / {n_test} test images, {args.epochs} epochs, seeds {args.seed_list}; "
          f"ink kept on the hexagonal lattice, turned: mean {ink['hex_rotated'][0]:.3f}, lowest {ink['hex_rotated'][1]:.3f}",
          flush=True)
    inv = table = None
    if args.experiment in ("invariance", "all"):
        print("(a) invariance: trained upright, tested turned", flush=True)
        inv = invariance_experiment(data, args.epochs, args.seed_list[0], args.lr)
    if args.experiment in ("table", "all"):
        print("(b) randomly rotated digits", flush=True)
        table = table_experiment(data, args.epochs, args.seed_list, args.model_list, args.lr)
    seconds = time.time() - start
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        results_path, fig_dir = os.path.join(args.out, "results.md"), args.out
    else:
        results_path, fig_dir = os.path.join(ROOT, "experiments", "results.md"), os.path.join(ROOT, "figures")
    context = {"ink": ink, "load": load_summary(), "test_angles": data["angles"][1], "y_test": data["upright"][3]}
    with open(results_path, "w", encoding="utf-8") as fh:
        fh.write(markdown(inv, table, args, n_train, n_test, seconds, context) + "\n")
    summary = {"args": args.argv, "n_train": n_train, "n_test": n_test, "epochs": args.epochs,
               "seeds": args.seed_list, "seconds": seconds, "cores": os.cpu_count(), "load": load_summary(),
               "load_samples": list(LOAD), "ink_kept": ink, "hexagonal": {"n": HEX_SIZE, "scale": HEX_SCALE},
               "test_angles": data["angles"][1].tolist(), "test_labels": data["upright"][3].tolist(),
               "invariance": inv, "table": table}
    write_json(summary, os.path.splitext(results_path)[0] + ".json")
    paths = figures(inv, table, fig_dir, "", data)
    print(f"wrote {os.path.relpath(results_path)} (and .json) and {', '.join(os.path.relpath(p) for p in paths)} "
          f"({seconds:.0f} s in all)")
    return {"invariance": inv, "table": table, "seconds": seconds}


if __name__ == "__main__":
    main()
