"""Networks and loss functions as plain data, so that they can cross between the grader and the child.

A groupconv.nn.Sequential crosses as the list of its layers: each layer's class name (one
of the classes of groupconv.nn itself, never a subclass), the arguments that rebuild it
and its parameter and buffer arrays. The receiving side rebuilds it with the library's
own constructors, which check every argument, and then loads the arrays, whose shapes
must be the ones the rebuilt layer has. A network with any other layer cannot cross: the
grader sees only its description (wire.Opaque).

A loss function that the grader hands to a submission (exercise 10) crosses as its kind
and its arrays (LossSpec); the child builds the function from them, so no code of the
grader's runs there and no code of the child's reaches the grader.
"""
import numpy as np

from groupconv import nn

from . import wire

SIMPLE = ("ReLU", "Tanh")
CONFIG = {
    "PlanarConv": lambda l: {"c_in": int(l.params["psi"].shape[1]), "c_out": int(l.params["psi"].shape[0]),
                             "k": int(l.k), "mode": str(l.mode)},
    "LiftingConv": lambda l: {"c_in": int(l.params["psi"].shape[1]), "c_out": int(l.params["psi"].shape[0]),
                              "group": str(l.group), "k": int(l.k), "mode": str(l.mode)},
    "GroupConv": lambda l: {"c_in": int(l.params["psi"].shape[1]), "c_out": int(l.params["psi"].shape[0]),
                            "group": str(l.group), "k": int(l.k), "mode": str(l.mode)},
    "Bias": lambda l: {"channels": int(l.params["b"].shape[0]), "group": l.group},
    "ReLU": lambda l: {},
    "Tanh": lambda l: {},
    "MaxPool": lambda l: {"size": int(l.size), "stride": int(l.stride)},
    "CosetPool": lambda l: {"op": str(l.op)},
    "GlobalPool": lambda l: {"op": str(l.op), "group": l.group},
    "BatchNorm": lambda l: {"channels": int(l.params["gamma"].shape[0]), "per_plane": bool(l.per_plane),
                            "momentum": float(l.momentum), "eps": float(l.eps), "group": l.group},
    "Dropout": lambda l: {"p": float(l.p)},
    "Linear": lambda l: {"d_in": int(l.params["W"].shape[0]), "d_out": int(l.params["W"].shape[1])},
}
NEEDS_RNG = ("PlanarConv", "LiftingConv", "GroupConv", "Dropout", "Linear")


class LossSpec:
    """A loss the grader chooses: "quadratic" sum(a x^2 + b x) (arrays a, b) or "cubic" sum(x^3)."""

    def __init__(self, kind, **arrays):
        if kind not in ("quadratic", "cubic"):
            raise ValueError(f"unknown loss kind {kind!r}")
        self.kind, self.arrays = kind, arrays

    def function(self):
        if self.kind == "quadratic":
            a, b = self.arrays["a"], self.arrays["b"]
            return lambda z: float(np.sum(a * np.asarray(z) * np.asarray(z) + b * np.asarray(z)))
        return lambda z: float(np.sum(np.asarray(z, dtype=np.float64) ** 3))

    def terms(self, z):
        """The loss's terms l(z_i), entry by entry: the loss is their sum."""
        z = np.asarray(z, dtype=np.float64)
        if self.kind == "quadratic":
            return self.arrays["a"] * z * z + self.arrays["b"] * z
        return z ** 3


def layer_type(layer):
    """The groupconv.nn class name of a layer, or None if its class is not exactly one of them."""
    name = type(layer).__name__
    return name if name in CONFIG and type(layer) is getattr(nn, name) else None


