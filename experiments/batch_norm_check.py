"""Why the test error of experiments/rotated_digits.py jumps about in the first epochs: batch-norm running averages.

In training, every BatchNorm normalises with the statistics of the current mini-batch and
keeps a running average of them (momentum 0.1) for test time. This script trains the P4CNN
of the experiment (seed 0, the same data, learning rate and schedule) for a few epochs and
then measures, with the weights frozen:

  1. how far the running averages are from the true statistics of each BatchNorm's input
     over the training set (in units of its standard deviation), and what test error each
     gives;
  2. whether the running averages reach the true statistics when the weights stop
     moving: 200 more training-mode passes on random mini-batches of 32 that only update
     the running averages (no optimiser step). If BatchNorm kept the wrong statistics
     (wrong axes, momentum the wrong way round, updates in test mode), they would not.

With --widths it also trains the P4CNN with 6 channels and the P4M-CNN with 8 (3 seeds
each, a few minutes): is P4M's result a matter of its width (6 channels, to keep the
parameter count) or of its symmetry?

Usage (from the repository root):
    python3 experiments/batch_norm_check.py              # about 15 s
    python3 experiments/batch_norm_check.py --widths     # and the width comparison
"""
import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see rotated_digits.py

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from groupconv import nn  # noqa: E402
import rotated_digits as rd  # noqa: E402


def true_statistics(net, x):
    """Mean and variance of each BatchNorm's input over x (per channel), with the network in test mode."""
    stats, h = [], x
    for layer in net.layers:
        if isinstance(layer, nn.BatchNorm):
            axes = layer._axes(h)
            stats.append((h.mean(axis=axes, keepdims=True), h.var(axis=axes, keepdims=True)))
        h = layer.forward(h, train=False)
    return stats


def offsets(net, x):
    """Per BatchNorm: largest |running mean - true mean| / true std, and the range of running var / true var."""
    rows = []
    for layer, (mean, var) in zip(rd.batch_norm_layers(net), true_statistics(net, x)):
        shift = np.abs(layer.buffers["mean"] - mean) / np.sqrt(var)
        ratio = layer.buffers["var"] / var
        rows.append((float(shift.max()), float(ratio.min()), float(ratio.max())))
    return rows


def error(net, x, y):
    return float(np.mean(np.argmax(rd.predict(net, x), axis=1) != y))


def show(title, net, x_train, y_train, x_test, y_test):
    print(title)
    for j, (shift, lo, hi) in enumerate(offsets(net, x_train)):
        print(f"    BatchNorm {j + 1}: max |running mean - true mean| = {shift:.2f} std; running var / true var in [{lo:.2f}, {hi:.2f}]")
    print(f"    error in test mode: training set {100 * error(net, x_train, y_train):.1f}%, "
          f"test set {100 * error(net, x_test, y_test):.1f}%")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=5, help="epochs to train before looking (default 5)")
    p.add_argument("--widths", action="store_true", help="also compare P4CNN and P4M-CNN at equal widths (3 seeds)")
    args = p.parse_args(argv)
    data = rd.load_data(False)
    x_train, y_train, x_test, y_test = data["rotated"]
    _, _, channels, build = rd.MODELS["P4CNN"]
    net = build(channels, np.random.default_rng(0))
    total = 15  # the learning-rate schedule of the full experiment, stopped after --epochs
    rd.train("P4CNN", net, data["rotated"], args.epochs, 0, log=lambda *a, **k: None,
             schedule_epochs=total, keep_running=True)
    running = [(layer.buffers["mean"], layer.buffers["var"]) for layer in rd.batch_norm_layers(net)]
    show(f"P4CNN, seed 0, after epoch {args.epochs} of {total}: running averages from training", net, *data["rotated"])
    rng = np.random.default_rng(1)
    for _ in range(200):  # weights frozen: only the running averages move
        net.forward(x_train[rng.choice(len(x_train), 32, replace=False)], train=True)
    show("  same weights, after 200 more training-mode passes (no weight update):", net, *data["rotated"])
    for layer, (mean, var) in zip(rd.batch_norm_layers(net), running):
        layer.buffers["mean"], layer.buffers["var"] = mean, var
    rd.recompute_batch_norm(net, x_train)
    show("  same weights, statistics recomputed on the training set (recompute_batch_norm):", net, *data["rotated"])
    if args.widths:
        print("Width: P4CNN and P4M-CNN at 6 and 8 channels, 15 epochs, seeds 0-2 (test error with recomputed statistics)")
        for group, c in (("p4", 6), ("p4", 8), ("p4m", 6), ("p4m", 8)):
            errs, losses = [], []
            for seed in range(3):
                net = nn.gcnn(group, c, rng=np.random.default_rng(seed))
                h = rd.train(f"{group} {c}", net, data["rotated"], 15, seed, log=lambda *a, **k: None)
                errs.append(100 * h["test_error"][-1])
                losses.append(h["train_loss"][-1])
            print(f"    {group}, {c} channels, {net.n_parameters():,} parameters: test error "
                  f"{np.mean(errs):.2f} +- {np.std(errs, ddof=1):.2f}% ({', '.join(f'{e:.2f}' for e in errs)}); "
                  f"final training loss {', '.join(f'{v:.3f}' for v in losses)}", flush=True)


if __name__ == "__main__":
    main()
