"""The lecturer's quizzes state no number that the library does not compute (instructor/quiz_session_*.md).

The format of a quiz, fixed here (instructor/README.md says it in words):
    "## Question N — title"      a question; N runs 1, 2, 3, ... and a quiz has 6 to 10
    "**Estimated time:** M minutes."   once per quiz
    "**Answer:** ..." or "**Answer (a):** ..."
                                 an answer paragraph: this line and the non-blank lines
                                 after it. Its stated value is its first `code span`, or,
                                 when it has none, the fenced block right after it.
    "<!-- check: TAG -->"        inside an answer paragraph: the stated value is
                                 recomputed by the checker CHECKS[TAG] below, the function
                                 called TAG.
The stated values are read by parse_value: "yes" or "no"; choice letters "(a), (c)";
group elements as groups.name prints them ("t(1,-2)·M·R(3)", "R(0)" the identity), or a
set of them in braces; otherwise a Python literal (numbers, tuples, nested lists).

The tests ask that every tag has a checker and every checker a tag; that every answer
paragraph that contains a digit carries a tag, so that no unchecked number can be added;
that each stated value equals the value its checker computes (exactly for integers,
matrices and elements; a float to the number of digits the quiz states); and, to show
that the comparison can fail, that changing any one stated value (a digit, yes/no, a
choice) is reported, and that a copy of a quiz with planted errors is reported line by
line (in memory; nothing is written into the repository).

Each checker computes its answer from the question's data with the library (groups,
action, correlate, filter_bank, nn, plot, lattices), and where it is cheap also from
first principles (NumPy, SciPy) as a cross-check. It never reads the stated value. It
restates the question's data (the image, the filter, the element), so a change to the
data of a question needs the same change in its checker.
"""
import ast
import importlib.util
import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from groupconv import action, checks, correlate, filter_bank, groups, lattices, nn, plot

ROOT = Path(__file__).resolve().parents[1]
QUIZ_FOLDER = ROOT / "instructor"
QUIZ_GLOB = "quiz_session_*.md"
SESSIONS = 6
QUESTIONS_PER_QUIZ = (6, 10)

# ---------------------------------------------------------------- reading a quiz

QUESTION = re.compile(r"^## Question (\d+) — (\S.*?)\s*$")
ANSWER = re.compile(r"^\*\*Answer(?: \([a-z]\))?:\*\*")
TAG = re.compile(r"<!-- check: ([a-z0-9]+) -->")
ANY_TAG = re.compile(r"<!--\s*check", re.IGNORECASE)  # a tag in any spelling, so that a misspelt one is caught too
TIME = re.compile(r"^\*\*Estimated time:\*\* (\d+) minutes\.\s*$")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = "```"


@dataclass
class Answer:
    tag: str
    stated: str  # the text of the stated value, as written in the quiz
    where: str  # "file:line" of the answer paragraph


@dataclass
class Quiz:
    name: str
    questions: list = field(default_factory=list)  # (number, title, line)
    answers: list = field(default_factory=list)  # Answer, for the tagged answer paragraphs
    minutes: list = field(default_factory=list)  # the estimated times found
    problems: list = field(default_factory=list)


def _fenced_block(lines, start):
    """The text inside the fenced block whose opening fence is lines[start], and the index after its closing fence."""
    end = start + 1
    while end < len(lines) and not lines[end].startswith(FENCE):
        end += 1
    return "\n".join(lines[start + 1:end]), end + 1


def parse_quiz(text, name):
    """Read one quiz: its questions, its tagged answers, its estimated time, and what breaks the format."""
    quiz, lines = Quiz(name), text.splitlines()
    answered = set()  # question numbers that have at least one answer paragraph
    i = 0
    while i < len(lines):
        line, where = lines[i], f"{name}:{i + 1}"
        if line.startswith(FENCE):  # a fenced block that is no stated value: no tag may hide in it
            block, i = _fenced_block(lines, i)
            if ANY_TAG.search(block):
                quiz.problems.append(f"{where}: a check tag inside a fenced block")
            continue
        m = QUESTION.match(line)
        if m:
            quiz.questions.append((int(m.group(1)), m.group(2), i + 1))
        m = TIME.match(line)
        if m:
            quiz.minutes.append(int(m.group(1)))
        if not ANSWER.match(line):
            if ANY_TAG.search(line):
                quiz.problems.append(f"{where}: a check tag outside an answer paragraph")
            i += 1
            continue
        # An answer paragraph: this line and the non-blank lines after it.
        j = i + 1
        while j < len(lines) and lines[j].strip() and not lines[j].startswith(FENCE):
            j += 1
        paragraph = "\n".join(lines[i:j])
        tags = TAG.findall(paragraph)
        body = TAG.sub(" ", paragraph)
        spans = CODE_SPAN.findall(body)
        stated, block = (spans[0] if spans else None), None
        k = j
        while k < len(lines) and not lines[k].strip():
            k += 1
        if not spans and k < len(lines) and lines[k].startswith(FENCE):
            block, j = _fenced_block(lines, k)
            stated = block
            if ANY_TAG.search(block):
                quiz.problems.append(f"{name}:{k + 1}: a check tag inside a fenced block")
        if not quiz.questions:
            quiz.problems.append(f"{where}: an answer before the first question")
        else:
            answered.add(quiz.questions[-1][0])
        if len(ANY_TAG.findall(paragraph)) != len(tags):
            quiz.problems.append(f"{where}: a check tag not written as <!-- check: tag --> (lower case, digits)")
        if len(tags) > 1:
            quiz.problems.append(f"{where}: an answer paragraph with {len(tags)} check tags {tags}; "
                                 f"one answer, one tag")
        elif tags and stated is None:
            quiz.problems.append(f"{where}: the answer tagged {tags[0]} states no value (no `code span`, no fenced "
                                 f"block after it)")
        elif tags:
            quiz.answers.append(Answer(tags[0], stated, where))
        elif re.search(r"\d", body) or (block is not None and re.search(r"\d", block)):
            quiz.problems.append(f"{where}: an answer with a number in it but no check tag: {lines[i]!r}")
        i = j
    numbers = [q[0] for q in quiz.questions]
    if numbers != list(range(1, len(numbers) + 1)):
        quiz.problems.append(f"{name}: the questions are numbered {numbers}, expected 1, 2, 3, ...")
    low, high = QUESTIONS_PER_QUIZ
    if not low <= len(numbers) <= high:
        quiz.problems.append(f"{name}: {len(numbers)} questions, a quiz has {low} to {high}")
    quiz.problems += [f"{name}:{line}: question {n} has no answer"
                      for n, _, line in quiz.questions if n not in answered]
    if len(quiz.minutes) != 1:
        quiz.problems.append(f"{name}: {len(quiz.minutes)} lines '**Estimated time:** M minutes.', expected one")
    return quiz


def duplicate_tags(quizzes):
    """Problems for every tag that is used by more than one answer, over all quizzes."""
    seen = {}
    for quiz in quizzes:
        for answer in quiz.answers:
            seen.setdefault(answer.tag, []).append(answer.where)
    return [f"the tag {tag} is used {len(places)} times: {', '.join(places)}"
            for tag, places in seen.items() if len(places) > 1]


def tag_problems(quizzes, registry):
    """A tag without a checker, a checker without a tag."""
    tags = {answer.tag: answer.where for quiz in quizzes for answer in quiz.answers}
    problems = [f"{where}: the tag {tag} has no checker in tests/test_quizzes.py" for tag, where in tags.items()
                if tag not in registry]
    problems += [f"the checker {tag} has no tagged answer in any quiz" for tag in registry if tag not in tags]
    return problems


# ---------------------------------------------------------------- stated values and computed values

@dataclass(frozen=True)
class Letters:
    """The options of a "which is true" question that are true."""
    letters: frozenset


@dataclass(frozen=True)
class Names:
    """Group elements by name, one ("M·R(3)") or a set in braces ("{R(0), M}")."""
    names: tuple
    is_set: bool


@dataclass
class Element:
    """A computed group element; the stated name is read in `group`."""
    group: str
    matrix: np.ndarray


@dataclass
class ElementSet:
    """A computed set of group elements of `group` (order does not matter)."""
    group: str
    matrices: list


@dataclass
class Digits:
    """A computed float, stated to `digits` significant digits."""
    value: float
    digits: int


