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

from groupconv import groups


def frame(n):
    """Coordinates (u, v) of every pixel of a centred n x n frame, shape (n, n, 2), n odd."""
    c = (n - 1) // 2
    u, v = np.meshgrid(np.arange(n) - c, np.arange(n) - c, indexing="ij")
    return np.stack([u, v], axis=-1)


def _onto_torus(u, v, period):
    """(u, v) moved by multiples of `period` into the centred range; unchanged for period=None."""
    if period is None:
        return u, v
    return (u + period // 2) % period - period // 2, (v + period // 2) % period - period // 2


def _read(F, planes, u, v):
    """F[..., planes, i, j] at the pixels (u, v) (centred coordinates), 0 where (i, j) is off the frame."""
    n = F.shape[-1]
    c = (n - 1) // 2
    i, j = u + c, v + c
    inside = (i >= 0) & (i < n) & (j >= 0) & (j < n)
    i, j = np.clip(i, 0, n - 1), np.clip(j, 0, n - 1)  # any index will do off the frame: np.where drops it
    return np.where(inside, F[..., i, j] if planes is None else F[..., planes, i, j], 0)


def value_at(f, x, period=None):
    """f(x) for an image f (..., n, n) at integer points x (S..., 2): shape f.shape[:-2] + S.

    0 off the frame (f is zero outside its n x n frame), or periodic with `period`.
    """
    u, v = _onto_torus(x[..., 0], x[..., 1], period)
    return _read(f, None, u, v)


def frame_elements(group, n):
    """Every t(x) . s for x on a centred n x n frame (n odd): shape (|H|, n, n, 3, 3).

    The storage order of a function on G: entry [s, i, j] is the element whose value
    sits in plane s at pixel (i, j).
    """
    x = frame(n)
    return groups.translation(x[..., 0], x[..., 1])[None] @ groups.point_group(group)[:, None, None]


def point_group_slot(g, group):
    """Index s (canonical order) of the point-group part of g = t(x) . s, for elements g (S..., 3, 3).

    s is the linear part of g: its upper-left 2 x 2 block (G7). Its four entries are -1,
    0 or 1, so they are read as one base-3 number, a key into a table that lists where
    each point-group element sits. An element outside the group raises ValueError.
    """
    def key(a):
        return (a[..., 0, 0] + 1) * 27 + (a[..., 0, 1] + 1) * 9 + (a[..., 1, 0] + 1) * 3 + (a[..., 1, 1] + 1)

    table = np.full(81, -1)
    table[key(groups.point_group(group))] = np.arange(groups.order(group))
    slot = table[key(g)]
    if np.any(slot < 0):
        raise ValueError(f"not an element of {group}")
    return slot


def value_on_group(F, g, group, period=None):
    """F(g) for F (..., |H|, n, n) at elements g (S..., 3, 3): shape F.shape[:-3] + S.

    g = t(x) . s: the plane is s (its 2 x 2 block), the pixel is x = (u, v) (its last
    column). 0 off the frame, or periodic with `period`.
    """
    s = point_group_slot(g, group)
    u, v = _onto_torus(g[..., 0, 2], g[..., 1, 2], period)
    return _read(F, s, u, v)
