"""The list of statements the tutorials verify, by the stable IDs S1 ... X6 of the equation inventory.

Every statement of the theory that groupconv reproduces numerically has a short ID
(S = symmetry, G = groups, A = action, C = planar correlation, U = correlation on T,
L = lifting and group correlation, N/P/B/I = the rest of a G-CNN, V = pictures,
X = the hexagonal lattice).
Tutorials declare the IDs they check (a module-level tuple ``IDS``), every check they
print carries its ID, and ``tutorials/run_all.py`` prints one row per entry below.

The one-line descriptions here are summaries; the tutorials state each claim in full.
This module is self-contained: nothing outside the package is read at run time.
"""
import numbers
from dataclasses import dataclass

from groupconv import limits

SECTIONS = {
    1: "Symmetry and groups",
    2: "Acting on images and on feature maps",
    3: "Planar correlation and translation equivariance",
    4: "Correlation as a function on the translation group",
    5: "Lifting and group correlation",
    6: "The rest of a G-CNN (nonlinearity, pooling, normalisation, invariance)",
    7: "Pictures of G-feature maps",
    8: "The hexagonal lattice: p6 and p6m",
}


@dataclass(frozen=True)
class Statement:
    id: str  # e.g. "C5"
    section: int  # 1 .. 8, a key of SECTIONS
    summary: str  # one line, in words