LETTER_LIST = re.compile(r"^\([a-z]\)(?:,\s*\([a-z]\))*$")
NAME_PART = re.compile(r"^(?:t\((-?\d+),\s*(-?\d+)\)|(M)|R\((\d+)\))$")
NAME_LIKE = re.compile(r"^(?:e|M|R\(|t\()")


def _split_outside_parentheses(text):
    """'t(1,-2), M' -> ['t(1,-2)', 'M']: split at the commas that are not inside parentheses."""
    return [part.strip() for part in re.split(r",(?![^()]*\))", text) if part.strip()]


def parse_value(text):
    """The stated value of an answer, read from its text (see the module header for the forms)."""
    s = text.strip().replace("−", "-")
    if s in ("yes", "no"):
        return s == "yes"
    if LETTER_LIST.match(s):
        return Letters(frozenset(re.findall(r"\(([a-z])\)", s)))
    if s.startswith("{") and s.endswith("}"):
        return Names(tuple(_split_outside_parentheses(s[1:-1])), True)
    if NAME_LIKE.match(s):
        return Names((s,), False)
    value = ast.literal_eval(s)
    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
        raise ValueError(f"not a number, a tuple or a list: {s!r}")
    if isinstance(value, (list, tuple)):
        array = np.array(value)
        if array.dtype.kind not in "iuf":
            raise ValueError(f"not a rectangular array of numbers: {s!r}")
        return array
    return value


def element_from_name(name, group):
    """The matrix of an element written as groups.name writes it: t(u,v), M and R(r), joined by '·', in that order."""
    G = groups.get(group)
    if name == "e":
        return groups.identity()
    values = {"m": 0, "r": 0, "u": 0, "v": 0}
    order = []
    for part in name.split("·"):
        m = NAME_PART.match(part.strip())
        if not m:
            raise ValueError(f"{part!r} in {name!r} is none of t(u,v), M, R(r)")
        kind = "t" if m.group(1) is not None else "M" if m.group(3) else "R"
        order.append(kind)
        if kind == "t":
            values["u"], values["v"] = int(m.group(1)), int(m.group(2))
        elif kind == "M":
            values["m"] = 1
        else:
            values["r"] = int(m.group(4))
    if order != sorted(order, key="tMR".index) or len(set(order)) != len(order):
        raise ValueError(f"{name!r}: the parts must come as t(u,v)·M·R(r), each at most once")
    if values["m"] and G.mirror is None:
        raise ValueError(f"{name!r}: {G.name} has no mirror")
    return groups.element(G, *(values[p] for p in G.parameter_names))


def _element_key(matrix):
    return tuple(np.asarray(matrix, dtype=np.int64).ravel().tolist())


def disagreement(stated_text, computed):
    """None if the stated text says what the checker computed; otherwise a message with both sides."""
    try:
        stated = parse_value(stated_text)
        if isinstance(computed, (bool, np.bool_)):
            ok, shown = isinstance(stated, bool) and stated == bool(computed), "yes" if computed else "no"
        elif isinstance(computed, Letters):
            ok, shown = stated == computed, ", ".join(f"({x})" for x in sorted(computed.letters)) or "no option"
        elif isinstance(computed, Element):
            if isinstance(stated, Names) and not stated.is_set and len(stated.names) == 1:
                stated = element_from_name(stated.names[0], computed.group)
            ok = isinstance(stated, np.ndarray) and stated.shape == (3, 3) and np.array_equal(stated, computed.matrix)
            shown = groups.name(computed.matrix, computed.group)
        elif isinstance(computed, ElementSet):
            ok = isinstance(stated, Names) and stated.is_set and (
                sorted(_element_key(element_from_name(n, computed.group)) for n in stated.names)
                == sorted(_element_key(m) for m in computed.matrices))
            shown = "{" + ", ".join(groups.name(m, computed.group) for m in computed.matrices) + "}"
        elif isinstance(computed, Digits):
            rounded = float(f"{computed.value:.{computed.digits - 1}e}")
            ok = isinstance(stated, (int, float)) and not isinstance(stated, bool) and stated == rounded
            shown = f"{computed.value!r}, to {computed.digits} significant digits {rounded!r}"
        elif isinstance(computed, (int, np.integer)):
            shown = int(computed)
            ok = isinstance(stated, int) and not isinstance(stated, bool) and stated == shown
        elif isinstance(computed, np.ndarray):
            assert computed.dtype.kind in "iu", f"a checker returned a {computed.dtype} array; compare integers only"
            ok = isinstance(stated, np.ndarray) and stated.dtype.kind in "iu" and stated.shape == computed.shape \
                and np.array_equal(stated, computed)
            shown = computed.tolist()
        else:
            raise TypeError(f"a checker returned {type(computed).__name__}, which no comparison handles")
    except (ValueError, SyntaxError) as error:
        return f"the stated answer {stated_text!r} cannot be read: {error}"
    return None if ok else f"stated {stated_text!r}, but the library computes {shown}"


def changed(stated_text):
    """A different answer of the same form: yes/no swapped, option (a) toggled, or one digit changed."""
    s = stated_text.strip()
    if s in ("yes", "no"):
        return "no" if s == "yes" else "yes"
    if LETTER_LIST.match(s):
        letters = set(re.findall(r"\(([a-z])\)", s)) ^ {"a"}
        return ", ".join(f"({x})" for x in sorted(letters)) or "(b)"
    m = re.search(r"\d+", stated_text)  # the first run of digits: change its last digit
    if m:
        d = int(m.group()[-1])
        return stated_text[:m.end() - 1] + str(d - 1 if d else 1) + stated_text[m.end():]
    if s == "M":
        return "M·R(1)"
    raise ValueError(f"no way to change the answer {stated_text!r}")


# ---------------------------------------------------------------- the checkers

CHECKS = {}


def checker(function):
    """Register `function` as the checker of the answer tagged with its name (s2q5a: session 2, question 5, (a))."""
    assert function.__name__ not in CHECKS, f"two checkers for {function.__name__}"
    CHECKS[function.__name__] = function
    return function


def R(r):
    return groups.rotation(r)


def M():
    return groups.mirror(1)


def t(u, v):
    return groups.translation(u, v)


def exact_ints(a):
    """A float array that holds whole numbers, as int64 (assert: no rounding hides an error)."""
    a = np.asarray(a)
    assert np.array_equal(a, np.round(a)), a
    return np.round(a).astype(np.int64)


def choices(**truth):
    """Letters of the options that are true."""
    return Letters(frozenset(letter for letter, true in truth.items() if true))


def image_on_group(planes):
    """A function on p4 with one-pixel planes: (1, 1, |H|, 1, 1) from |H| numbers."""
    return np.asarray(planes).reshape(1, 1, -1, 1, 1)


D4 = groups.point_group("p4m")
C4 = groups.point_group("p4")
F3 = np.arange(1, 10).reshape(3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]], sessions 2 and 4
RNG_SEED = checks.SEED


def rng():
    return np.random.default_rng(RNG_SEED)


# Session 1 --------------------------------------------------------------------

def _permutes_pixels(phi, n=5):
    """phi maps the image of entry numbers 0..n*n-1 onto a rearrangement of them: phi only moves pixels."""
    numbers = np.arange(n * n).reshape(n, n)
    return np.array_equal(np.sort(phi(numbers).ravel()), numbers.ravel())


@checker
def s1q1():
    """Which maps of 5x5 images keep the histogram: L_R(1), f + 1, L_M, L_t(0,1) zero, L_t(0,1) wrap."""
    maps = {"a": lambda f: action.transform_image(f, R(1)), "b": lambda f: f + 1,
            "c": lambda f: action.transform_image(f, M()),
            "d": lambda f: action.transform_image(f, t(0, 1), boundary="zero"),
            "e": lambda f: action.transform_image(f, t(0, 1), boundary="wrap")}
    images = rng().integers(-3, 4, size=(20, 5, 5))
    truth = {}
    for letter, phi in maps.items():
        keeps = all(np.array_equal(np.sort(phi(f).ravel()), np.sort(f.ravel())) for f in images)
        # A map that passes on the samples is proved a symmetry by moving pixels only; a failure is a counterexample.
        assert not keeps or _permutes_pixels(phi), letter
        truth[letter] = keeps
    return choices(**truth)


@checker
def s1q2():
    """R(3) as a 3x3 matrix."""
    r3 = groups.rotation(3)
    assert np.array_equal(r3, groups.compose(R(1), R(1), R(1))) and np.array_equal(r3, groups.inverse(R(1)))
    return r3


