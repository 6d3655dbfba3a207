"""Exercise 12 - train a small invariant G-CNN on the bundled handwritten digits (tutorial 14, I1; groupconv/nn.py)."""
# %% [markdown]
# # Exercise 12 - A small G-CNN that cannot tell a digit from its quarter turns
#
# *Follows tutorial 14 and `groupconv/nn.py`. 10 points. Everything here runs in a few
# seconds on a laptop CPU.*
#
# `groupconv.digits` ships 1,797 real 8 x 8 handwritten digits (0-9). Put on an odd 9 x 9
# canvas (so that quarter turns about the centre pixel are exact), they are the input of
# a small network built from the layers of `groupconv.nn`, each with its hand-written
# backward pass:
#
#     LiftingConv (image -> p4) -> Bias -> Tanh -> GroupConv (p4 -> p4) -> Bias -> Tanh -> GlobalPool -> Linear
#
# The lifting and group correlations commute with quarter turns, a bias shared over the
# group axis and a pointwise nonlinearity (`nn.Tanh`, `nn.ReLU`) commute with them too,
# and the global pool over space and the group axis forgets where a value was: the
# logits do not change when the digit is turned by 90 degrees (I1). The network gets
# this invariance by construction, not by learning it. (With so few parameters and no
# batch norm, `nn.Tanh` trains more reliably than `nn.ReLU` here.)
#
# **Rules.** Use `groupconv.nn` (layers, `softmax_cross_entropy`, `Adam` or `SGD`),
# `groupconv.digits` and NumPy. Keep the network small (at most 3,000 parameters) and
# without `BatchNorm` or `Dropout` (their train and test modes would complicate the
# checks). Do not do any work when the file is imported: everything happens inside the
# functions.
#
# **Check yourself:** `python exercises/grade.py <this file>` (a few
# seconds: the grader trains your network once).

# %%
import numpy as np

from groupconv import digits, nn

CANVAS = 9


# %% [markdown]
# ## Given: the data

# %%
def load_data(n_train=600, n_test=300, seed=0):
    """(x_train, y_train, x_test, y_test): digits on a 9 x 9 canvas, (N, 1, 9, 9) float64, labels (N,) int64."""
    images, labels = digits.load()
    train, test = digits.split(labels, test_fraction=0.3, seed=seed)
    x = digits.canvas(images, CANVAS)[:, None]
    return x[train[:n_train]], labels[train[:n_train]], x[test[:n_test]], labels[test[:n_test]]


# %% [markdown]
# ## Task 1 - an invariant network (3 points)
#
# Return an `nn.Sequential` that maps a batch (B, 1, 9, 9) to logits (B, 10), whose
# logits are the same - up to float round-off - for a digit and its quarter turns
# (`digits.quarter_turns(x, r)`), with at most 3,000 parameters. Create every layer with
# the generator `rng` you are given (`nn.LiftingConv(1, c, "p4", 3, "same", rng)`, ...),
# so that the network is reproducible.
#
# The grader checks the shape, the layers (no BatchNorm, no Dropout), the parameter count,
# that the same generator state gives the same network and another seed another one, that
# the logits depend on the digit at all, and the invariance for r = 1, 2, 3 (float
# round-off: the turned input is summed in a different order).

# %%
def build_network(rng):
    """A small p4-invariant classifier (B, 1, 9, 9) -> (B, 10), made with the generator rng."""
    ### BEGIN SOLUTION
    c = 6
    return nn.Sequential(nn.LiftingConv(1, c, "p4", 3, "same", rng), nn.Bias(c), nn.Tanh(),
                         nn.GroupConv(c, c, "p4", 3, "same", rng), nn.Bias(c), nn.Tanh(),
                         nn.GlobalPool("max"), nn.Linear(c, 10, rng))
    ### END SOLUTION


# %% [markdown]
# ## Task 2 - accuracy on turned digits (3 points)
#
# Given a network, images (N, 1, 9, 9) and labels (N,), return a float64 array of shape
# (4,): entry r is the fraction of the images, turned by r quarter turns
# counter-clockwise (`digits.quarter_turns`), that the network classifies correctly (the
# largest logit is the label). Run the network in test mode (`net.forward(x)`).
#
# For your invariant network the four numbers are equal; for an ordinary CNN they are not.

# %%
def accuracy_under_turns(net, images, labels):
    """Fractions correct for the images turned by r = 0, 1, 2, 3 quarter turns: float64 (4,)."""
    ### BEGIN SOLUTION
    return np.array([np.mean(net.forward(digits.quarter_turns(images, r)).argmax(axis=1) == labels)
                     for r in range(4)])
    ### END SOLUTION


# %% [markdown]
# ## Task 3 - training (4 points)
#
# Train `net` in place for `steps` mini-batch steps and return the list of the `steps`
# training losses. One step: draw 32 training indices with `rng` (without replacement),
# run `net.forward(x, train=True)`, compute `loss, dlogits = nn.softmax_cross_entropy(logits,
# labels)`, run `net.backward(dlogits)` and let an optimiser (`nn.Adam(net, lr=0.02)`,
# or `nn.SGD(net)`; one optimiser, created once before the loop) take a step. Return the
# losses of these steps, in order.
#
# The grader watches your loop on short runs (a few steps; the same generator state must
# give the same batches, another seed other batches) and trains a small p4 network of
# its own with it for 200 steps on 600 digits (a few seconds); it asks that the loss goes
# down and that at least 25 % of 300 unseen digits are then classified correctly (chance
# is 10 %; with Adam at lr = 0.02 or with nn.SGD that network reaches 40-65 %).

# %%
def train(net, images, labels, rng, steps=200):
    """Mini-batch training (batch 32, Adam); returns the list of the training losses, one per step."""
    ### BEGIN SOLUTION
    optimiser = nn.Adam(net, lr=0.02)
    losses = []
    for _ in range(steps):
        batch = rng.choice(len(images), size=min(32, len(images)), replace=False)
        logits = net.forward(images[batch], train=True)
        loss, dlogits = nn.softmax_cross_entropy(logits, labels[batch])
        net.backward(dlogits)
        optimiser.step()
        losses.append(float(loss))
    return losses
    ### END SOLUTION


# %% [markdown]
# ## Try it (about two seconds)

# %%
if __name__ == "__main__":
    x_train, y_train, x_test, y_test = load_data()
    rng = np.random.default_rng(0)
    net = build_network(rng)
    print(net, f"\n{net.n_parameters()} parameters")
    losses = train(net, x_train, y_train, rng)
    print(f"loss: first 10 steps {np.mean(losses[:10]):.3f}, last 10 steps {np.mean(losses[-10:]):.3f}")
    print("test accuracy for r = 0, 1, 2, 3 quarter turns:", accuracy_under_turns(net, x_test, y_test).round(3))
