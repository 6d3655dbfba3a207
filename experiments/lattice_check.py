"""Why the hexagonal networks of experiments/rotated_digits.py fit the training set less well: two controls.

In the rotated-digits table the P6CNN and the P6M-CNN end with a higher training error
than the square-grid G-CNNs (the P6M-CNN much higher). Two differences between the
lattices' networks could cause that, and each control changes one of them on its own:

  pooling   nn.gcnn has a strided max pool on the square grid (window 3, stride 2: the last
            two blocks see an 11 x 11 digit at 5 x 5) and none on the hexagonal lattice
            (square windows do not fit the hexagon). Control: the P4CNN of the table with
            its max pool removed - square grid, same channels, the hexagonal networks'
            architecture.
  width     at equal parameter counts the hexagonal networks are narrow: 7 channels
            (P6CNN) and 5 (P6M-CNN; its classifier sees 5 pooled numbers for 10 classes),
            against the P4CNN's 8. Controls: the P6CNN with 8 channels (the P4CNN's width)
            and the P6M-CNN with 7 (the P6CNN's width) - more parameters, same everything
            else.

Every run is the table's: the same data (digits turned by random angles; on the hexagonal
lattice resampled as in rotated_digits.py), 15 epochs, Adam 0.01 with cosine decay,
batch-norm statistics recomputed before testing, seeds 0-2. Printed: test error and final
training error (test mode) per seed, and their means.

Usage (from the repository root):
    python3 experiments/lattice_check.py                      # all three controls, 3 seeds (17 min
                                                              # on the 2-core machine used here, load 1.7)
    python3 experiments/lattice_check.py --controls pooling   # one of pooling, p6-width, p6m-width
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see rotated_digits.py

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from groupconv import nn  # noqa: E402
import rotated_digits as rd  # noqa: E402


def without_pooling(net):
    """The network with its strided max pool(s) removed: every later layer sees the full frame."""
    net.layers = [layer for layer in net.layers if not isinstance(layer, nn.MaxPool)]
    return net


CONTROLS = {  # name -> (what it is, data set, channels, builder)
    "pooling": ("P4CNN without its max pool", "rotated", 8,
                lambda c, rng: without_pooling(nn.gcnn("p4", c, rng=rng))),
    "p6-width": ("P6CNN with 8 channels", "hex_rotated", 8, lambda c, rng: nn.gcnn("p6", c, rng=rng)),
    "p6m-width": ("P6M-CNN with 7 channels", "hex_rotated", 7, lambda c, rng: nn.gcnn("p6m", c, rng=rng)),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--controls", default=",".join(CONTROLS),
                   help="comma-separated subset of: " + ", ".join(CONTROLS) + " (default: all)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per control (default 3)")
    p.add_argument("--epochs", type=int, default=15, help="epochs per run (default 15, as the table)")
    args = p.parse_args(argv)
    names = args.controls.split(",")
    unknown = [n for n in names if n not in CONTROLS]
    if unknown or args.seeds < 1 or args.epochs < 1:
        p.error(f"controls must be among {list(CONTROLS)} and seeds, epochs positive; got {args.controls!r}")
    start = time.time()
    data = rd.load_data(False)
    for name in names:
        what, key, channels, build = CONTROLS[name]
        errors, train_errors, losses = [], [], []
        for seed in range(args.seeds):
            net = build(channels, np.random.default_rng(seed))
            h = rd.train(what, net, data[key], args.epochs, seed, log=lambda *a, **k: None)
            errors.append(100 * h["test_error"][-1])
            train_errors.append(100 * h["train_error_eval"][-1])
            losses.append(h["train_loss"][-1])
        print(f"{what} ({net.n_parameters():,} parameters): test error {np.mean(errors):.2f} +- "
              f"{np.std(errors, ddof=1) if len(errors) > 1 else 0.0:.2f}% ({', '.join(f'{e:.2f}' for e in errors)}); "
              f"final training error {np.mean(train_errors):.2f}% ({', '.join(f'{e:.1f}' for e in train_errors)}); "
              f"final training loss {', '.join(f'{v:.3f}' for v in losses)}", flush=True)
    load = rd.load_summary()
    print(f"{(time.time() - start) / 60:.1f} min" + (f"; 1-minute load average {load[0]:.1f} on average "
                                                     f"({load[1]:.1f}-{load[2]:.1f}) on {os.cpu_count()} cores"
                                                     if load else ""))


if __name__ == "__main__":
    main()