@checker
def s1q3():
    """Parameters (r, u, v) of g(1, 2, 0) . g(1, 0, 3) in p4."""
    product = groups.compose(groups.p4_element(1, 2, 0), groups.p4_element(1, 0, 3))
    return np.array([int(p) for p in groups.parameters(product, "p4")])


@checker
def s1q4a():
    """(ab)^-1 for a = R(1), b = M."""
    return Element("p4m", groups.inverse(groups.compose(R(1), M())))


@checker
def s1q4b():
    """a^-1 b^-1 for a = R(1), b = M."""
    return Element("p4m", groups.compose(groups.inverse(R(1)), groups.inverse(M())))


@checker
def s1q4c():
    """The number of elements of D4 that are their own inverse."""
    return sum(np.array_equal(groups.compose(s, s), groups.identity()) for s in D4)


@checker
def s1q5a():
    """The elements of D4 that commute with every element of D4."""
    central = [a for a in D4 if all(np.array_equal(a @ b, b @ a) for b in D4)]
    return ElementSet("p4m", central)


@checker
def s1q5b():
    """The number of ordered pairs (a, b) of D4 with a b = b a."""
    return sum(np.array_equal(a @ b, b @ a) for a in D4 for b in D4)


G_S1Q6 = (1, 1, 2, -1)  # g = t(2, -1) . M . R(1): parameters (m, r, u, v)


@checker
def s1q6a():
    """The matrix of g = t(2, -1) . M . R(1)."""
    g = groups.compose(t(2, -1), M(), R(1))
    assert np.array_equal(g, groups.p4m_element(*G_S1Q6))
    return g


@checker
def s1q6b():
    """g(1, 0) for g = t(2, -1) . M . R(1)."""
    return groups.act(groups.compose(t(2, -1), M(), R(1)), [1, 0])


@checker
def s1q6c():
    """g^-1 for g = t(2, -1) . M . R(1)."""
    return Element("p4m", groups.inverse(groups.compose(t(2, -1), M(), R(1))))


@checker
def s1q7a():
    """t(1, 0) . R(1) . t(-1, 0)."""
    return Element("p4", groups.compose(t(1, 0), R(1), t(-1, 0)))


@checker
def s1q7b():
    """The pixel that t(1, 0) . R(1) . t(-1, 0) leaves where it is (searched on a window)."""
    g = groups.compose(t(1, 0), R(1), t(-1, 0))
    window = np.stack(np.meshgrid(np.arange(-9, 10), np.arange(-9, 10), indexing="ij"), axis=-1).reshape(-1, 2)
    fixed = window[np.all(groups.act(g, window) == window, axis=-1)]
    assert len(fixed) == 1, fixed
    return fixed[0]


@checker
def s1q8():
    """cayley_table("p4m")[1, 4]."""
    entry = groups.cayley_table("p4m")[1, 4]
    H = groups.point_group("p4m")
    assert entry == groups.point_group_index(H[1] @ H[4], "p4m")
    return int(entry)


@checker
def s1q9a():
    """Is np.cos(np.pi / 2) == 0 in float64?"""
    return bool(np.cos(np.pi / 2) == 0.0)


@checker
def s1q9b():
    """np.cos(np.pi / 2), to four significant digits."""
    return Digits(float(np.cos(np.pi / 2)), 4)


@checker
def s1q9c():
    """int(2 * np.sin(np.pi / 6))."""
    return int(2 * np.sin(np.pi / 6))


# Session 2 --------------------------------------------------------------------

@checker
def s2q1a():
    """The point g^-1 x read by the top-left pixel x = (-1, -1) of L_R(1) f."""
    return groups.act(groups.inverse(R(1)), [-1, -1])


@checker
def s2q1b():
    """The value shown at the top-left pixel of L_R(1) f."""
    return int(action.transform_image_literal(F3, R(1))[0, 0])


@checker
def s2q1c():
    """L_R(1) f for f = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]."""
    moved = action.transform_image_literal(F3, R(1))
    assert np.array_equal(moved, np.rot90(F3))
    return moved


@checker
def s2q2a():
    """L_M f."""
    moved = action.transform_image_literal(F3, M())
    assert np.array_equal(moved, np.flip(F3, axis=0))
    return moved


@checker
def s2q2b():
    """L_t(0,1) f, boundary "zero"."""
    return action.transform_image_literal(F3, t(0, 1), boundary="zero")


@checker
def s2q2c():
    """L_{M.R(1)} f."""
    moved = action.transform_image_literal(F3, groups.compose(M(), R(1)))
    assert np.array_equal(moved, F3.T)
    return moved


@checker
def s2q3():
    """Which formula is (L_t f)(u, v) for t = t(0, 1): f(u, v-1), f(u, v+1), f(u-1, v), f(u+1, v)."""
    f = rng().integers(-9, 10, size=(7, 7))
    moved = action.transform_image(f, t(0, 1), boundary="wrap")
    # out[i, j] = f[i + a, j + b] on the torus is np.roll by (-a, -b)
    candidates = {"a": np.roll(f, 1, axis=1), "b": np.roll(f, -1, axis=1),
                  "c": np.roll(f, 1, axis=0), "d": np.roll(f, -1, axis=0)}
    return choices(**{letter: np.array_equal(moved, c) for letter, c in candidates.items()})


G_S2Q4 = groups.p4_element(1, 3, 2)  # g = t(3, 2) . R(1)


@checker
def s2q4a():
    """g y for g = t(3, 2) . R(1) and y = (-3, 2)."""
    gy = groups.act(G_S2Q4, [-3, 2])
    assert np.array_equal(groups.act(groups.inverse(G_S2Q4), gy), [-3, 2])  # perspective 2 reads y at g y
    return gy


@checker
def s2q4b():
    """The element that moves the grid: g^-1 for g = t(3, 2) . R(1)."""
    return Element("p4", groups.inverse(G_S2Q4))


@checker
def s2q5a():
    """g h for g = R(1), h = t(0, 1)."""
    return Element("p4", groups.compose(R(1), t(0, 1)))


@checker
def s2q5b():
    """h g for g = R(1), h = t(0, 1)."""
    return Element("p4", groups.compose(t(0, 1), R(1)))


def _read_at(f, g):
    """x -> f(g x) on the n x n torus, by the matrix and modular array indices (first principles: f o g)."""
    n = f.shape[0]
    c = (n - 1) // 2
    x = np.stack(np.meshgrid(np.arange(n) - c, np.arange(n) - c, indexing="ij"), axis=-1)
    gx = groups.act(g, x)
    return f[(gx[..., 0] + c) % n, (gx[..., 1] + c) % n]


@checker
def s2q5c():
    """L_g L_h f on the 3x3 torus, g = R(1), h = t(0, 1)."""
    g, h = R(1), t(0, 1)
    both = action.transform_image(action.transform_image(F3, h, "wrap"), g, "wrap")
    assert np.array_equal(both, _read_at(F3, groups.inverse(g @ h)))  # = L_gh f, read at (g h)^-1 x
    return both


@checker
def s2q5d():
    """The number of pixels where L'_g L'_h f and L'_gh f differ, L'_g f = f o g, on the 3x3 torus."""
    g, h = R(1), t(0, 1)
    twice = _read_at(_read_at(F3, h), g)
    return int((twice != _read_at(F3, g @ h)).sum())


@checker
def s2q6():
    """Pixels of L_g L_h f that differ from f: 5x5, zero boundary, h = t(0, 3), g = t(0, -3)."""
    f = np.arange(1, 26).reshape(5, 5)
    both = action.transform_image(action.transform_image(f, t(0, 3)), t(0, -3))
    return int((both != f).sum())


def _plane_sources(u, group):
    """perm[s]: which plane of F plane s of L_u F comes from, found by moving F with one-pixel planes 0, 1, 2, ..."""
    nH = groups.order(group)
    planes = np.arange(nH).reshape(nH, 1, 1)
    perm = action.transform_group_function_literal(planes, u, group)[:, 0, 0]
    assert np.array_equal(perm, action.group_axis_permutation(u, group))
    return perm


@checker
def s2q7():
    """perm for u = R(1) on p4."""
    return _plane_sources(R(1), "p4")


@checker
def s2q8a():
    """perm for u = R(1) on p4m."""
    return _plane_sources(R(1), "p4m")


