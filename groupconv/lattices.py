"""The pixel lattices images live on: the square grid and the hexagonal grid (docs/equations.md X1, X2).

Every group of the table (groups.py) names its lattice. The action, the correlations and
the filter bank are written once, with integer matrices acting on array coordinates
(u, v); they ask the lattice only what differs between the two grids:

    frame_mask(rows, cols)   which cells of a rows x cols array belong to an image's frame
    check_frame(rows, cols)  which array shapes can hold an image at all
    wrap(a, b, rows, cols)   the cell that array indices (a, b), possibly outside the
                             array, stand for on the periodic frame ("wrap" boundary,
                             "circular" mode)
    positions(rows, cols)    where each cell's centre lies in the plane (for drawing)

square      pixel (i, j) sits at (u, v) = (i - (rows-1)/2, j - (cols-1)/2): u is the row
            offset (down), v the column offset (right) from the centre. Any rows x cols
            array is a frame, every cell belongs to it, and the periodic frame is the
            rows x cols torus (i mod rows, j mod cols). Drawn at (x, y) = (v, -u).

hexagonal   a point is x = u b1 + v b2 with integers (u, v), b1 = (1, 0) and
            b2 = (1/2, sqrt(3)/2) in the plane (y pointing up). An image is an odd n x n
            array in these axial coordinates: (i, j) <-> (u, v) = (i - n//2, j - n//2).
            Its frame is the hexagon of cells at hexagonal distance
            max(|u|, |v|, |u + v|) <= r = n//2 from the centre; the other cells of the
            array are zero and stay zero. Every turn and mirror of p6m maps the hexagon
            onto itself.

            The periodic hexagon. The hexagon of radius r (3r^2 + 3r + 1 cells) tiles the
            plane by the translations of the lattice Lambda spanned by a1 = (2r+1, -r) and
            a2 = (r, r+1): every point is one hexagon cell plus exactly one vector of
            Lambda. The 60-degree turn R maps a1 to a2 and a2 to a2 - a1, so Lambda, and
            the periodic hexagon, is symmetric under p6. It is not under the mirror: the
            tiling of a hexagon made of cells is chiral (M a1 = (r+1, r) is not in Lambda
            for r >= 1), so a periodic hexagonal frame exists for p6 but not for p6m;
            groupconv refuses the "wrap" boundary and "circular" mode for mirrored
            elements on this lattice rather than give an answer that is not equivariant.
"""
from dataclasses import dataclass

import numpy as np

from . import limits

SQRT3_2 = np.sqrt(3.0) / 2.0


def hexagonal_distance(u, v):
    """max(|u|, |v|, |u + v|): the number of steps between neighbouring cells from (0, 0) to (u, v)."""
    u, v = np.asarray(u), np.asarray(v)
    return np.maximum(np.maximum(np.abs(u), np.abs(v)), np.abs(u + v))


def _check_not_empty(rows, cols, what, cell):
    if rows < 1 or cols < 1:
        raise ValueError(f"{what} has an empty frame ({rows} x {cols} {cell}s); an image needs at least one {cell} "
                         f"(an empty batch or zero channels are fine)")


@dataclass(frozen=True)
class Square:
    name: str = "square"

    def check_frame(self, rows, cols, what="an image"):
        _check_not_empty(rows, cols, what, "pixel")

    def frame_mask(self, rows, cols):
        return np.ones(limits.check_allocation((rows, cols), bool, "the frame mask"), dtype=bool)

    def wrap(self, a, b, rows, cols):
        return a % rows, b % cols

    def positions(self, rows, cols):
        u = np.arange(rows) - (rows - 1) / 2
        v = np.arange(cols) - (cols - 1) / 2
        U, V = np.meshgrid(u, v, indexing="ij")
        return np.stack([V, -U], axis=-1)


@dataclass(frozen=True)
class Hexagonal:
    name: str = "hexagonal"

    def check_frame(self, rows, cols, what="an image"):
        _check_not_empty(rows, cols, what, "cell")
        if rows != cols or rows % 2 == 0:
            raise ValueError(f"{what} on the hexagonal lattice is an odd n x n array in axial coordinates "
                             f"(its frame is the hexagon of radius n // 2); got {rows} x {cols}")

    def frame_mask(self, rows, cols):
        limits.check_allocation((rows, cols), np.int64, "the frame mask (its int64 distances)")
        r = rows // 2
        u = np.arange(rows)[:, None] - r
        v = np.arange(cols)[None, :] - r
        return hexagonal_distance(u, v) <= r

    def periods(self, n):
        """a1, a2: the translations under which the periodic hexagon of an n x n array repeats."""
        r = n // 2
        return np.array([2 * r + 1, -r]), np.array([r, r + 1])

    def wrap(self, a, b, rows, cols):
        """Array indices (a, b) moved by the vector of Lambda that brings them into the hexagon."""
        r = rows // 2
        cells = 3 * r * r + 3 * r + 1  # det(a1, a2): the periodic hexagon's cells, and (cells, 0), (0, cells) lie in Lambda
        # reduced modulo those two periods first, exactly in integers: the float solve below then sees small numbers
        # only (for translations near 2**60 its rounding would miss the tile)
        u, v = (np.asarray(a, dtype=np.int64) - r) % cells, (np.asarray(b, dtype=np.int64) - r) % cells
        a1, a2 = self.periods(rows)
        basis = np.array([a1, a2]).T  # columns a1, a2
        coeff = np.rint(np.linalg.solve(basis, np.stack([u, v]).reshape(2, -1))).astype(np.int64)
        # the rounded coefficients land next to the right tile; search the neighbours exactly, in integers
        best_u, best_v = np.array(u, dtype=np.int64).ravel(), np.array(v, dtype=np.int64).ravel()
        found = np.zeros(best_u.shape, dtype=bool)
        for di in (0, -1, 1, -2, 2):
            for dj in (0, -1, 1, -2, 2):
                cu = u.ravel() - (coeff[0] + di) * a1[0] - (coeff[1] + dj) * a2[0]
                cv = v.ravel() - (coeff[0] + di) * a1[1] - (coeff[1] + dj) * a2[1]
                hit = ~found & (hexagonal_distance(cu, cv) <= r)
                best_u[hit], best_v[hit] = cu[hit], cv[hit]
                found |= hit
        assert found.all(), "the periodic hexagon missed a point"
        return (best_u + r).reshape(np.shape(a)), (best_v + r).reshape(np.shape(b))

    def positions(self, rows, cols):
        r = rows // 2
        U, V = np.meshgrid(np.arange(rows) - r, np.arange(cols) - r, indexing="ij")
        return np.stack([U + V / 2.0, V * SQRT3_2], axis=-1)


LATTICES = {lattice.name: lattice for lattice in (Square(), Hexagonal())}


def get(name):
    """The lattice called `name` ("square" or "hexagonal")."""
    if name not in LATTICES:
        raise ValueError(f"lattice must be one of {tuple(LATTICES)}, got {name!r}")
    return LATTICES[name]
