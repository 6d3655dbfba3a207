"""Reading time of every tutorial and exercise, and the working time of the exercises, for planning a course.

    python tutorials/reading_times.py

COURSE.md plans with these numbers, and tests/test_course_times.py recomputes them with
the functions of this file. They are estimates counted from the text, not measurements
with students.

The reading model. Every line of a lesson is one of five kinds, each read at its own rate:

    prose words       150 per minute   words of the markdown cells, the title docstring and
                                       the comment lines of the code cells
    maths tokens       20 per minute   (3 s each) a word of prose that is a formula or a
                                       piece of code: it holds a mathematical sign or
                                       letter (= + − ^ ⋆ ∘ ⁻¹ ψ | _ ...), a function
                                       application such as f(g⁻¹x) or R(1), a single-letter
                                       variable (x, g, f; not "a" or "I"), a Greek letter
                                       or function written out (psi, sum, cos), or a
                                       `code span`
    display lines       4 per minute   (15 s each) a line of a displayed equation or table:
                                       a text line indented by 4 or more spaces
    code lines         10 per minute   (6 s each) the non-blank, non-comment lines of the
                                       code cells, read next to what they print
    figures             2 per minute   (30 s each) a figures.save(...) call: looking at the
                                       picture it writes (a call inside a loop counts once)

Why these rates. 150 words per minute for prose: the mean silent reading rate of adults
for English non-fiction is 238 words per minute, and most adults read it at 175–300
(M. Brysbaert, "How many words do we read per minute?", Journal of Memory and Language
109, 2019); reading is slower in a second language, and these lessons are studied, each
claim compared with the printed check, so we take 150, below that range. The words that
are maths are taken out of the prose and charged 3 s each, about 7 words' time: a symbol
must be matched to its definition, and a formula read in order. A displayed line is a
whole equation or a row of a table, 15 s. Code at 10 lines per minute: peer review of
code is advised at under about 500 lines an hour, 8 a minute, to find defects (the
SmartBear study at Cisco, J. Cohen, "Best Kept Secrets of Peer Code Review", 2006); a
reader of a lesson follows the code without hunting for defects, and a part of every
lesson is drawing code, so a little faster. The maths and display rates are our
assumptions, not measurements; so is the figure rate. The printed output is not counted
on its own (its PASS/FAIL lines repeat the descriptions in the code that prints them);
the lessons print 27–203 lines, which at 2 s a line would add 1–7 minutes each.
Measured against one report: a lecturer worked through tutorial 15 in about 109 minutes;
this model gives it 121.

Parts of a lesson. A lesson whose headings are numbered ("## 1. ...") can be split by
section, `reading_minutes(path, (1, 3))`: sections 1 to 3, the text before section 1
going with the first part and the summary after the last section with the last.

Exercises. The reading time is that of the released text (`exercises/release.py` takes
out the lines between ### BEGIN SOLUTION and ### END SOLUTION). The working time is an
estimate per exercise, WORK below, with the reason; it must be at least the floor
    reading time + MINUTES_PER_SOLUTION_LINE (4) x the lines of the reference solution
(writing a line, running the grader, reading its counterexample, fixing), which
tests/test_course_times.py checks, so that a longer solution forces a new estimate.
COURSE.md plans with the upper end of each estimate.
"""
import ast
import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROSE_WORDS_PER_MINUTE = 150
MATHS_TOKENS_PER_MINUTE = 20
DISPLAY_LINES_PER_MINUTE = 4
CODE_LINES_PER_MINUTE = 10
FIGURES_PER_MINUTE = 2
MINUTES_PER_SOLUTION_LINE = 4