@checker
def s2q8b():
    """The slot that the plane M.R(1) (index 5) goes to under L_R(1), on p4m."""
    perm = _plane_sources(R(1), "p4m")
    (slot,) = np.flatnonzero(perm == 5)
    assert slot == groups.point_group_index(R(1) @ M() @ R(1), "p4m")  # slot u . s'
    return int(slot)


@checker
def s2q9():
    """perm for u = M on p4m."""
    return _plane_sources(M(), "p4m")


# Session 3 --------------------------------------------------------------------

F_EX04 = np.array([[1, 2, 0], [0, 1, 3], [2, 0, 1]])
PSI_EX04 = np.array([[0, 1, 0], [1, -1, 2], [0, 0, 1]])


def planar(f, psi, mode):
    """One image, one filter: the library's planar correlation as a 2-D array."""
    return correlate.planar_correlation(np.asarray(f)[None, None], np.asarray(psi)[None, None], mode)[0, 0]


@checker
def s3q1a():
    """f corr psi in mode "valid" (one number)."""
    out = planar(F_EX04, PSI_EX04, "valid")
    assert np.array_equal(out, scipy.signal.correlate2d(F_EX04, PSI_EX04, "valid"))
    return int(out[0, 0])


@checker
def s3q1b():
    """The shape of f corr psi in mode "full"."""
    return np.array(planar(F_EX04, PSI_EX04, "full").shape)


@checker
def s3q1c():
    """f corr psi at x = (-2, -2), the top-left pixel of the "full" output."""
    out = planar(F_EX04, PSI_EX04, "full")
    assert np.array_equal(out, scipy.signal.correlate2d(F_EX04, PSI_EX04, "full"))
    return int(out[0, 0])


@checker
def s3q2():
    """Output sides of a 28x28 input and a 5x5 filter in the modes valid, same, full, circular."""
    f, psi = np.zeros((28, 28)), np.zeros((5, 5))
    sides = [planar(f, psi, mode).shape[0] for mode in ("valid", "same", "full", "circular")]
    assert sides == [correlate.output_size(28, 5, mode) for mode in ("valid", "same", "full", "circular")]
    return np.array(sides)


@checker
def s3q3a():
    """psi_check with f conv psi = f corr psi_check: the filter read at -y."""
    c = 1  # the centre index of a 3 x 3 filter
    check_ = np.array([[PSI_EX04[c - (i - c), c - (j - c)] for j in range(3)] for i in range(3)])  # psi(-y)
    f = rng().integers(-5, 6, size=(9, 9))
    assert np.array_equal(correlate.planar_convolution(f[None, None], PSI_EX04[None, None], "full")[0, 0],
                          planar(f, check_, "full"))
    return check_


@checker
def s3q3b():
    """(f conv psi)(0), the centre of f conv psi in mode "full"."""
    out = correlate.planar_convolution(F_EX04[None, None], PSI_EX04[None, None], "full")[0, 0]
    assert np.array_equal(out, scipy.signal.convolve2d(F_EX04, PSI_EX04, "full"))
    return int(out[2, 2])


def _band(n, k, u, v):
    """Where (L_t f) corr psi and L_t (f corr psi) differ, mode "same", boundary "zero", measured on positive data."""
    g = np.random.default_rng(RNG_SEED)
    f, psi = g.integers(1, 10, size=(n, n)), g.integers(1, 10, size=(k, k))  # positive: no term can cancel
    T = t(u, v)
    return planar(action.transform_image(f, T), psi, "same") != action.transform_image(planar(f, psi, "same"), T)


def _band_from_terms(n, k, u, v):
    """The same band from the frame alone: the pixels x whose two sides have different sets of terms y (C5)."""
    p = (k - 1) // 2
    support = list(itertools.product(range(-p, p + 1), repeat=2))

    def on(i, j):
        return 0 <= i < n and 0 <= j < n

    band = np.zeros((n, n), dtype=bool)
    for i, j in itertools.product(range(n), repeat=2):
        left = {y for y in support if on(i + y[0], j + y[1]) and on(i + y[0] - u, j + y[1] - v)}
        right = {y for y in support if on(i - u, j - v) and on(i - u + y[0], j - v + y[1])}
        band[i, j] = left != right
    return band


@checker
def s3q5a():
    """The columns of the 7x7 output in the border band, k = 3, t = t(0, 2)."""
    band = _band(7, 3, 0, 2)
    assert np.array_equal(band, _band_from_terms(7, 3, 0, 2))
    return np.flatnonzero(band.any(axis=0))


@checker
def s3q5b():
    """The number of pixels in that band."""
    return int(_band(7, 3, 0, 2).sum())


@checker
def s3q6():
    """Which (mode, boundary) make (L_t f) corr psi = L_t (f corr psi) exact for t = t(0, 2), 7x7, 3x3."""
    g = rng()
    f, psi = g.integers(-9, 10, size=(7, 7)), g.integers(-9, 10, size=(3, 3))
    T = t(0, 2)
    setups = {"a": ("valid", "zero"), "b": ("same", "zero"), "c": ("full", "grow"), "d": ("circular", "wrap")}
    truth = {}
    for letter, (mode, boundary) in setups.items():
        lhs = planar(action.transform_image(f, T, boundary), psi, mode)
        rhs = action.transform_image(planar(f, psi, mode), T, boundary)
        truth[letter] = lhs.shape == rhs.shape and np.array_equal(lhs, rhs)
    return choices(**truth)


EDGE = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
ISOTROPIC = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]])


def _turn_signs(psi):
    """{element name: +1 if (L_s f) corr psi = L_s (f corr psi), -1 if = -L_s (...), 0 otherwise}, over D4."""
    f = rng().integers(-9, 10, size=(9, 9))
    signs = []
    for s in D4:
        lhs = planar(action.transform_image(f, s), psi, "same")
        rhs = action.transform_image(planar(f, psi, "same"), s)
        sign = 1 if np.array_equal(lhs, rhs) else -1 if np.array_equal(lhs, -rhs) else 0
        # C6: (L_s f) corr psi = L_s (f corr L_{s^-1} psi), so the sign is that of L_{s^-1} psi against psi
        turned = action.transform_image(psi, groups.inverse(s))
        assert sign == (1 if np.array_equal(turned, psi) else -1 if np.array_equal(turned, -psi) else 0)
        signs.append(sign)
    return np.array(signs)


@checker
def s3q7a():
    """The s in D4 with (L_s f) corr EDGE = L_s (f corr EDGE) for every f."""
    return ElementSet("p4m", list(D4[_turn_signs(EDGE) == 1]))


@checker
def s3q7b():
    """The s in D4 with (L_s f) corr EDGE = -L_s (f corr EDGE) for every f."""
    return ElementSet("p4m", list(D4[_turn_signs(EDGE) == -1]))


@checker
def s3q8a():
    """Is the correlation with the isotropic filter equivariant to every element of D4?"""
    return bool(np.all(_turn_signs(ISOTROPIC) == 1))


@checker
def s3q8b():
    """Centre values of f corr psi and (L_R(1) f) corr psi for the 5x5 vertical step and the isotropic filter."""
    step = np.zeros((5, 5), dtype=np.int64)
    step[:, 2:] = 1
    return np.array([planar(step, ISOTROPIC, "same")[2, 2],
                     planar(action.transform_image(step, R(1)), ISOTROPIC, "same")[2, 2]])


@checker
def s3q9a():
    """tau with (f corr psi)(t) = ((L_tau f) corr psi)(0), t = t(1, -2), on the 7x7 torus."""
    f = np.arange(49).reshape(7, 7)
    tau = groups.inverse(t(1, -2))
    out = planar(f, PSI_EX04, "circular")
    assert out[3 + 1, 3 - 2] == planar(action.transform_image(f, tau, "wrap"), PSI_EX04, "circular")[3, 3]
    return Element("T", tau)


@checker
def s3q9b():
    """(f corr psi)(t(1, -2)) on the 7x7 torus, f = 0..48, by the sum over y of f(t(y)) psi(y)."""
    f = np.arange(49).reshape(7, 7)
    T = t(1, -2)
    total = 0
    for i, j in itertools.product(range(3), repeat=2):  # y = (i - 1, j - 1), the filter's support
        x = groups.act(T, [i - 1, j - 1])  # t(y), then onto the torus
        total += f[(x[0] + 3) % 7, (x[1] + 3) % 7] * PSI_EX04[i, j]
    assert total == planar(f, PSI_EX04, "circular")[4, 1]
    return int(total)


