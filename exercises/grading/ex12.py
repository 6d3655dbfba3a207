"""Grading exercise 12: an invariant network, accuracies on turned digits, and a training loop.

Residuals: the invariance of the logits under quarter turns is float round-off (the
turned digit is summed in another order; FLOAT_TOL relative); accuracies are fractions
of correct labels, compared within float round-off. The training task trains the grader's own
small p4 network with the submitted loop (so it does not depend
on task 1) and asks for a falling loss and a test accuracy well above chance.

The exercise's rules are checked by behaviour, never by reading the text: the network
arrives as a groupconv.nn.Sequential rebuilt from data, so its layer types are known (no
BatchNorm, no Dropout, at most 3,000 parameters), and building it twice from the same
generator state must give the same network, from another seed another one (the layers are
made with the given rng). The training function runs observed (runner.Observer): the
grader reads which rows of the images each forward pass saw, the backward passes, the
optimisers created and their steps. So it checks, for two step counts, one optimiser
created before the first step, `steps` training forwards of 32 distinct training images,
`steps` backward passes and optimiser steps, the returned losses equal to the losses of
those forwards, and batches drawn from the given rng (the same state twice gives the same
batches, another seed other batches). accuracy_under_turns must run the network in test
mode.
"""
import numpy as np

from groupconv import digits, nn
from groupconv.checks import SEED

from .framework import COURSE_SEED, Case, Failure, Task, expect_array, generator, search, type_name

FORBIDDEN = {}

EXTRA_HINTS = {
    "planar_layer": "Your network contains a PlanarConv: a planar correlation does not commute with turns "
                    "(tutorial 06, C6). Lift to p4 first (LiftingConv) and stay on p4 until the global pool.",
    "not_turned": "All four accuracies are those of the upright digits: turn the images by r quarter turns "
                  "(digits.quarter_turns(images, r)) before classifying them.",
    "clockwise_turns": "Your turns go clockwise: entry r must use the images turned by r quarter turns "
                       "counter-clockwise, np.rot90(image, r) (digits.quarter_turns).",
}

CANVAS = 9
MAX_PARAMETERS = 3000
_data = []


def data():
    """(x_train, y_train, x_test, y_test): the split the exercise's load_data gives, computed here once."""
    if not _data:
        images, labels = digits.load()
        train, test = digits.split(labels, test_fraction=0.3, seed=0)
        x = digits.canvas(images, CANVAS)[:, None]
        _data.append((x[train[:600]], labels[train[:600]], x[test[:300]], labels[test[:300]]))
    return _data[0]


def reference_network(rng):
    """The grader's own p4 network for the training task (8 channels, each tanh before its bias, max pooled):
    it trains to 40-65 % in 200 steps with either optimiser the exercise allows."""
    width = 8
    lift, conv = nn.LiftingConv(1, width, "p4", 3, "same", rng), nn.GroupConv(width, width, "p4", 3, "same", rng)
    return nn.Sequential(lift, nn.Tanh(), nn.Bias(width), conv, nn.Tanh(), nn.Bias(width), nn.GlobalPool("max"),
                         nn.Linear(width, 10, rng))


def fitted_planar_cnn(rng):
    """A planar CNN (not invariant) that tells upright digits apart: random convolution features and a linear
    read-out fitted by least squares to one-hot labels (no training loop)."""
    net = nn.planar_cnn(channels=8, batch_norm=False, rng=rng)
    x, y = data()[:2]
    features = nn.Sequential(*net.layers[:-1]).forward(x)
    design = np.hstack([features, np.ones((len(x), 1))])
    solution = np.linalg.lstsq(design, np.eye(10)[y], rcond=None)[0]
    net.layers[-1].params["W"], net.layers[-1].params["b"] = solution[:-1], solution[-1]
    return net


def logits(net, x, what="the network"):
    try:
        out = net.forward(x)
    except Exception as exc:  # the submission's network
        raise Failure(f"{what} fails on a batch of shape {x.shape}: {type(exc).__name__}: {exc}") from None
    return expect_array(out, what, shape=(x.shape[0], 10), dtype=np.float64)


NOT_ALLOWED = ("BatchNorm", "Dropout")


def built(sub, seed):
    """The submission's build_network(rng) for a generator of this seed, checked to be a Sequential of nn layers."""
    net = sub.call("build_network", np.random.default_rng(seed))
    if not isinstance(net, nn.Sequential):
        text = getattr(net, "text", "")
        raise Failure(f"build_network must return an nn.Sequential of groupconv.nn layers, got {type_name(net)}"
                      + (f" ({text})" if text else ""))
    kinds = [type(layer).__name__ for layer in net.layers]
    banned = [kind for kind in kinds if kind in NOT_ALLOWED]
    if banned:
        raise Failure(f"the network contains {banned[0]}: the rules exclude BatchNorm and Dropout (their train and "
                      "test modes would complicate the checks)", {"layers": ", ".join(kinds)})
    return net


def same_state(a, b):
    sa, sb = a.state(), b.state()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


