"""Rotated digits: the invariance of a P4CNN, and the paper's Table 1 in miniature (docs/equations.md I1; paper section 8.1).

Data: the 1,797 8 x 8 UCI digits vendored in groupconv/data (groupconv/digits.py), on an
11 x 11 canvas, split 70 / 30 into train and test, stratified by digit (split seed 0).

(a) invariance  Train a planar CNN and a P4CNN on *upright* digits only. Test both on the
                test set turned by 0, 90, 180 and 270 degrees (exact quarter turns). The
                P4CNN's logits are invariant to quarter turns (I1), so its predictions must
                be identical for all four turns (checked image by image); the planar CNN
                has never seen a turned digit and its accuracy collapses.
(b) table       Train and test on digits turned by random angles in [0, 360) (bilinear
                interpolation; one fixed draw for the train set and one for the test set),
                as rotated MNIST does: planar CNN vs P4CNN vs P4M-CNN vs a P4CNN with
                rotation pooling after every layer. Channel counts are the planar
                network's divided by sqrt(|H|), as in the paper, so that the numbers of
                parameters are comparable (a filter on G has |H| times as many entries).
                Test error, mean +- std over several seeds (the seed sets the initial
                weights and the order of the mini-batches; the data stay fixed).

Every network has the same shape (groupconv/nn.py): 4 conv layers of 3 x 3, batch norm,
ReLU, one max pool (window 3, stride 2: 11 -> 5, a grid symmetric about the centre),
global average pooling (over space and the group axis), a linear classifier. Training:
Adam, mini-batches of 32, cosine learning-rate decay, cross-entropy. Evaluation: after every
epoch the batch-norm statistics are recomputed for the current weights by one pass over the
training set ("precise BN", recompute_batch_norm) before the test set is classified; the test
error with the running averages kept during training is recorded next to it.

Usage (from the repository root):
    python3 experiments/rotated_digits.py            # both experiments, 3 seeds: writes
                                                     # experiments/results.md, figures/14_*.png
    python3 experiments/rotated_digits.py --fast     # smoke run on a subset (under a minute)
    python3 experiments/rotated_digits.py --experiment table --seeds 5 --epochs 20
A line of progress is printed after every epoch of every run.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

# One BLAS thread: the matrices here are small, and on a machine shared with other jobs
# BLAS threads waiting for each other cost far more than they save (measured: steps 2-10x
# slower and erratic with 2 threads under load). Set before NumPy is imported; an
# OPENBLAS_NUM_THREADS given by the caller wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from groupconv import digits, nn  # noqa: E402
from groupconv.checks import residual  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PLANAR_CHANNELS = 16

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
}
PAPER = {"planar CNN": "5.03 (Z2CNN)", "P4CNN": "2.28"}  # rotated MNIST test error (%), Cohen & Welling 2016, Table 1


def load_data(fast, data_seed=0):
    """Upright and randomly rotated canvases, and the train/test split."""
    images, labels = digits.load()
    x = digits.canvas(images)[:, None]  # (N, 1, 11, 11)
    train, test = digits.split(labels, 0.3, seed=data_seed)
    if fast:  # a stratified-enough subset: every 4th image
        train, test = train[::4], test[::3]
    rng = np.random.default_rng(data_seed)
    rotated_train, _ = digits.random_rotations(x[train, 0], rng)
    rotated_test, _ = digits.random_rotations(x[test, 0], rng)
    return {"upright": (x[train], labels[train], x[test], labels[test]),
            "rotated": (rotated_train[:, None], labels[train], rotated_test[:, None], labels[test])}


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
            axes = layer._axes(chunks[0])
            n = sum(math.prod(c.shape[a] for a in axes) for c in chunks)
            mean = sum(c.sum(axis=axes, keepdims=True) for c in chunks) / n
            var = sum(((c - mean) ** 2).sum(axis=axes, keepdims=True) for c in chunks) / n
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
               "test_error_running": [], "seconds": [], "confusion": None}
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
        log(f"  [{name}, seed {seed}] epoch {epoch + 1:>2}/{epochs}  loss {history['train_loss'][-1]:.3f}  "
            f"train err {100 * history['train_error'][-1]:5.1f}% (final weights {100 * history['train_error_eval'][-1]:5.1f}%)  "
            f"test err {100 * test_error:5.2f}% (running BN stats {100 * test_error_running:5.2f}%)  "
            f"({history['seconds'][-1]:.0f} s)", flush=True)
    return history


def invariance_experiment(data, epochs, seed, lr=0.01, log=print):
    """(a): train on upright digits, test on the test set turned by r quarter turns."""
    x_train, y_train, x_test, y_test = data["upright"]
    result = {}
    for name in ("planar CNN", "P4CNN"):
        _, _, channels, build = MODELS[name]
        net = build(channels, np.random.default_rng(seed))
        train(name, net, data["upright"], epochs, seed, lr=lr, log=log)
        logits = [predict(net, np.rot90(x_test, r, axes=(-2, -1)).copy()) for r in range(4)]
        preds = [np.argmax(z, axis=1) for z in logits]
        result[name] = {
            "accuracy": [float(np.mean(p == y_test)) for p in preds],
            "identical_predictions": all(np.array_equal(preds[0], p) for p in preds[1:]),
            "changed_predictions": int(sum(np.sum(preds[0] != p) for p in preds[1:])),
            "max_logit_change": max(residual(logits[0], z).value for z in logits[1:]),
        }
        r = result[name]
        log(f"  {name}: accuracy at 0/90/180/270 degrees = "
            + " / ".join(f"{100 * a:.1f}%" for a in r["accuracy"])
            + f"; predictions identical for all four turns: {r['identical_predictions']}"
            + f"; max |logit change| = {r['max_logit_change']:.2g}", flush=True)
    return result


def table_experiment(data, epochs, seeds, models, lr=0.01, log=print):
    """(b): every model on randomly rotated digits, once per seed."""
    results = {}
    for name in models:
        group, nH, channels, build = MODELS[name]
        runs = []
        for seed in seeds:
            net = build(channels, np.random.default_rng(seed))
            history = train(name, net, data["rotated"], epochs, seed, lr=lr, log=log)
            if group == "p4" and name == "P4CNN":
                # Would mirror invariance (P4M) be a good prior for digits? Ask the trained
                # P4CNN, which is not mirror-invariant, what the mirrored test digits look like.
                x_test, y_test = data["rotated"][2], data["rotated"][3]
                mirrored = np.argmax(predict(net, np.flip(x_test, axis=-2).copy()), axis=1)
                confusion = np.zeros((10, 10), dtype=np.int64)
                np.add.at(confusion, (y_test, mirrored), 1)
                history["mirror_confusion"] = confusion.tolist()
            runs.append(history)
        results[name] = {"group": group, "channels": channels, "parameters": net.n_parameters(), "runs": runs}
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


def markdown(inv, table, args, n_train, n_test, seconds):
    lines = ["# Rotated digits: results",
             "",
             f"Generated by `python3 experiments/rotated_digits.py{' ' + ' '.join(args.argv) if args.argv else ''}` "
             f"({n_train} training / {n_test} test images of the 8 x 8 UCI digits on an 11 x 11 canvas, "
             f"{args.epochs} epochs, Adam with learning rate {args.lr:g} and cosine decay, "
             f"seeds {', '.join(map(str, args.seed_list))}). "
             f"Total time {seconds / 60:.1f} min on {platform.machine()} with {os.cpu_count()} cores "
             f"(shared with other jobs while it ran, so times are upper bounds).",
             ""]
    if table:
        lines += ["## Train and test on randomly rotated digits (the paper's Table 1 in miniature)",
                  "",
                  "| network | filters on | channels | parameters | test error (%), mean ± std | "
                  "same, batch norm with running averages (%) | paper, rotated MNIST (%) |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for name, r in table.items():
            cells = []
            for key in ("test_error", "test_error_running"):
                errs = 100 * np.array([h[key][-1] for h in r["runs"]])
                cells.append(f"{errs.mean():.2f} ± {errs.std(ddof=1) if len(errs) > 1 else 0.0:.2f}")
            lines.append(f"| {name} | {r['group']} | {r['channels']} | {r['parameters']:,} | "
                         f"{cells[0]} | {cells[1]} | {PAPER.get(name, '')} |")
        lines += ["",
                  "Test error after the last epoch. Before every evaluation the batch-norm statistics "
                  "are recomputed for the final weights by one pass over the training set (\"precise BN\"; "
                  "`recompute_batch_norm`); the next column uses the running averages kept during training "
                  "instead (momentum 0.1).",
                  "",
                  "Per seed (test error %, in brackets with running averages; final training error "
                  "in test mode; time per run):",
                  ""]
        for name, r in table.items():
            per = ", ".join(f"{100 * h['test_error'][-1]:.2f} ({100 * h['test_error_running'][-1]:.2f}; "
                            f"train {100 * h['train_error_eval'][-1]:.1f}; {h['seconds'][-1]:.0f} s)" for h in r["runs"])
            lines.append(f"- {name}: {per}")
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
        lines += ["## Trained on upright digits only, tested on turned digits (I1)",
                  "",
                  "| network | 0° | 90° | 180° | 270° | predictions identical for all four turns | "
                  "max abs logit change |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for name, r in inv.items():
            acc = " | ".join(f"{100 * a:.1f}%" for a in r["accuracy"])
            same = "yes" if r["identical_predictions"] else f"no ({r['changed_predictions']} changed)"
            lines.append(f"| {name} | {acc} | {same} | {r['max_logit_change']:.2g} |")
        lines += ["",
                  "Accuracy on the test set turned by exact quarter turns (np.rot90). The P4CNN's "
                  "logits change only by float round-off (its layers sum the same products in "
                  "another order), so every prediction is the same for all four turns.",
                  "",
                  "![invariance](../figures/14_invariance_accuracy.png)",
                  ""]
    return "\n".join(lines)


def figures(inv, table, outdir, tag):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    if table:
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
        colours = dict(zip(table, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
        panels = (("train_loss", 1), ("test_error", 100), ("test_error_running", 100))
        for name, r in table.items():
            for (key, scale), ax in zip(panels, axes):
                curves = np.array([h[key] for h in r["runs"]]) * scale
                epochs = np.arange(1, curves.shape[1] + 1)
                ax.plot(epochs, curves.mean(axis=0), color=colours[name], label=f"{name} ({r['parameters']:,} params)")
                if len(curves) > 1:
                    ax.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=colours[name], alpha=0.2)
        axes[0].set(title="training loss (mean over seeds; band: min-max)", xlabel="epoch", ylabel="cross-entropy")
        axes[1].set(title="test error, batch-norm statistics\nrecomputed for the current weights",
                    xlabel="epoch", ylabel="test error (%)")
        axes[2].set(title="test error, batch-norm running averages\n(momentum 0.1, kept during training)",
                    xlabel="epoch", ylabel="test error (%)")
        axes[0].set_yscale("log")
        top = 5 * math.ceil(max(ax.get_ylim()[1] for ax in axes[1:]) / 5)
        for ax in axes[1:]:
            ax.set_ylim(0, top)
        axes[1].legend(fontsize=8)
        for ax in axes:
            ax.grid(alpha=0.3)
        fig.suptitle("Rotated 8x8 digits: planar CNN vs G-CNNs (experiments/rotated_digits.py)")
        fig.tight_layout()
        path = os.path.join(outdir, f"14_rotated_digits_curves{tag}.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    if inv:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        width = 0.38
        for n, (name, r) in enumerate(inv.items()):
            bars = ax.bar(np.arange(4) + (n - 0.5) * width, 100 * np.array(r["accuracy"]), width, label=name)
            ax.bar_label(bars, fmt="%.0f", fontsize=8)
        ax.set_xticks(np.arange(4), ["0°", "90°", "180°", "270°"])
        ax.set(xlabel="test digits turned by", ylabel="test accuracy (%)",
               title="Trained on upright digits only")
        ax.set_ylim(0, 118)
        ax.legend(loc="upper center", ncol=2)
        fig.tight_layout()
        path = os.path.join(outdir, f"14_invariance_accuracy{tag}.png")
        fig.savefig(path, dpi=110)
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
                   help="comma-separated subset of: " + ", ".join(MODELS) + " (default: all; fast: planar CNN,P4CNN)")
    p.add_argument("--out", default=None,
                   help="directory for results.md and the figures (default: experiments/ and figures/ of the repository)")
    args = p.parse_args(argv)
    args.argv = list(argv)
    args.seeds = args.seeds if args.seeds is not None else (1 if args.fast else 3)
    args.epochs = args.epochs if args.epochs is not None else (2 if args.fast else 15)
    if args.seeds < 1 or args.epochs < 1 or not args.lr > 0:
        p.error("--seeds, --epochs and --lr must be positive")
    args.seed_list = list(range(args.seeds))
    names = args.models.split(",") if args.models else (["planar CNN", "P4CNN"] if args.fast else list(MODELS))
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {unknown}; choose from {list(MODELS)}")
    args.model_list = names
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start = time.time()
    data = load_data(args.fast)
    n_train, n_test = len(data["upright"][0]), len(data["upright"][2])
    print(f"rotated digits: {n_train} train / {n_test} test images, {args.epochs} epochs, seeds {args.seed_list}",
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
    with open(results_path, "w", encoding="utf-8") as fh:
        fh.write(markdown(inv, table, args, n_train, n_test, seconds) + "\n")
    summary = {"args": args.argv, "n_train": n_train, "n_test": n_test, "epochs": args.epochs,
               "seeds": args.seed_list, "seconds": seconds, "invariance": inv, "table": table}
    with open(os.path.splitext(results_path)[0] + ".json", "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=1)
    paths = figures(inv, table, fig_dir, "")
    print(f"wrote {os.path.relpath(results_path)} (and .json) and {', '.join(os.path.relpath(p) for p in paths)} "
          f"({seconds:.0f} s in all)")
    return {"invariance": inv, "table": table, "seconds": seconds}


if __name__ == "__main__":
    main()
