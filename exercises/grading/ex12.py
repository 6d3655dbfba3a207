"""Grading exercise 12: an invariant network, accuracies on turned digits, and a training loop.

Residuals: the invariance of the logits under quarter turns is float round-off (the
turned digit is summed in another order; FLOAT_TOL relative); accuracies are fractions
computed the same way on both sides. The training task trains the grader's own small
p4 network with the submitted loop (so it does not depend on task 1) and asks for a
falling loss and a test accuracy well above chance.
"""
import numpy as np

from groupconv import digits, nn
from groupconv.checks import SEED

from .framework import Case, Failure, Task, expect_array, search

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


def reference_network(rng, planar=False):
    """The grader's own small networks: the p4 network of the exercise, or a planar CNN (not invariant)."""
    c = 6
    if planar:
        return nn.Sequential(nn.PlanarConv(1, c, 3, "same", rng), nn.Bias(c), nn.Tanh(),
                             nn.PlanarConv(c, c, 3, "same", rng), nn.Bias(c), nn.Tanh(),
                             nn.GlobalPool("max"), nn.Linear(c, 10, rng))
    return nn.Sequential(nn.LiftingConv(1, c, "p4", 3, "same", rng), nn.Bias(c), nn.Tanh(),
                         nn.GroupConv(c, c, "p4", 3, "same", rng), nn.Bias(c), nn.Tanh(),
                         nn.GlobalPool("max"), nn.Linear(c, 10, rng))


def logits(net, x, what="the network"):
    try:
        out = net.forward(x)
    except Exception as exc:  # the submission's network
        raise Failure(f"{what} fails on a batch of shape {x.shape}: {type(exc).__name__}: {exc}") from None
    return expect_array(out, what, shape=(x.shape[0], 10), dtype=np.float64)


def check_build(sub):
    net = sub.call("build_network", np.random.default_rng(SEED))
    if not isinstance(net, nn.Sequential):
        raise Failure(f"build_network must return an nn.Sequential, got {type(net).__name__}")
    count = net.n_parameters()
    if not 0 < count <= MAX_PARAMETERS:
        raise Failure(f"the network has {count} parameters; it must have between 1 and {MAX_PARAMETERS}")
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
    return (f"{count} parameters, logits of shape (B, 10) that depend on the digit, invariant under r = 1, 2, 3 "
            "quarter turns (float round-off, relative 1e-9)")


def accuracies(net, images, labels):
    return np.array([np.mean(net.forward(digits.quarter_turns(images, r)).argmax(axis=1) == labels)
                     for r in range(4)])


def briefly_trained(planar):
    """A network trained for 60 steps: it tells digits apart, so turns change a planar CNN's accuracy."""
    rng = np.random.default_rng(SEED + 3)
    net = reference_network(rng, planar=planar)
    x, y = data()[:2]
    optimiser = nn.Adam(net, lr=0.02)
    for _ in range(60):
        batch = rng.choice(len(x), size=32, replace=False)
        _, dlogits = nn.softmax_cross_entropy(net.forward(x[batch], train=True), y[batch])
        net.backward(dlogits)
        optimiser.step()
    return net


def check_accuracy(sub):
    _, _, x, y = data()
    cases = []
    for label, net in (("a planar CNN (trained briefly)", briefly_trained(planar=True)),
                       ("a p4 network (random weights)", reference_network(np.random.default_rng(SEED)))):
        for n in (20, 300):
            cases.append(Case({"net": net, "images": x[:n], "labels": y[:n]}, f"{label}, {n} test digits"))

    def evaluate(c):
        out = sub.call("accuracy_under_turns", c.args["net"], c.args["images"], c.args["labels"])
        out = expect_array(np.asarray(out) if isinstance(out, (list, tuple)) else out, "accuracy_under_turns",
                           shape=(4,), dtype=np.float64)
        return out, accuracies(**c.args)

    search(cases, evaluate, "the accuracies differ from those of the turned digits", kind="float",
           models={"not_turned": lambda c: np.repeat(accuracies(**c.args)[0], 4),
                   "clockwise_turns": lambda c: accuracies(**c.args)[[0, 3, 2, 1]]})
    return ("agreement with the grader's accuracies for a briefly trained planar CNN and p4 network, on 20 and "
            "300 digits: float round-off (fractions of correct labels)")


def check_train(sub):
    x, y, x_test, y_test = data()
    net = reference_network(np.random.default_rng(SEED))
    before = {key: value.copy() for key, value in net.state().items()}
    steps = 200
    losses = sub.call("train", net, x, y, np.random.default_rng(SEED + 1), steps)
    try:
        losses = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(f"train must return the list of the {steps} losses, got {type(losses).__name__}") from None
    if losses.shape != (steps,) or not np.all(np.isfinite(losses)):
        raise Failure(f"train must return {steps} finite losses, one per step; got shape {losses.shape}")
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
    return (f"the loss fell from {first:.2f} to {last:.2f} in {steps} steps; {accuracy:.0%} of 300 unseen digits "
            "right (chance: 10 %)")


TASKS = [
    Task("build_network", 3, check_build),
    Task("accuracy_under_turns", 3, check_accuracy),
    Task("train", 4, check_train, time_factor=3),
]