BUILD_SEEDS = (SEED, SEED + 7) if not COURSE_SEED else tuple(int(s) for s in generator(120).integers(0, 2 ** 31, size=2))


def check_build(sub):
    net = built(sub, BUILD_SEEDS[0])
    count = net.n_parameters()
    if not 0 < count <= MAX_PARAMETERS:
        raise Failure(f"the network has {count} parameters; it must have between 1 and {MAX_PARAMETERS}")
    if not same_state(net, built(sub, BUILD_SEEDS[0])):
        raise Failure("build_network gave two different networks for two generators in the same state: create "
                      "every layer with the rng you are given (not with a generator of your own), so that the "
                      "network is reproducible")
    if same_state(net, built(sub, BUILD_SEEDS[1])):
        raise Failure("build_network gave the same network for generators of two different seeds: create every "
                      "layer with the rng you are given (nn.LiftingConv(1, c, \"p4\", 3, \"same\", rng), ...), "
                      "not with a generator of your own")
    x = data()[2][:16]
    out = logits(net, x)
    if np.max(np.ptp(out, axis=0)) <= 1e-6:
        raise Failure("the logits are the same for every digit: a constant network is invariant but useless")
    hints = ["planar_layer"] if any(isinstance(layer, nn.PlanarConv) for layer in net.layers) else []
    cases = [Case({"x": x[:1], "r": r}, f"the first test digit turned by r = {r} quarter turns") for r in (1, 2, 3)]
    cases += [Case({"x": x, "r": r}, f"16 test digits turned by r = {r} quarter turns") for r in (1, 2, 3)]
    search(cases, lambda c: (logits(net, digits.quarter_turns(c.args["x"], c.args["r"])), logits(net, c.args["x"])),
           "not invariant: the logits of a turned digit differ from those of the digit", kind="float",
           labels=("logits of the digit", "logits of the turned digit"),
           models={key: (lambda c: logits(net, digits.quarter_turns(c.args["x"], c.args["r"]))) for key in hints})
    return (f"{count} parameters, groupconv.nn layers without BatchNorm or Dropout, made with the given rng (the "
            "same state: the same network; another seed: another), logits of shape (B, 10) that depend on the "
            "digit, invariant under r = 1, 2, 3 quarter turns (float round-off, relative 1e-9)")


def accuracies(net, images, labels):
    """The fractions correct for the four turns, from one forward pass over the four turned copies."""
    predicted = net.forward(np.concatenate([digits.quarter_turns(images, r) for r in range(4)])).argmax(axis=1)
    return np.count_nonzero(predicted.reshape(4, -1) == labels, axis=1) / len(labels)


def accuracy_digits():
    """The test digits of the accuracy task: the first 300 of the split, or under a course seed 300 of its own
    order (the training task keeps the public digits, so that its accuracy bound holds the same for every course)."""
    _, _, x, y = data()
    if COURSE_SEED:
        order = generator(12).permutation(len(y))
        return x[order], y[order]
    return x, y


def check_accuracy(sub):
    x, y = accuracy_digits()
    cases = []
    for label, net in (("a planar CNN (read-out fitted to the digits)", fitted_planar_cnn(np.random.default_rng(SEED + 3))),
                       ("a p4 network (random weights)", nn.gcnn("p4", channels=4, batch_norm=False,
                                                                  rng=np.random.default_rng(SEED)))):
        for n in (20, 300):
            cases.append(Case({"net": net, "images": x[:n], "labels": y[:n]}, f"{label}, {n} test digits"))

    def evaluate(c):
        out = sub.call("accuracy_under_turns", c.args["net"], c.args["images"], c.args["labels"],
                       observe={"net": 0, "images": 1, "labels": 2})
        if any(forward["train"] for forward in (sub.observed or {}).get("forwards", [])):
            raise Failure("accuracy_under_turns ran the network in training mode (net.forward(x, train=True)): "
                          "classify in test mode, net.forward(x)", {"input": c.label})
        out = expect_array(np.asarray(out) if isinstance(out, (list, tuple)) else out, "accuracy_under_turns",
                           shape=(4,), dtype=np.float64)
        return out, accuracies(**c.args)

    search(cases, evaluate, "the accuracies differ from those of the turned digits", kind="float",
           models={"not_turned": lambda c: np.repeat(accuracies(**c.args)[0], 4),
                   "clockwise_turns": lambda c: accuracies(**c.args)[[0, 3, 2, 1]]})
    return ("test mode only, and agreement with the grader's accuracies for a fitted planar CNN and a p4 network, on 20 and "
            "300 digits: float round-off (fractions of correct labels)")


BATCH = 32
CLOSE = dict(rtol=1e-9, atol=1e-12)  # a returned loss against the loss of its forward pass: the same float, or nearly