# Session 4 --------------------------------------------------------------------

PSI_UP = np.zeros((3, 3), dtype=np.int64)
PSI_UP[0, 1] = 1  # a single 1 at (u, v) = (-1, 0)


def _lifted_centre(f):
    """The p4 lifting correlation of a 3x3 image with PSI_UP, mode "valid": four numbers, one per plane."""
    out = correlate.lifting_correlation(np.asarray(f)[None, None], PSI_UP[None, None], "p4")[0, 0, :, 0, 0]
    literal = correlate.lifting_correlation_literal(np.asarray(f)[None, None], PSI_UP[None, None], "p4")
    assert np.array_equal(out, literal[0, 0, :, 0, 0])
    return out


@checker
def s4q1():
    """(f corr psi)(R(r)), r = 0..3, for f = 1..9 and psi a single 1 above the centre."""
    out = _lifted_centre(F3)
    by_hand = [F3[tuple(groups.act(R(r), [-1, 0]) + 1)] for r in range(4)]  # f(R(r)(-1, 0))
    assert np.array_equal(out, by_hand)
    return out


@checker
def s4q2():
    """The same four numbers for L_R(1) f."""
    return _lifted_centre(action.transform_image(F3, R(1)))


@checker
def s4q3a():
    """Output shape: p4m lifting of (2, 3, 28, 28) with (5, 3, 3, 3), "valid"."""
    return np.array(correlate.lifting_correlation(np.zeros((2, 3, 28, 28)), np.zeros((5, 3, 3, 3)), "p4m").shape)


@checker
def s4q3b():
    """Output shape: p4m group correlation of that output with (7, 5, 8, 3, 3), "same"."""
    lifted = correlate.lifting_correlation(np.zeros((2, 3, 28, 28)), np.zeros((5, 3, 3, 3)), "p4m")
    return np.array(correlate.group_correlation(lifted, np.zeros((7, 5, 8, 3, 3)), "p4m", "same").shape)


@checker
def s4q4():
    """Which description of (L_R(1) f) corr psi is right: turned in place, turned and r -> r+1, turned and r -> r-1,
    moved r -> r+1 unturned."""
    g = rng()
    f, psi = g.integers(-9, 10, size=(1, 1, 9, 9)), g.integers(-9, 10, size=(1, 1, 3, 3))
    out = correlate.lifting_correlation(f, psi, "p4", "same")[0, 0]
    turned_f = correlate.lifting_correlation(action.transform_image(f, R(1)), psi, "p4", "same")[0, 0]
    turned = np.rot90(out, axes=(-2, -1))
    candidates = {"a": turned, "b": np.roll(turned, 1, axis=0), "c": np.roll(turned, -1, axis=0),
                  "d": np.roll(out, 1, axis=0)}  # np.roll by +1 on the group axis: plane r goes to slot r + 1
    return choices(**{letter: np.array_equal(turned_f, c) for letter, c in candidates.items()})


F_C4 = (1, 2, 3, 4)
PSI_C4 = (1, 10, 0, 0)


@checker
def s4q5():
    """p4 group correlation of f = (1, 2, 3, 4) and psi = (1, 10, 0, 0) on one pixel."""
    out = correlate.group_correlation(image_on_group(F_C4), image_on_group(PSI_C4), "p4")[0, 0, :, 0, 0]
    index = groups.point_group_index  # (f corr psi)(R(r)) = sum over r' of f(R(r) R(r')) psi(R(r')), by the matrices
    by_hand = [sum(F_C4[index(R(r) @ R(q), "p4")] * PSI_C4[q] for q in range(4)) for r in range(4)]
    assert np.array_equal(out, by_hand)
    return out


@checker
def s4q6a():
    """psi_check(h) = psi(h^-1) for psi = (1, 10, 0, 0) on C4."""
    reversed_ = correlate.reverse_filter(image_on_group(PSI_C4), "p4")[0, 0, :, 0, 0]
    by_hand = [PSI_C4[groups.point_group_index(groups.inverse(R(r)), "p4")] for r in range(4)]
    assert np.array_equal(reversed_, by_hand)
    return reversed_


@checker
def s4q6b():
    """p4 group convolution of f = (1, 2, 3, 4) and psi = (1, 10, 0, 0) on one pixel."""
    out = correlate.group_convolution(image_on_group(F_C4), image_on_group(PSI_C4), "p4")[0, 0, :, 0, 0]
    # the circular convolution of two length-4 sequences, by the FFT (convolution theorem)
    by_fft = np.real(np.fft.ifft(np.fft.fft(F_C4) * np.fft.fft(PSI_C4)))
    assert np.allclose(out, by_fft)
    return out


def _reverse_source(plane):
    """(source plane, quarter turns q) with plane `plane` of psi_check = np.rot90(plane source of psi, q), on p4."""
    psi = np.arange(36).reshape(1, 1, 4, 3, 3)  # every entry different: the match is unique
    reversed_ = correlate.reverse_filter(psi, "p4")[0, 0, plane]
    found = [(source, q) for source in range(4) for q in range(4)
             if np.array_equal(reversed_, np.rot90(psi[0, 0, source], q))]
    assert len(found) == 1, found
    return found[0]


@checker
def s4q7a():
    """The plane of psi that plane 1 of psi_check comes from."""
    return _reverse_source(1)[0]


@checker
def s4q7b():
    """The quarter turns q of that plane."""
    return _reverse_source(1)[1]


@checker
def s4q8():
    """Which planar filters give f conv psi = f corr psi for every f."""
    filters = {"a": ISOTROPIC, "b": EDGE, "c": np.array([[1, 0, 0], [0, 0, 0], [0, 0, 1]]), "d": PSI_UP}
    f = rng().integers(-9, 10, size=(1, 1, 9, 9))
    truth = {}
    for letter, psi in filters.items():
        same = np.array_equal(correlate.planar_convolution(f, psi[None, None], "full"),
                              correlate.planar_correlation(f, psi[None, None], "full"))
        assert same == np.array_equal(psi, psi[::-1, ::-1])  # f conv psi = f corr psi_check: equal iff psi_check = psi
        truth[letter] = same
    return choices(**truth)


def _group_equivariant(u):
    """Is the p4 group correlation in mode "valid" equivariant for u (boundary "zero"), on random integers?"""
    g = rng()
    f, psi = g.integers(-9, 10, size=(1, 2, 4, 9, 9)), g.integers(-9, 10, size=(2, 2, 4, 3, 3))
    lhs = correlate.group_correlation(action.transform_group_function(f, u, "p4"), psi, "p4")
    rhs = action.transform_group_function(correlate.group_correlation(f, psi, "p4"), u, "p4")
    return bool(np.array_equal(lhs, rhs))


@checker
def s4q9a():
    """Equivariant in "valid" mode for u = t(0, 1)?"""
    return _group_equivariant(t(0, 1))


@checker
def s4q9b():
    """Equivariant in "valid" mode for u = R(1)?"""
    return _group_equivariant(R(1))


# Session 5 --------------------------------------------------------------------

@checker
def s5q1a():
    """Shape of the p4 lifting bank of a (5, 3, 3, 3) filter."""
    return np.array(correlate.expand_lifting_filter(np.zeros((5, 3, 3, 3)), "p4").shape)


@checker
def s5q1b():
    """Shape of the p4m bank of a (5, 3, 8, 3, 3) filter."""
    return np.array(correlate.expand_group_filter(np.zeros((5, 3, 8, 3, 3)), "p4m").shape)


@checker
def s5q1c():
    """Output and input channels of the one planar correlation that computes the p4m group correlation."""
    g = rng()
    f, psi = g.integers(-3, 4, size=(1, 3, 8, 7, 7)), g.integers(-3, 4, size=(5, 3, 8, 3, 3))
    bank = correlate.expand_group_filter(psi, "p4m")
    planar_bank = bank.reshape(5 * 8, 3 * 8, 3, 3)  # (o, s) as output channels, (c, s') as input channels
    by_planar = correlate.planar_correlation(f.reshape(1, 3 * 8, 7, 7), planar_bank)
    assert np.array_equal(by_planar.reshape(1, 5, 8, 5, 5), correlate.group_correlation(f, psi, "p4m"))
    return np.array(planar_bank.shape[:2])


