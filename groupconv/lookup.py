"""Reading an image at a pixel, and a function on p4/p4m at a group element: the literal lookups.

The tutorials (and the exercises) write every sum the way the paper writes it: list the points y (or group
elements h) as arrays, form g^-1 y, g h, u^-1 g h, ... with matrix products, and read
the image or feature map *there*. This module holds the two reads they all share, so that
each is written once. The vectorised library code never uses them; they are the
independent side of every "literal vs vectorised" check.

Coordinates (README "Conventions"): pixel (i, j) of an n x n array (n odd) is the point
x = (u, v) = (i - c, j - c), c = (n - 1) / 2: u is the row offset, v the column offset
from the centre pixel. A function F on p4 or p4m is stored as (..., |H|, n, n): plane s
at pixel x holds F(t(x) . s), s numbered in the canonical order of groups.point_group
(R(r) at index r; for p4m M^m R(r) at index 4m + r).

    frame(n)                       the points x of an n x n frame, (n, n, 2)
    value_at(f, x, period)         f(x): one array index per point, 0 off the frame
    frame_elements(group, n)       every t(x) . s, x on the frame, (|H|, n, n, 3, 3)
    value_on_group(F, g, group, period)
                                   F(g): split g = t(x) . s (G7), read plane s at pixel x

With period=n the frame is a torus (the "circular" boundary mode): a point is first
brought back into the centred range by adding a multiple of n to u and to v.
"""
import numpy as np

from groupconv import groups, limits


def _odd_side(n, what):
    """n as a Python int, checked: a positive odd integer (the frame has a centre pixel)."""
    n = limits.integer(n, what, minimum=1)
    if n % 2 == 0:
        raise ValueError(f"{what} must be odd (a centred frame has a centre pixel), got {n}")
    return n


def frame(n):
    """Coordinates (u, v) of every pixel of a centred n x n frame, shape (n, n, 2), n odd."""
    n = _odd_side(n, "the frame side n")
    limits.check_allocation((n, n, 2), np.int64, "the frame's coordinates")
    c = (n - 1) // 2
    u, v = np.meshgrid(np.arange(n) - c, np.arange(n) - c, indexing="ij")
    return np.stack([u, v], axis=-1)


def _onto_torus(u, v, period):
    """(u, v) moved by multiples of `period` into the centred range; unchanged for period=None."""
    if period is None:
        return u, v
    period = limits.integer(period, "the period (the side of the torus; None: no wrap-around)", minimum=1)
    if period > groups.INT64_SAFE:
        raise ValueError(f"the period must be at most 2**60 (int64 arithmetic), got {period}")
    return (u + period // 2) % period - period // 2, (v + period // 2) % period - period // 2


def _read(F, planes, u, v):
    """F[..., planes, i, j] at the pixels (u, v) (centred coordinates), 0 where (i, j) is off the frame."""
    n = F.shape[-1]
    c = (n - 1) // 2
    inside = (u >= -c) & (u <= c) & (v >= -c) & (v <= c)
    i, j = np.clip(u, -c, c) + c, np.clip(v, -c, c) + c  # any index will do off the frame: np.where drops it
    return np.where(inside, F[..., i, j] if planes is None else F[..., planes, i, j], 0)


def value_at(f, x, period=None):
    """f(x) for an image f (..., n, n) at integer points x (S..., 2): shape f.shape[:-2] + S.

    0 off the frame (f is zero outside its n x n frame), or periodic with `period`.
    Points are integers (or floats holding whole numbers) of at most 2**60 in absolute value.
    """
    f = _image(f, 2, "f (..., n, n)")
    x = limits.plain_array(x, "the points x")
    if x.shape[-1:] != (2,):
        raise ValueError(f"the points x need a last axis of length 2 (u, v), got shape {x.shape}")
    x = groups._as_int64(x, "the points x")
    if ((x > groups.INT64_SAFE) | (x < -groups.INT64_SAFE)).any():
        raise ValueError("the points x must be at most 2**60 in absolute value (int64 arithmetic)")
    u, v = _onto_torus(x[..., 0], x[..., 1], period)
    return _read(f, None, u, v)


def _image(f, axes, what):
    """f as an array with at least `axes` axes whose last two are one odd n x n frame; else ValueError."""
    f = limits.plain_array(f, what)
    if f.ndim < axes or f.shape[-1] != f.shape[-2] or f.shape[-1] % 2 == 0:
        raise ValueError(f"{what} must end in an odd n x n frame (a centre pixel), got shape {f.shape}")
    return f


def frame_elements(group, n):
    """Every t(x) . s for x on a centred n x n frame (n odd): shape (|H|, n, n, 3, 3).

    The storage order of a function on G: entry [s, i, j] is the element whose value
    sits in plane s at pixel (i, j).
    """
    n = _odd_side(n, "the frame side n")
    limits.check_allocation((groups.order(group), n, n, 3, 3), np.int64, "the frame's group elements")
    x = frame(n)
    return groups.translation(x[..., 0], x[..., 1])[None] @ groups.point_group(group)[:, None, None]


def point_group_slot(g, group):
    """Index s (canonical order) of the point-group part of g = t(x) . s, for elements g (S..., 3, 3).

    s is the linear part of g: its upper-left 2 x 2 block (G7), looked up among the
    point-group elements. A matrix that is not an element of the group (or that does not
    fit int64 arithmetic) raises ValueError (groups.check_member).
    """
    G = groups.get(group)
    return G.index_of(groups.check_member(g, G))


def value_on_group(F, g, group, period=None):
    """F(g) for F (..., |H|, n, n) at elements g (S..., 3, 3): shape F.shape[:-3] + S.

    g = t(x) . s: the plane is s (its 2 x 2 block), the pixel is x = (u, v) (its last
    column). 0 off the frame, or periodic with `period`.
    """
    F = _image(F, 3, "F (..., |H|, n, n)")
    if F.shape[-3] != groups.order(group):
        raise ValueError(f"a function on {groups.get(group).name} has a group axis of length "
                         f"{groups.order(group)} (third from the end), got shape {F.shape}")
    s = point_group_slot(g, group)  # refuses a matrix that is not an element of the group
    g = groups.as_element(g)
    u, v = _onto_torus(g[..., 0, 2], g[..., 1, 2], period)
    return _read(F, s, u, v)