# name: (the estimate as COURSE.md writes it, lower and upper end in minutes, why)
WORK = {
    "ex01": ("1–2 h", 60, 120, "19 solution lines; the cos/sin tables, the order of t·s and the inverse all "
             "have to be exactly right before any group law passes"),
    "ex02": ("1–2 h", 60, 120, "14 lines; L_g f = f∘g⁻¹ on a centred frame, both perspectives; g against g⁻¹ "
             "is the classic mistake and costs a grader round or two"),
    "ex03": ("under 1 h", 20, 60, "6 lines once exercise 02 works: move every plane, permute the planes"),
    "ex04": ("1–2 h", 60, 120, "24 lines, the longest, but a direct double sum and its modes"),
    "ex05": ("2–3 h", 120, 180, "19 lines of index-heavy literal sums in two forms over group elements; the "
             "plane order and g⁻¹y are where the time goes"),
    "ex06": ("2–3 h", 120, 180, "18 lines; the sum over the whole group with the substitution of L5, as "
             "hard as exercise 05 and on functions on G"),
    "ex07": ("under 1 h", 30, 60, "10 lines: the filter bank as one gather, after tutorial 11"),
    "ex08": ("under 1 h", 20, 60, "8 lines: ψ̌ and one call of exercise 06's correlation"),
    "ex09": ("under 1 h", 30, 60, "9 lines: coset pooling and an invariant head"),
    "ex10": ("2–3 h", 120, 180, "23 lines of backward pass, plus a gradient check that has to be understood "
             "when it fails"),
    "ex11": ("under 1 h", 30, 60, "8 lines, but on paper first: four smallest counterexamples"),
    "ex12": ("1–2 h", 60, 120, "16 lines of training loop; the runs themselves take seconds"),
}

MATHS_CHARACTERS = set("=+−^⋆∗∘⁻¹²³⁰₀₁₂₃ψφχσθτπΣ∑·×≤≥≠∈⊂→←↦|_[]{}<>/%≡′ˇ̌√∞∫⊗≈~")
MATHS_WORDS = {".", "·", "-", "−", "+", "=", "->", "<-", "x"}  # a lone product dot, minus, arrow, "n x n"
MATHS_NAMES = {"psi", "phi", "chi", "sigma", "tau", "theta", "pi", "sum", "det", "mod", "cos", "sin", "max", "min"}
PUNCTUATION = ",;:!?\"'*"
SECTION = re.compile(r"^# ## (\d+)\. ")


def split_cells(text):
    """[(kind, source)] of a percent-format script: "markdown" after '# %% [markdown]', else "code"."""
    cells, kind, lines = [], "code", []
    for line in text.splitlines(keepends=True):
        if line.startswith("# %%"):
            cells.append((kind, "".join(lines)))
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    cells.append((kind, "".join(lines)))
    return cells


def is_maths(token):
    """True for a word of prose that is a formula or a piece of code (see the reading model above)."""
    if token in MATHS_WORDS:
        return True
    word = token.strip(PUNCTUATION).rstrip(".").strip("()")
    if not word:
        return False
    return ("`" in word or word in MATHS_NAMES or any(c in MATHS_CHARACTERS for c in word) or re.search(r"\w\(", word) is not None
            or (len(word) == 1 and word.isalpha() and word not in "aAI"))


def is_word(token):
    """A token that is read at all: not a heading marker, a bullet or a dash."""
    return token.strip(PUNCTUATION + "#-–—") != "" or token in MATHS_WORDS - {"-"}


@dataclass(frozen=True)
class Counts:
    prose_words: int = 0
    maths_tokens: int = 0
    display_lines: int = 0
    code_lines: int = 0
    figures: int = 0

    def minutes(self):
        return (self.prose_words / PROSE_WORDS_PER_MINUTE + self.maths_tokens / MATHS_TOKENS_PER_MINUTE
                + self.display_lines / DISPLAY_LINES_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE
                + self.figures / FIGURES_PER_MINUTE)

    def __add__(self, other):
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def classify(text):
    """[(line number, kind, content)] for every line: kind is "text", "code", "solution" or "skip".

    "text" lines (markdown cells, the module docstring, comment lines of code cells) come
    without their comment sign; "solution" lines are the reference solution between
    ### BEGIN SOLUTION and ### END SOLUTION, which a student does not read.
    """
    lines = text.splitlines()
    docstring = range(0)
    body = ast.parse(text).body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        docstring = range(body[0].lineno, body[0].end_lineno + 1)
    found, kind, solution = [], "code", False
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            found.append((n, "skip", ""))
        elif n in docstring:
            found.append((n, "text", line.replace('"""', "")))
        elif stripped.startswith("### BEGIN SOLUTION"):
            solution = True
            found.append((n, "skip", ""))
        elif stripped.startswith("### END SOLUTION"):
            solution = False
            found.append((n, "skip", ""))
        elif solution:
            found.append((n, "solution" if stripped and not stripped.startswith("#") else "skip", line))
        elif kind == "markdown" or stripped.startswith("#"):
            text_line = stripped[1:] if kind == "code" else line
            text_line = text_line[1:] if text_line.startswith("#") and kind == "markdown" else text_line
            found.append((n, "text", text_line[1:] if text_line.startswith(" ") else text_line))
        else:
            found.append((n, "code" if stripped else "skip", line))
    return found