@checker
def s5q2a():
    """Row 1 (the element R(1)) of filter_bank.lifting_index for p4 and k = 3."""
    row = filter_bank.lifting_index(groups.get("p4"), 3)[1]
    assert np.array_equal(row, np.rot90(np.arange(9).reshape(3, 3)).ravel())  # L_R(1) psi = np.rot90(psi)
    return np.array(row)


@checker
def s5q2b():
    """The element whose gather is the transpose of the gather of R(1)."""
    index = filter_bank.lifting_index(groups.get("p4"), 3)
    gathers = [np.eye(9, dtype=np.int64)[row] for row in index]  # P[m, index[m]] = 1: (P psi)[m] = psi[index[m]]
    (found,) = [s for s in range(4) if np.array_equal(gathers[s], gathers[1].T)]
    return Element("p4", C4[found])


def _bank_source(group, s_index, plane):
    """The plane of psi that plane `plane` of L_s psi comes from, s = H[s_index], by matching the moved planes."""
    H = groups.point_group(group)
    nH = len(H)
    psi = np.arange(nH * 9).reshape(1, 1, nH, 3, 3)  # every entry different
    moved = correlate.expand_group_filter(psi, group)[0, s_index, 0, plane]
    found = [q for q in range(nH) if np.array_equal(moved, action.transform_image(psi[0, 0, q], H[s_index]))]
    assert len(found) == 1, found
    return found[0]


@checker
def s5q3a():
    """p4, s = R(1): the plane of psi behind plane 0 of L_s psi."""
    return _bank_source("p4", 1, 0)


@checker
def s5q3b():
    """p4m, s = M: the plane of psi behind plane 5 of L_s psi."""
    return _bank_source("p4m", 4, 5)


def _slot(group, s_index, layout=None):
    cells, _ = plot.slot_cells(group, layout)
    return cells[s_index]


@checker
def s5q4a():
    """The cell of R(1)'s patch in the p4 layout."""
    return _slot("p4", 1)


@checker
def s5q4b():
    """The cell of M's patch in the p4m "orbit" layout."""
    return _slot("p4m", 4, "orbit")


@checker
def s5q4c():
    """The element whose patch sits in cell (0, 2) of the p4m "orbit" layout."""
    cells, _ = plot.slot_cells("p4m", "orbit")
    (s,) = [i for i, cell in enumerate(cells) if tuple(cell) == (0, 2)]
    return Element("p4m", D4[s])


F_PLANES = np.arange(1, 5).reshape(4, 1, 1)  # four 1 x 1 planes holding 1, 2, 3, 4


def _canvas(F):
    return exact_ints(plot.arrange_canvas(F, "p4", gap=0, margin=0, fill=0))


@checker
def s5q5a():
    """The canvas of F (p4, 1x1 planes 1..4, gap 0, margin 0, fill 0)."""
    return _canvas(F_PLANES)


@checker
def s5q5b():
    """The canvas of L_R(1) F."""
    canvas = _canvas(action.transform_group_function(F_PLANES, R(1), "p4"))
    assert np.array_equal(canvas, np.rot90(_canvas(F_PLANES)))  # V1
    return canvas


def _mirror_is_flip(layout):
    F = rng().integers(-9, 10, size=(8, 3, 3))
    canvas = plot.arrange_canvas(F, "p4m", layout=layout, fill=0)
    mirrored = plot.arrange_canvas(action.transform_group_function(F, M(), "p4m"), "p4m", layout=layout, fill=0)
    return bool(np.array_equal(mirrored, np.flip(canvas, axis=0)))


@checker
def s5q6a():
    """Is canvas(L_M F) = np.flip(canvas(F), axis=0) in the "orbit" layout?"""
    return _mirror_is_flip("orbit")


@checker
def s5q6b():
    """The same in the "rings" layout."""
    return _mirror_is_flip("rings")