def observed_training(sub, steps, seed):
    """train(net, x, y, rng, steps) on a fresh copy of the grader's network, observed; checked against the rules.

    Returns (net, losses, the batches as a list of index lists).
    """
    x, y = data()[:2]
    net = reference_network(np.random.default_rng(SEED))
    call = f"train(net, images, labels, rng, steps={steps})"
    losses = sub.call("train", net, x, y, np.random.default_rng(seed), steps,
                      observe={"net": 0, "images": 1, "labels": 2})
    record = sub.observed or {}
    try:
        losses = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(f"{call} must return the list of the {steps} losses, got {type_name(losses)}") from None
    if losses.shape != (steps,) or not np.all(np.isfinite(losses)):
        raise Failure(f"{call} must return {steps} finite losses, one per step; got shape {losses.shape}"
                      + (" (is the number of steps hard-coded?)" if losses.shape == (200,) else ""))
    optimisers = record.get("optimisers", [])
    if not optimisers:
        raise Failure(f"{call} created no optimiser: let nn.Adam(net, lr=0.02) (or nn.SGD) take the steps")
    if len(optimisers) > 1:
        raise Failure(f"{call} created {len(optimisers)} optimisers: create one, once, before the loop (a new "
                      "optimiser every step starts its running averages afresh)")
    if optimisers[0]["before_step"] != 0 or not optimisers[0]["network"]:
        raise Failure(f"{call}: the optimiser must be created before the loop, on the network you are given")
    taken = record.get("steps", [])
    if len(taken) != steps:
        raise Failure(f"{call} let the optimiser take {len(taken)} steps; one per step, {steps} in all")
    forwards = [f for f in record.get("forwards", []) if f["train"]]
    if len(forwards) != steps:
        raise Failure(f"{call} ran {len(forwards)} forward passes in training mode (net.forward(x, train=True)); "
                      f"one per step, {steps} in all")
    if record.get("backwards") != steps:
        raise Failure(f"{call} ran {record.get('backwards')} backward passes; one per step, {steps} in all")
    for t, forward in enumerate(forwards):
        where = f"{call}, step {t + 1}"
        if forward["rows"] != BATCH:
            raise Failure(f"{where}: a batch of {forward['rows']} images; one step draws {BATCH}")
        if min(forward["indices"]) < 0:
            raise Failure(f"{where}: the batch holds images that are not rows of the images you are given: "
                          "run the network on images[batch]")
        if len(set(forward["indices"])) != BATCH:
            raise Failure(f"{where}: the batch holds the same image twice: draw the {BATCH} indices without "
                          "replacement (rng.choice(len(images), 32, replace=False))")
        if "loss" not in forward or not np.isclose(losses[t], forward["loss"], **CLOSE):
            raise Failure(f"{where}: the returned loss {losses[t]:.6g} is not the loss of that step's batch "
                          f"({forward.get('loss', float('nan')):.6g}): return the losses of "
                          "nn.softmax_cross_entropy(logits, labels[batch]), one per step, in order")
    return net, losses, [forward["indices"] for forward in forwards]


def check_train(sub):
    # the rules, on short runs (an odd number of steps, so that no count is hard-coded)
    short = 7
    _, _, batches = observed_training(sub, short, SEED + 5)
    _, _, again = observed_training(sub, short, SEED + 5)
    if again != batches:
        raise Failure("two runs with generators in the same state drew different batches: draw the indices with "
                      "the rng you are given (not with a generator of your own)")
    _, _, other = observed_training(sub, short, SEED + 6)
    if other == batches:
        raise Failure("two runs with generators of different seeds drew the same batches: draw the indices with "
                      "the rng you are given (not with a generator of your own)")
    # learning: 200 steps
    x, y, x_test, y_test = data()
    steps = 200
    before = reference_network(np.random.default_rng(SEED)).state()
    net, losses, _ = observed_training(sub, steps, SEED + 1)
    if all(np.array_equal(before[key], value) for key, value in net.state().items()):
        raise Failure("train did not change the network's parameters: call net.backward and the optimiser's step")
    first, last = losses[:20].mean(), losses[-20:].mean()
    accuracy = float(np.mean(logits(net, x_test, "the trained network").argmax(axis=1) == y_test))
    shown = {"mean loss, first 20 steps": f"{first:.3f}", "mean loss, last 20 steps": f"{last:.3f}",
             "test accuracy": f"{accuracy:.3f}"}
    if not last <= first - 0.2:
        raise Failure(f"the loss did not go down: {first:.3f} in the first 20 steps, {last:.3f} in the last 20",
                      shown)
    if accuracy < 0.25:
        raise Failure(f"after training only {accuracy:.1%} of 300 unseen digits are right (at least 25 % expected)",
                      shown)
    return (f"{short} and {steps} steps: one optimiser created before the loop, one training forward pass of "
            f"{BATCH} distinct training digits, one backward pass and one optimiser step per step, the returned "
            "losses those of the batches, batches drawn from the given rng (the same state: the same batches; "
            f"another seed: others); the loss fell from {first:.2f} to {last:.2f}; {accuracy:.0%} of 300 unseen "
            "digits right (chance: 10 %)")


TASKS = [
    Task("build_network", 3, check_build),
    Task("accuracy_under_turns", 3, check_accuracy),
    Task("train", 4, check_train, time_factor=3),
]