INVENTORY = (
    # 1. Symmetry and groups
    Statement("S1", 1, "a symmetry g of a property y leaves it unchanged: y(g(x)) = y(x) for every x"),
    Statement("S2", 1, "composing two symmetries, or undoing one, gives a symmetry again"),
    Statement("G1", 1, "the group axioms (closure, associativity, identity, inverses) hold for C4, D4, T, p4, p4m"),
    Statement("G2", 1, "the inverse of a product reverses the order: (ab)^-1 = b^-1 a^-1"),
    Statement("G3", 1, "invertible n x n matrices form a group under the matrix product"),
    Statement("G4", 1, "a translation is a 3x3 matrix in homogeneous coordinates; composing translations adds offsets"),
    Statement("G5", 1, "p4 elements are integer matrices t(u,v)R(r); products stay in p4 with recoverable parameters"),
    Statement("G6", 1, "p4m adds the mirror (u,v) -> (-u,v); products stay in p4m"),
    Statement("G7", 1, "each element is uniquely a translation times a point-group element; T is normal, H a subgroup"),
    # 2. Acting on images and on feature maps
    Statement("A1", 2, "moving an image by g reads the old image at g^-1 x: (L_g f)(x) = f(g^-1 x)"),
    Statement("A2", 2, "moving the picture by g is the same as moving the pixel grid by g^-1"),
    Statement("A3", 2, "with the inverse, L_g L_h = L_gh; without it the order of the product flips"),
    Statement("A4", 2, "on functions over G, L_u moves every plane and permutes the group axis; L_u L_w = L_uw"),
    # 3. Planar correlation and translation equivariance
    Statement("C1", 3, "planar correlation is the double sum over pixels and channels of f(y) psi(y - x)"),
    Statement("C2", 3, "substituting y -> x + y: one image against shifted filters = shifted images against one filter"),
    Statement("C3", 3, "translation equivariance, the substituted (blog) proof, every line as an array"),
    Statement("C4", 3, "translation equivariance, the paper's proof, every line as an array"),
    Statement("C5", 3, "equivariance needs the sum over all of Z^2; a finite frame breaks it only in a border band"),
    Statement("C6", 3, "a rotated input meets the counter-rotated filter: (L_r f)*psi = L_r(f * L_r^-1 psi), not L_r(f*psi)"),
    # 4. Correlation as a function on the translation group
    Statement("U1", 4, "the correlation output is indexed by translations: (f*psi)(t) = sum_y f(t(y)) psi(y)"),
    Statement("U2", 4, "precomposing with a translation is acting with its inverse: f o t = L_t^-1 f"),
    Statement("U3", 4, "reading the moved output at 0 equals correlating the moved image at 0"),
    # 5. Lifting and group correlation
    Statement("L1", 5, "the lifting correlation turns an image into a function on G (paper and substituted forms)"),
    Statement("L2", 5, "the lifting correlation is equivariant under p4 and p4m, rotations and mirrors included"),
    Statement("L3", 5, "the group correlation G -> G, in the paper's form and the substituted form"),
    Statement("L4", 5, "equivariance of the group correlation, the substituted (blog) proof, every line as an array"),
    Statement("L5", 5, "equivariance of the group correlation, the paper's proof, every line as an array"),
    Statement("L6", 5, "true group convolution sums f(h) psi(h^-1 g); it equals correlation with psi(h^-1) and is equivariant"),
    Statement("L7", 5, "the fast path: expand the filter by every point-group element, then one planar correlation"),
    Statement("L8", 5, "stacked equivariant layers are equivariant"),
    # 6. The rest of a G-CNN
    Statement("N1", 6, "pointwise nonlinearities commute with L_g"),
    Statement("P1", 6, "pooling over subgroup cosets is equivariant; pooling over rotations leaves a plainly rotating map"),
    Statement("P2", 6, "strided pooling keeps only the translations and rotation centres compatible with the stride"),
    Statement("B1", 6, "normalisation with statistics shared over the group axis is equivariant; per-plane statistics are not"),
    Statement("I1", 6, "global pooling over space and group makes the network's output invariant to quarter turns"),
    # 7. Pictures
    Statement("V1", 7, "a p4 (p4m) feature map drawn as 4 (8) patches; turning the input turns and cycles the picture"),
    Statement("V2", 7, "an edge detector lifted to p4 responds to four edge orientations on a photograph"),
    Statement("V3", 7, "interactive view: translate or rotate the input and watch the output picture follow"),
    Statement("V4", 7, "a p4 filter and its transforms L_s psi, the filter bank of the fast path"),
    # 8. The hexagonal lattice
    Statement("X1", 8, "in the hexagonal lattice's basis the 60-degree turn and the mirror are integer matrices; "
                       "p6 and p6m are groups"),
    Statement("X2", 8, "L_g moves the cells of hexagonal images and of functions on p6/p6m; the hexagon maps onto "
                       "itself; L_g L_h = L_gh"),
    Statement("X3", 8, "the lifting correlation to p6 and p6m: literal sum = filter-bank path, exactly equivariant"),
    Statement("X4", 8, "the group correlation on p6 and p6m is equivariant: both proofs, every line as an array"),
    Statement("X5", 8, "the p6 filter bank: each filter turned by 60 degrees on its hexagonal support, planes cycled"),
    Statement("X6", 8, "a p6 (p6m) feature map drawn as 6 (12) patches: a 60-degree turn of the input turns "
                       "the picture"),
)

BY_ID = {s.id: s for s in INVENTORY}


def ids(sections=None):
    """The IDs in inventory order, optionally only those of the given section number(s) (an int or a list)."""
    if sections is None:
        return [s.id for s in INVENTORY]
    if isinstance(sections, (list, tuple, set, frozenset, range)):
        given = list(sections)
    elif isinstance(sections, numbers.Integral) and not isinstance(sections, bool):
        given = [sections]
    else:
        raise TypeError(f"sections must be a section number (an int) or a list of them, got {sections!r} "
                        f"({type(sections).__name__})")
    wanted = {limits.integer(number, "every section number") for number in given}
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise ValueError(f"sections are numbered {min(SECTIONS)}..{max(SECTIONS)}, got {sorted(unknown)}")
    return [s.id for s in INVENTORY if s.section in wanted]


def lookup(eq_id):
    """The Statement with this ID; ValueError naming the known IDs if there is none."""
    if not isinstance(eq_id, str):
        raise TypeError(f"a statement ID is a string such as 'C5', got {eq_id!r} ({type(eq_id).__name__})")
    if eq_id not in BY_ID:
        raise ValueError(f"unknown statement ID {eq_id!r}; known IDs are {', '.join(BY_ID)}")
    return BY_ID[eq_id]
