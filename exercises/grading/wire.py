"""What crosses between the grader and the child process that runs a submission: plain data only.

A message is one JSON header and the raw bytes of its arrays, framed by lengths:

    8 bytes  length of the header (big-endian)      header   JSON, UTF-8
    per array, 8 bytes of length and the bytes      (in the order the header names them)

A value in the header is JSON (None, bool, int, float, str, list, dict with str keys)
or one of these tagged forms:

    {"@": "array", "dtype": "<f8", "shape": [2, 3], "blob": 0}   an ndarray (numbers and booleans only)
    {"@": "tuple", "items": [...]}                               a tuple
    {"@": "float", "text": "nan"}                                a float JSON cannot hold (nan, inf)
    {"@": "generator", "state": {...}}                           a numpy Generator (PCG64), by its state
    {"@": "network", "layers": [...]}                            a groupconv.nn.Sequential (netspec.py)
    {"@": "loss", "kind": ..., ...}                              a loss function the grader chose (netspec.py)
    {"@": "object", "type": "Foo", "text": "Foo(...)"}           anything else, as text only

Decoding never runs code and never unpickles: an array is rebuilt from its bytes with
np.frombuffer after its dtype is checked against KINDS, and a header or an array above
the reader's byte limit is refused before it is read. Both sides use this module; the
grader trusts nothing it decodes beyond its being such plain data.
"""
import json
import math
import os
import select
import time

import numpy as np

KINDS = "biufc"  # booleans, integers, floats, complex numbers: no objects, strings or records
MAX_DEPTH = 20
MAX_ITEMS = 100_000


class WireError(Exception):
    """A message that is not plain data of this format (malformed, too deep, too large, a forbidden dtype)."""


class Opaque:
    """An object the child could not send as data: only its type name and a short text reach the grader."""

    def __init__(self, type_name, text):
        self.type_name, self.text = str(type_name)[:100], str(text)[:300]

    def __repr__(self):
        return f"<{self.type_name} object: {self.text}>"


class Timeout(Exception):
    """The other side did not answer within the time allowed."""


class Closed(Exception):
    """The other side closed the channel (the child process ended)."""


# ---------------------------------------------------------------- values <-> header and blobs

def encode(value, blobs, extra=None, depth=0):
    """The JSON-able form of value; array bytes are appended to blobs. extra(value) may return a tagged form."""
    if depth > MAX_DEPTH:
        raise WireError(f"a value nested deeper than {MAX_DEPTH} levels")
    if extra is not None:
        tagged = extra(value)
        if tagged is not None:
            return tagged
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"@": "float", "text": repr(value)}
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in KINDS or value.dtype.fields is not None:
            return {"@": "object", "type": "ndarray", "text": f"an array of dtype {value.dtype}"}
        data = np.array(value, order="C", copy=True)  # a base-class ndarray, of value's shape
        blobs.append(data.tobytes())
        return {"@": "array", "dtype": data.dtype.str, "shape": list(data.shape), "blob": len(blobs) - 1}
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            raise WireError(f"a list of more than {MAX_ITEMS} items")
        items = [encode(v, blobs, extra, depth + 1) for v in value]
        return items if isinstance(value, list) else {"@": "tuple", "items": items}
    if isinstance(value, dict) and all(isinstance(k, str) and k != "@" for k in value):
        if len(value) > MAX_ITEMS:
            raise WireError(f"a dict of more than {MAX_ITEMS} items")
        return {k: encode(v, blobs, extra, depth + 1) for k, v in value.items()}
    if isinstance(value, np.random.Generator):
        state = value.bit_generator.state
        if state.get("bit_generator") != "PCG64":
            return {"@": "object", "type": "Generator", "text": f"a Generator with {state.get('bit_generator')}"}
        return {"@": "generator", "state": state}
    try:
        text = repr(value)
    except Exception:  # a repr that fails is still just an object
        text = "?"
    return {"@": "object", "type": type(value).__name__, "text": text[:300]}


def decode(form, blobs, extra=None, depth=0):
    """The value of a JSON-able form (the inverse of encode); raises WireError on anything else."""
    if depth > MAX_DEPTH:
        raise WireError(f"a value nested deeper than {MAX_DEPTH} levels")
    if form is None or isinstance(form, (bool, int, float, str)):
        return form
    if isinstance(form, list):
        return [decode(v, blobs, extra, depth + 1) for v in form]
    if not isinstance(form, dict):
        raise WireError(f"an unexpected value of type {type(form).__name__}")
    tag = form.get("@")
    if tag is None:
        return {str(k): decode(v, blobs, extra, depth + 1) for k, v in form.items()}
    if tag == "array":
        return _array(form, blobs)
    if tag == "tuple":
        items = form.get("items")
        if not isinstance(items, list):
            raise WireError("a tuple without items")
        return tuple(decode(v, blobs, extra, depth + 1) for v in items)
    if tag == "float":
        if form.get("text") not in ("nan", "inf", "-inf"):
            raise WireError("a float that is not nan, inf or -inf")
        return float(form["text"])
    if tag == "object":
        return Opaque(form.get("type", "object"), form.get("text", ""))
    if tag == "generator":
        generator = np.random.Generator(np.random.PCG64())
        try:
            generator.bit_generator.state = form["state"]
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"a generator state that numpy refuses: {exc}") from None
        return generator
    if extra is not None:
        return extra(form, lambda f: decode(f, blobs, extra, depth + 1))
    raise WireError(f"an unknown tag {tag!r}")


def _array(form, blobs):
    try:
        dtype = np.dtype(str(form["dtype"]))
        shape = tuple(int(n) for n in form["shape"])
        blob = blobs[int(form["blob"])]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise WireError(f"a malformed array: {exc}") from None
    if dtype.kind not in KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"an array of dtype {dtype} (only numbers and booleans cross)")
    if any(n < 0 for n in shape) or len(shape) > 32:
        raise WireError(f"an array of shape {shape}")
    if math.prod(shape) * dtype.itemsize != len(blob):
        raise WireError(f"an array of shape {shape} and dtype {dtype} with {len(blob)} bytes")
    return np.frombuffer(blob, dtype=dtype).reshape(shape).copy()


# ---------------------------------------------------------------- framing on file descriptors

def send(fd, header, blobs=()):
    """Write one message to a file descriptor."""
    head = json.dumps(dict(header, blobs=[len(b) for b in blobs]), allow_nan=False).encode()
    parts = [len(head).to_bytes(8, "big"), head]
    for blob in blobs:
        parts += [len(blob).to_bytes(8, "big"), blob]
    data = b"".join(parts)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd, n, deadline):
    chunks, remaining = [], n
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd, deadline=None, max_bytes=1 << 30):
    """(header dict, blobs) of the next message; Timeout after the deadline (time.monotonic), WireError if malformed."""
    n = int.from_bytes(_read_exact(fd, 8, deadline), "big")
    if n > min(max_bytes, 64 << 20):
        raise WireError(f"a message header of {n} bytes")
    try:
        header = json.loads(_read_exact(fd, n, deadline))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"a header that is not JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("blobs"), list):
        raise WireError("a header that is not an object with a list of blobs")
    sizes = header.pop("blobs")
    if not all(isinstance(s, int) and s >= 0 for s in sizes) or sum(sizes) > max_bytes:
        raise WireError(f"arrays of {sum(s for s in sizes if isinstance(s, int))} bytes, above the limit")
    blobs = []
    for size in sizes:
        if int.from_bytes(_read_exact(fd, 8, deadline), "big") != size:
            raise WireError("an array whose length differs from the header's")
        blobs.append(_read_exact(fd, size, deadline))
    return header, blobs