def extra_encoder(blobs):
    """The `extra` of wire.encode that sends networks and loss specs as data."""
    def extra(value):
        if isinstance(value, LossSpec):
            return {"@": "loss", "kind": value.kind,
                    "arrays": {k: wire.encode(np.asarray(v, dtype=np.float64), blobs) for k, v in value.arrays.items()}}
        if not isinstance(value, nn.Sequential):
            return None
        if type(value) is not nn.Sequential or any(layer_type(layer) is None for layer in value.layers):
            kinds = ", ".join(type(layer).__name__ for layer in getattr(value, "layers", []))
            return {"@": "object", "type": type(value).__name__,
                    "text": f"a network whose layers are not all groupconv.nn layers: {kinds}"[:300]}
        layers = []
        for layer in value.layers:
            name = layer_type(layer)
            layers.append({"type": name, "config": CONFIG[name](layer),
                           "params": {k: wire.encode(v, blobs) for k, v in layer.params.items()},
                           "buffers": {k: wire.encode(v, blobs) for k, v in layer.buffers.items() if v is not None}})
        return {"@": "network", "layers": layers}
    return extra


def extra_decoder(form, decode):
    """The `extra` of wire.decode: a network rebuilt by the library's constructors, or a LossSpec."""
    tag = form.get("@")
    if tag == "loss":
        arrays = {str(k): decode(v) for k, v in dict(form.get("arrays") or {}).items()}
        if not all(isinstance(v, np.ndarray) for v in arrays.values()):
            raise wire.WireError("a loss with arrays that are not arrays")
        try:
            return LossSpec(form.get("kind"), **arrays)
        except ValueError as exc:
            raise wire.WireError(str(exc)) from None
    if tag != "network" or not isinstance(form.get("layers"), list) or len(form["layers"]) > 1000:
        raise wire.WireError(f"an unknown tag {tag!r}")
    layers = []
    for i, spec in enumerate(form["layers"]):
        if not isinstance(spec, dict) or spec.get("type") not in CONFIG or not isinstance(spec.get("config"), dict):
            raise wire.WireError(f"layer {i} of a network is not a groupconv.nn layer")
        name, config = spec["type"], dict(spec["config"])
        if set(config) != set(CONFIG[name](_probe(name))):
            raise wire.WireError(f"layer {i} ({name}) has the arguments {sorted(config)}")
        if name in NEEDS_RNG:
            config["rng"] = np.random.default_rng(0)
        try:
            layer = getattr(nn, name)(**config)
        except (TypeError, ValueError) as exc:
            raise wire.WireError(f"layer {i} ({name}) cannot be rebuilt: {exc}") from None
        for store in ("params", "buffers"):
            given = spec.get(store) or {}
            if not isinstance(given, dict):
                raise wire.WireError(f"layer {i} ({name}): {store} is not a dict")
            target = getattr(layer, store)
            for key, value in given.items():
                array = decode(value)
                if key not in target or not isinstance(array, np.ndarray):
                    raise wire.WireError(f"layer {i} ({name}) has no {store[:-1]} {key!r}")
                current = target[key]
                if current is not None and array.shape != current.shape:
                    raise wire.WireError(f"layer {i} ({name}): {key} has shape {array.shape}, "
                                         f"expected {current.shape}")
                target[key] = array
        layers.append(layer)
    return nn.Sequential(*layers)


_probes = {}


def _probe(name):
    """One default instance of a layer class: its CONFIG keys are what a description must have."""
    if name not in _probes:
        rng = np.random.default_rng(0)
        make = {"PlanarConv": lambda: nn.PlanarConv(1, 1, 1, "same", rng),
                "LiftingConv": lambda: nn.LiftingConv(1, 1, "p4", 1, "same", rng),
                "GroupConv": lambda: nn.GroupConv(1, 1, "p4", 1, "same", rng),
                "Bias": lambda: nn.Bias(1), "BatchNorm": lambda: nn.BatchNorm(1),
                "Dropout": lambda: nn.Dropout(0.5, rng), "Linear": lambda: nn.Linear(1, 1, rng)}
        _probes[name] = make.get(name, lambda: getattr(nn, name)())()
    return _probes[name]


def copy_state(source, target):
    """Load the parameters and buffers of network `source` into `target` (the same layers), in place."""
    for a, b in zip(source.layers, target.layers):
        b.params.update({k: v.copy() for k, v in a.params.items()})
        b.buffers.update({k: (None if v is None else v.copy()) for k, v in a.buffers.items()})