def count_lines(classified):
    """Counts of the reading model for classified lines (see classify)."""
    prose = maths = display = code = figures = 0
    for _, kind, content in classified:
        if kind == "text":
            if content.startswith("    ") and content.strip():
                display += 1
                continue
            tokens = [t for t in content.split() if is_word(t)]
            m = sum(is_maths(t) for t in tokens)
            maths, prose = maths + m, prose + len(tokens) - m
        elif kind == "code":
            code += 1
            figures += len(re.findall(r"\bfigures\.save\(", content))
    return Counts(prose, maths, display, code, figures)


def sections(path):
    """[(section number, first line)] of the numbered headings '## N. ...' of a lesson's markdown."""
    return [(int(m.group(1)), n) for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1)
            if (m := SECTION.match(line))]


def part_lines(path, part):
    """The line numbers (a range) of sections part = (first, last), inclusive; None: the whole file."""
    text = Path(path).read_text(encoding="utf-8")
    total = len(text.splitlines())
    if part is None:
        return range(1, total + 1)
    starts = dict(sections(path))
    first, last = part
    if first not in starts or last not in starts or first > last:
        raise ValueError(f"{Path(path).name} has sections {sorted(starts)}; no part {first}-{last}")
    begin = 1 if first == min(starts) else starts[first]
    end = total if last == max(starts) else starts[last + 1] - 1
    return range(begin, end + 1)


def counts(path, part=None):
    """Counts of the reading model for a lesson or exercise (as released), or one part of a lesson."""
    lines = part_lines(path, part)
    return count_lines([row for row in classify(Path(path).read_text(encoding="utf-8")) if row[0] in lines])


def reading_minutes(path, part=None):
    """Estimated reading minutes of a file (an exercise as released), or of sections part = (first, last)."""
    return counts(path, part).minutes()


def solution_lines(path):
    """Non-blank, non-comment lines of the reference solution of an exercise."""
    return sum(kind == "solution" for _, kind, _ in classify(Path(path).read_text(encoding="utf-8")))


def work_floor(path):
    """The least an exercise's working-time estimate may be: reading + MINUTES_PER_SOLUTION_LINE per solution line."""
    return reading_minutes(path) + MINUTES_PER_SOLUTION_LINE * solution_lines(path)


def lesson_files(root=ROOT):
    return sorted(Path(root, "tutorials").glob("[0-9][0-9]_*.py"))


def exercise_files(root=ROOT):
    return sorted(Path(root, "exercises").glob("ex[0-9][0-9]_*.py"))


def main():
    head = f"{'file':<44} {'words':>5} {'maths':>5} {'displ':>5} {'code':>5} {'figs':>4} {'reading':>8}"
    print(head + f"  {'solution':>8} {'floor':>6}  work (estimate)")
    for path in lesson_files() + exercise_files():
        c = counts(path)
        row = (f"{path.parent.name + '/' + path.name:<44} {c.prose_words:>5} {c.maths_tokens:>5} "
               f"{c.display_lines:>5} {c.code_lines:>5} {c.figures:>4} {c.minutes():>4.0f} min")
        if path.parent.name == "exercises":
            stated, _, high, _ = WORK[path.name[:4]]
            row += f"  {solution_lines(path):>8} {work_floor(path):>2.0f} min  {stated} (plan: {high} min)"
        print(row)
    print(f"\nprose {PROSE_WORDS_PER_MINUTE} words/min, maths {MATHS_TOKENS_PER_MINUTE} tokens/min, "
          f"display {DISPLAY_LINES_PER_MINUTE} lines/min, code {CODE_LINES_PER_MINUTE} lines/min, "
          f"figures {FIGURES_PER_MINUTE}/min; floor = reading + {MINUTES_PER_SOLUTION_LINE} min per solution line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