def _exercise_11():
    """The four layers of exercises/ex11_counterexamples.py, loaded from the exercise file itself."""
    spec = importlib.util.spec_from_file_location("quiz_ex11", ROOT / "exercises" / "ex11_counterexamples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _smallest_counterexample(layer, elements, on_group_in, on_group_out, linear):
    """The smallest n <= 3 with an integer input on an n x n frame and an element that break the layer.

    Linear layers are decided exactly by the unit inputs (one entry 1, the rest 0); the others by every input
    with entries 0 and 1, which suffices for the layers here (the search reports None if it finds nothing).
    """
    def move(x, g, on_group):
        return action.transform_group_function(x, g, "p4") if on_group else action.transform_image(x, g)

    for n in range(1, 4):
        shape = (4, n, n) if on_group_in else (n, n)
        size = int(np.prod(shape))
        inputs = (np.eye(size, dtype=np.int64) if linear
                  else np.array(list(itertools.product((0, 1), repeat=size)), dtype=np.int64))
        inputs = np.concatenate([np.zeros((1, size), dtype=np.int64), inputs])  # the empty input too (affine layers)
        for x in inputs.reshape((-1,) + shape):
            for g in elements:
                if not np.array_equal(layer(move(x, g, on_group_in)), move(layer(x), g, on_group_out)):
                    return n
    return None


@checker
def s5q7():
    """The smallest frame side with a counterexample for the layers A, B, C, D of exercise 11."""
    ex = _exercise_11()
    return np.array([
        _smallest_counterexample(ex.planar_layer, D4, False, False, linear=True),
        _smallest_counterexample(ex.lifting_with_plane_bias, C4, False, True, linear=True),
        _smallest_counterexample(ex.forgetful_group_layer, C4, True, True, linear=True),
        _smallest_counterexample(ex.rotation_pooled_layer, D4, False, False, linear=False),
    ])


@checker
def s5q8():
    """Which stacks satisfy Phi(L_R(1) f) = L_R(1) Phi(f)."""
    g = rng()
    f = g.integers(-9, 10, size=(1, 1, 9, 9))  # integers: every path is exact
    psi1, psi2 = g.integers(-3, 4, size=(2, 1, 3, 3)), g.integers(-3, 4, size=(2, 2, 4, 3, 3))
    planar_psi = g.integers(-3, 4, size=(1, 2 * 4, 3, 3))
    thresholds = np.array([0.0, 1.0, 2.0, 3.0]).reshape(1, 1, 4, 1, 1)
    relu = nn.ReLU()

    def lift(x):
        return correlate.lifting_correlation(x, psi1, "p4", "same")

    stacks = {  # (network, its output is a function on p4)
        "a": (lambda x: relu.forward(correlate.group_correlation(relu.forward(lift(x)), psi2, "p4", "same")), True),
        "b": (lambda x: correlate.planar_correlation(lift(x).reshape(1, 8, 9, 9), planar_psi, "same"), False),
        "c": (lambda x: np.maximum(lift(x) - thresholds, 0), True),
        "d": (lambda x: correlate.planar_correlation(nn.CosetPool("max").forward(lift(x)),
                                                     np.stack([ISOTROPIC, ISOTROPIC])[None], "same"), False),
    }
    truth = {}
    for letter, (phi, on_group) in stacks.items():
        lhs = phi(action.transform_image(f, R(1)))
        rhs = action.transform_group_function(phi(f), R(1), "p4") if on_group else action.transform_image(phi(f), R(1))
        truth[letter] = bool(np.array_equal(lhs, rhs))  # integer-valued data: exact
    return choices(**truth)


# Session 6 --------------------------------------------------------------------

@checker
def s6q1():
    """Which (n, p, d) make nn.MaxPool(p, d) commute with a quarter turn."""
    setups = {"a": (11, 3, 2), "b": (11, 2, 2), "c": (12, 2, 2), "d": (28, 3, 2)}
    truth = {}
    for letter, (n, p, d) in setups.items():
        x = rng().normal(size=(1, 1, n, n))
        pool = nn.MaxPool(p, d)
        truth[letter] = bool(np.array_equal(pool.forward(np.rot90(x, axes=(-2, -1))),
                                            np.rot90(pool.forward(x), axes=(-2, -1))))
        assert truth[letter] == ((n - p) % d == 0)  # P2
    return choices(**truth)


def _pooled_shifts(v):
    """The shifts t(a, b) of P(f) that give P(L_t(0,v) f), P = MaxPool(3, 2), f 11x11 and zero near its border."""
    x = np.zeros((1, 1, 11, 11))
    x[..., 2:9, 2:9] = rng().normal(size=(7, 7))
    pool = nn.MaxPool(3, 2)
    pooled, shifted = pool.forward(x), pool.forward(action.transform_image(x, t(0, v)))
    return [(a, b) for a in range(-4, 5) for b in range(-4, 5)
            if np.array_equal(shifted, action.transform_image(pooled, t(a, b)))]


@checker
def s6q2a():
    """b with P(L_t(0,2) f) = L_t(0,b) P(f)."""
    (shift,) = _pooled_shifts(2)
    assert shift[0] == 0
    return shift[1]


@checker
def s6q2b():
    """Does any shift of P(f) give P(L_t(0,1) f)?"""
    return bool(_pooled_shifts(1))


@checker
def s6q3():
    """Which layers commute with L_R(1) on a p4 feature map (B, C, 4, rows, cols)."""
    g = rng()
    batch = g.normal(size=(8, 3, 4, 5, 5))
    x = g.normal(size=(2, 3, 4, 5, 5))
    shared, per_plane = nn.BatchNorm(3), nn.BatchNorm(3, per_plane=True)
    shared.forward(batch, train=True)
    per_plane.forward(batch, train=True)
    bias = nn.Bias(3)
    bias.params["b"] = np.array([0.5, -1.0, 2.0])
    thresholds = np.array([0.0, 0.1, 0.2, 0.3]).reshape(1, 1, 4, 1, 1)
    layers = {"a": nn.ReLU().forward, "b": lambda y: np.maximum(y - thresholds, 0),
              "c": shared.forward, "d": per_plane.forward, "e": bias.forward}
    truth = {}
    for letter, layer in layers.items():
        lhs = layer(action.transform_group_function(x, R(1), "p4"))
        rhs = action.transform_group_function(layer(x), R(1), "p4")
        truth[letter] = checks.residual(lhs, rhs).within_float_tolerance()  # float data: equal up to round-off
    return choices(**truth)


def _logits_invariant(network, n):
    x = rng().normal(size=(2, 1, n, n))
    before, after = network.forward(x), network.forward(np.ascontiguousarray(np.rot90(x, axes=(-2, -1))))
    return checks.residual(before, after).within_float_tolerance()  # the same sums in another order: round-off


@checker
def s6q4a():
    """G-CNN on p4, 11x11: logits unchanged by R(1)?"""
    return _logits_invariant(nn.gcnn("p4", batch_norm=False, rng=rng()), 11)


@checker
def s6q4b():
    """Planar CNN, 11x11: logits unchanged by R(1)?"""
    return _logits_invariant(nn.planar_cnn(batch_norm=False, rng=rng()), 11)


@checker
def s6q4c():
    """G-CNN on p4, 12x12: logits unchanged by R(1)?"""
    return _logits_invariant(nn.gcnn("p4", batch_norm=False, rng=rng()), 12)


@checker
def s6q5a():
    """n_parameters of nn.LiftingConv(1, 8, "p4", k=3)."""
    return nn.LiftingConv(1, 8, "p4", k=3, rng=rng()).n_parameters()


@checker
def s6q5b():
    """n_parameters of nn.GroupConv(8, 8, "p4", k=3)."""
    return nn.GroupConv(8, 8, "p4", k=3, rng=rng()).n_parameters()


@checker
def s6q5c():
    """n_parameters of nn.GroupConv(8, 8, "p6", k=3)."""
    layer = nn.GroupConv(8, 8, "p6", k=3, rng=rng())
    assert layer.n_parameters() == 8 * 8 * 6 * int(lattices.get("hexagonal").frame_mask(3, 3).sum())
    return layer.n_parameters()


@checker
def s6q6():
    """d loss / d f for out = f corr psi on p4, one pixel, psi = (1, 10, 0, 0), dout = (0, 1, 0, 0)."""
    psi, dout = image_on_group(PSI_C4).astype(float), image_on_group((0.0, 1.0, 0.0, 0.0))
    grad = correlate.group_correlation_grad_input(dout, psi, "p4", (1, 1, 4, 1, 1))[0, 0, :, 0, 0]

    def loss(f):  # the loss whose gradient with respect to the output is dout: sum of dout * out
        return float(np.sum(dout * correlate.group_correlation(f.reshape(1, 1, 4, 1, 1), psi, "p4")))

    unit = np.eye(4)
    by_differences = [(loss(unit[h]) - loss(-unit[h])) / 2 for h in range(4)]  # linear: exact for eps = 1
    assert np.array_equal(grad, by_differences)
    return exact_ints(grad)


@checker
def s6q7():
    """(L(1 + eps) - L(1 - eps)) / (2 eps) for L(x) = x^3, eps = 1e-3, to seven significant digits."""
    eps = 1e-3
    return Digits(((1 + eps) ** 3 - (1 - eps) ** 3) / (2 * eps), 7)


B_HEX = np.array([[1.0, 0.5], [0.0, np.sqrt(3) / 2]])  # columns b1, b2 in Cartesian coordinates


@checker
def s6q8a():
    """R^2 of p6 as a 2x2 matrix."""
    r2 = groups.point_group("p6")[2][:2, :2]
    angle = 2 * np.pi / 3
    cartesian = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert np.allclose(np.linalg.inv(B_HEX) @ cartesian @ B_HEX, r2)  # the turn by 120 degrees, in coefficients
    return r2


@checker
def s6q8b():
    """The number of elements of D6 that are integer matrices in Cartesian coordinates."""
    count = 0
    for s in groups.point_group("p6m"):
        cartesian = B_HEX @ s[:2, :2] @ np.linalg.inv(B_HEX)
        count += bool(np.allclose(cartesian, np.round(cartesian)))  # entries 1/2 and 0.866... are far from integers
    return count


@checker
def s6q8c():
    """B^-1 R(120 degrees) B in float64, truncated with .astype(np.int64)."""
    angle = 2 * np.pi / 3
    cartesian = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    truncated = (np.linalg.inv(B_HEX) @ cartesian @ B_HEX).astype(np.int64)
    homogeneous = np.eye(3, dtype=np.int64)
    homogeneous[:2, :2] = truncated
    assert not groups.is_member(homogeneous, "p6")  # the question's point: it is no element of p6
    return truncated


@checker
def s6q9a():
    """The number of cells of the hexagonal frame of a 13x13 array."""
    cells = int(lattices.get("hexagonal").frame_mask(13, 13).sum())
    r = 13 // 2
    assert cells == sum(1 for u in range(-r, r + 1) for v in range(-r, r + 1) if max(abs(u), abs(v), abs(u + v)) <= r)
    return cells


def _mirror_of_period():
    a1, a2 = lattices.get("hexagonal").periods(5)
    mirror = groups.point_group("p6m")[6][:2, :2]  # M, index 6m + r = 6
    return a1, a2, mirror @ a1


@checker
def s6q9b():
    """M a1 for n = 5."""
    return _mirror_of_period()[2]


@checker
def s6q9c():
    """Is M a1 an integer combination of a1 and a2? (Cramer's rule in exact fractions.)"""
    a1, a2, m_a1 = _mirror_of_period()
    det = int(a1[0] * a2[1] - a1[1] * a2[0])
    coefficients = (Fraction(int(m_a1[0] * a2[1] - m_a1[1] * a2[0]), det),
                    Fraction(int(a1[0] * m_a1[1] - a1[1] * m_a1[0]), det))
    return all(c.denominator == 1 for c in coefficients)


def _experiment_models():
    """MODELS of experiments/rotated_digits.py, loaded from the script (its main() is not run)."""
    spec = importlib.util.spec_from_file_location("quiz_rotated_digits", ROOT / "experiments" / "rotated_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MODELS


@checker
def s6q10a():
    """Channels of the p4 and p4m networks: 16 / sqrt(|H|), rounded."""
    channels = [round(16 / np.sqrt(groups.order(group))) for group in ("p4", "p4m")]
    models = _experiment_models()
    assert channels == [models["P4CNN"][2], models["P4M-CNN"][2]]  # what the experiment really uses
    return np.array(channels)


# ---------------------------------------------------------------- the tests

@pytest.fixture(scope="module")
def quizzes():
    paths = sorted(QUIZ_FOLDER.glob(QUIZ_GLOB))
    return [parse_quiz(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()) for path in paths]


@pytest.fixture(scope="module")
def answers(quizzes):
    return {answer.tag: answer for quiz in quizzes for answer in quiz.answers}


def test_there_is_one_quiz_per_session_and_each_keeps_the_format(quizzes):
    names = [quiz.name for quiz in quizzes]
    assert names == [f"instructor/quiz_session_{n}.md" for n in range(1, SESSIONS + 1)], names
    problems = [p for quiz in quizzes for p in quiz.problems] + duplicate_tags(quizzes)
    assert not problems, "\n".join(problems)


def test_every_tag_has_a_checker_and_every_checker_a_tag(quizzes):
    problems = tag_problems(quizzes, CHECKS)
    assert not problems, "\n".join(problems)


def test_tags_name_their_session(quizzes):
    """A tag s<N>q<M>... stands in quiz N, under question M, so that a failure points at the right place."""
    problems = []
    for n, quiz in enumerate(quizzes, start=1):
        for answer in quiz.answers:
            m = re.fullmatch(r"s(\d+)q(\d+)[a-z]?", answer.tag)
            line = int(answer.where.rsplit(":", 1)[1])
            question = max((q for q in quiz.questions if q[2] < line), key=lambda q: q[2])[0]
            if not m or (int(m.group(1)), int(m.group(2))) != (n, question):
                problems.append(f"{answer.where}: the tag {answer.tag} stands in quiz {n}, question {question}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tag", sorted(CHECKS))
def test_the_stated_answer_is_what_the_library_computes(tag, answers):
    assert tag in answers, f"no quiz states the answer tagged {tag}"
    answer = answers[tag]
    problem = disagreement(answer.stated, CHECKS[tag]())
    assert problem is None, f"{answer.where} ({tag}): {problem}"


@pytest.mark.parametrize("tag", sorted(CHECKS))
def test_a_changed_answer_is_reported(tag, answers):
    """The comparison can fail: the same answer with one digit (or yes/no, or an option) changed is rejected."""
    answer = answers[tag]
    wrong = changed(answer.stated)
    assert wrong != answer.stated
    assert disagreement(wrong, CHECKS[tag]()) is not None, f"{answer.where} ({tag}): {wrong!r} was accepted too"


def test_a_planted_copy_of_a_quiz_is_reported():
    """One copy of quiz 1, in memory, with one error of each kind planted; each is reported, and nothing else."""
    name = "instructor/quiz_session_1.md"
    text = (ROOT / name).read_text(encoding="utf-8")

    def planted(old, new):
        assert text.count(old) == 1, old
        return text.replace(old, new)

    clean = parse_quiz(text, name)
    assert not clean.problems, clean.problems
    stated = {a.tag: a.stated for a in clean.answers}

    # A stated number altered: the parse reads the new number from the text, and the comparison reports it.
    altered = {a.tag: a.stated for a in parse_quiz(planted("**Answer:** `7` <!-- check: s1q8 -->",
                                                           "**Answer:** `6` <!-- check: s1q8 -->"), name).answers}
    assert altered["s1q8"] == "6" and disagreement(altered["s1q8"], CHECKS["s1q8"]()) is not None
    assert disagreement(stated["s1q8"], CHECKS["s1q8"]()) is None
    # A matrix entry altered inside its fenced block.
    matrix = planted(" [-1, 0, 0],\n [0, 0, 1]]", " [-1, 0, 1],\n [0, 0, 1]]")
    assert disagreement({a.tag: a.stated for a in parse_quiz(matrix, name).answers}["s1q2"], CHECKS["s1q2"]()) \
        is not None
    # A numeric answer without a tag, a tag outside an answer, a second tag, a tag with no stated value,
    # a misspelt tag, a tag inside a fenced block.
    problems = "\n".join(parse_quiz(planted("**Answer:** `7` <!-- check: s1q8 -->", "**Answer:** `7`"), name).problems)
    assert "a number in it but no check tag" in problems
    problems = "\n".join(parse_quiz(planted("Row 1 is R(1) and", "Row 1 <!-- check: s1q99 --> is R(1) and"),
                                    name).problems)
    assert "outside an answer paragraph" in problems
    problems = "\n".join(parse_quiz(planted("<!-- check: s1q8 -->", "<!-- check: s1q8 --> <!-- check: s1q98 -->"),
                                    name).problems)
    assert "2 check tags" in problems
    problems = "\n".join(parse_quiz(planted("**Answer:** `7` <!-- check: s1q8 -->",
                                            "**Answer:** seven <!-- check: s1q8 -->"), name).problems)
    assert "states no value" in problems
    problems = "\n".join(parse_quiz(planted("<!-- check: s1q8 -->", "<!-- Check: s1q8 -->"), name).problems)
    assert "not written as" in problems
    problems = "\n".join(parse_quiz(planted("```text\n[[0, 1, 0],", "```text\n<!-- check: s1q97 -->\n[[0, 1, 0],"),
                                    name).problems)
    assert "inside a fenced block" in problems
    # A question lost from the numbering, and a lost estimate of the time.
    problems = "\n".join(parse_quiz(planted("## Question 3 —", "## Question 4 —"), name).problems)
    assert "numbered [1, 2, 4, 4" in problems
    problems = "\n".join(parse_quiz(planted("**Estimated time:** 20 minutes.", "Estimated time: twenty minutes."),
                                    name).problems)
    assert "Estimated time" in problems


def test_tag_and_checker_mismatches_are_reported(quizzes):
    """A tag without a checker and a checker without a tag are both named."""
    registry = dict(CHECKS)
    registry.pop("s1q8")
    registry["s9q1"] = lambda: 0
    problems = "\n".join(tag_problems(quizzes, registry))
    assert "the tag s1q8 has no checker" in problems and "the checker s9q1 has no tagged answer" in problems
    doubled = duplicate_tags(quizzes + quizzes[:1])
    assert any("the tag s1q1 is used 2 times" in p for p in doubled)


def test_the_reader_reads_every_form_of_stated_value():
    """parse_value and disagreement on hand-made values, each form right and wrong."""
    assert disagreement("yes", True) is None and disagreement("no", True) is not None
    assert disagreement("(a), (c)", choices(a=True, b=False, c=True)) is None
    assert disagreement("(a)", choices(a=True, b=False, c=True)) is not None
    assert disagreement("t(1,-2)·M·R(1)", Element("p4m", groups.p4m_element(1, 1, 1, -2))) is None
    assert disagreement("t(1,-2)·R(1)·M", Element("p4m", groups.p4m_element(1, 1, 1, -2))) is not None  # wrong order
    assert disagreement("M", Element("p4", groups.identity())) is not None  # p4 has no mirror
    assert disagreement("{R(0), M}", ElementSet("p4m", [groups.mirror(1), groups.identity()])) is None
    assert disagreement("{R(0)}", ElementSet("p4m", [groups.mirror(1), groups.identity()])) is not None
    assert disagreement("(2, -1, 0)", np.array([2, -1, 0])) is None
    assert disagreement("(2, −1, 0)", np.array([2, -1, 0])) is None  # a Unicode minus reads as a minus
    assert disagreement("[2, -1]", np.array([2, -1, 0])) is not None  # another shape
    assert disagreement("7.0", 7) is not None  # a float is no integer answer
    assert disagreement("3.000001", Digits(3.0000009999998, 7)) is None
    assert disagreement("3.00000", Digits(3.0000009999998, 7)) is not None
    assert disagreement("[[1, 2], [3]]", np.array([1, 2])) is not None  # ragged: cannot be read
    with pytest.raises(TypeError):
        disagreement("1", "a string")  # a checker returning something no comparison handles is a bug
    assert changed("no") == "yes" and changed("(a), (c)") == "(c)" and changed("(b)") == "(a), (b)"
    assert changed("127") == "126" and changed("R(0)") == "R(1)" and changed("M") == "M·R(1)"


INDEX_LINE = re.compile(r"^- `(quiz_session_\d+\.md)`: [^`]*?; (\d+) questions, (\d+) minutes\.$", re.MULTILINE)


def test_the_instructor_readme_lists_every_quiz_with_its_questions_and_time(quizzes):
    """instructor/README.md has one index line per quiz, and its counts are the quiz's own."""
    text = (QUIZ_FOLDER / "README.md").read_text(encoding="utf-8")
    listed = {name: (int(q), int(m)) for name, q, m in INDEX_LINE.findall(re.sub(r"\n  (?=\S)", " ", text))}
    actual = {Path(quiz.name).name: (len(quiz.questions), quiz.minutes[0]) for quiz in quizzes}
    assert listed == actual, f"instructor/README.md lists {listed}, the quizzes have {actual}"
