"""The lecture outlines and the rubric of instructor/ fit COURSE.md and the exercises, and cite only what exists.

1. Lecture outlines. COURSE.md states each session's lecture length as "*Lecture (30 min).*";
   lecture_minutes() is the one place that reads it (change LECTURE_LENGTH there if the
   wording changes: the tests fail, naming the session, when it cannot be found). Session N
   has the outline instructor/lecture_session_{N}.md. In it every level-3 heading is a
   segment "### k. Title (M min)" with the fields "**Say (IDs).**", "**Board.**" and
   "**Show.**". The tests ask that the segments' minutes add up to the lecture's length;
   that the IDs a segment cites are IDs of groupconv/inventory.py and that every ID named
   in the session's objectives is cited by some segment; that every cited figures/ file
   exists; and that every command line `python -m groupconv.widget ...` is accepted by the
   widget's own argument parser: widget.main builds it and is stopped right after it has
   parsed the line, so nothing is re-implemented here and no window opens.
2. The rubric. In instructor/rubric.md every level-3 heading is an item "### Title (P points)"
   with the three levels "- **Full (P points).**", "- **Partial (a–b points).**" and
   "- **Zero (0 points).**", each with an example. A level gives at most the item's points;
   full gives all of them and zero none. An item on an exercise task is titled "exNN task K
   — ..." and carries the points the exercise file gives that task.

Every parser and check is also run on planted errors, so that each is seen to fail.
"""
import argparse
import contextlib
import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

from groupconv import inventory, widget

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "COURSE.md"
INSTRUCTOR = ROOT / "instructor"
RUBRIC = INSTRUCTOR / "rubric.md"
SESSIONS = tuple(range(1, 7))


def outline_path(session):
    return INSTRUCTOR / f"lecture_session_{session}.md"


def outside_code(lines):
    """(line number, line) of the lines outside fenced ``` blocks."""
    fenced = False
    for n, line in enumerate(lines, 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


# ---------------------------------------------------------------- reading COURSE.md

SESSION_HEADING = re.compile(r"^### Session (\d+)\b", re.M)
LECTURE_LENGTH = re.compile(r"\*Lecture \((\d+) min\)\.\*")  # COURSE.md's wording; the only copy of it


def course_sessions(text):
    """{session number: the text under its heading "### Session N — ..."} of COURSE.md."""
    parts = SESSION_HEADING.split(text)
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2])}


def lecture_minutes(text):
    """{session number: the length of its lecture in minutes}, read from COURSE.md's "*Lecture (NN min).*".

    Raises ValueError, naming the session, if COURSE.md has no sessions or a session does not
    state its lecture length in exactly one such phrase (then update LECTURE_LENGTH above).
    """
    sessions = course_sessions(text)
    if not sessions:
        raise ValueError("COURSE.md has no headings '### Session N — title': cannot read the lecture lengths")
    minutes = {}
    for number, body in sessions.items():
        found = LECTURE_LENGTH.findall(body)
        if len(found) != 1:
            raise ValueError(f"COURSE.md, session {number}: expected the lecture length once as "
                             f"{LECTURE_LENGTH.pattern!r}, found it {len(found)} times; if COURSE.md words it "
                             f"differently now, update LECTURE_LENGTH in tests/test_instructor_outlines.py")
        minutes[number] = int(found[0])
    return minutes


ID_OR_RANGE = re.compile(r"\b([A-Z])(\d+)(?:\s*[–-]\s*\1?(\d+))?\b")


def objective_ids(text, known):
    """{session number: the statement IDs its "*Objectives.*" paragraph names}, ranges such as G1–G3 expanded.

    Tokens that are not IDs of `known` (group names such as D4) are ignored. Raises
    ValueError, naming the session, if a session has no objectives paragraph.
    """
    found = {}
    for number, body in course_sessions(text).items():
        paragraph = next((p for p in re.split(r"\n\s*\n", body) if p.strip().startswith("*Objectives.*")), None)
        if paragraph is None:
            raise ValueError(f"COURSE.md, session {number}: no paragraph starting with '*Objectives.*'")
        ids = set()
        for letter, first, last in ID_OR_RANGE.findall(paragraph):
            numbers = range(int(first), int(last or first) + 1)
            ids |= {f"{letter}{k}" for k in numbers if f"{letter}{k}" in known}
        found[number] = ids
    return found


# ---------------------------------------------------------------- reading an outline

SEGMENT = re.compile(r"^### (\d+)\. (.+) \((\d+) min\)\s*$")
SAY = re.compile(r"^\*\*Say \(([^)]*)\)\.\*\*")
BOARD = re.compile(r"^\*\*Board\.\*\*")
SHOW = re.compile(r"^\*\*Show\.\*\*")
FIGURE = re.compile(r"figures/[\w.\-]+\.(?:png|gif)")
WIDGET_SPAN = re.compile(r"`(python -m groupconv\.widget\b[^`]*)`")
WIDGET_LINE = re.compile(r"^\s*(python -m groupconv\.widget\b[^#]*)")


@dataclass
class Segment:
    number: int
    title: str
    minutes: int
    line: int
    ids: list = field(default_factory=list)
    fields: list = field(default_factory=list)  # "Say", "Board", "Show", in the order they occur


@dataclass
class Outline:
    segments: list
    problems: list  # headings that are not segment headings


def parse_outline(text):
    segments, problems, segment = [], [], None
    for n, line in outside_code(text.splitlines()):
        if line.startswith("#"):
            segment = None
            if line.startswith("### "):
                m = SEGMENT.match(line)
                if not m:
                    problems.append(f"line {n}: {line!r} is not a segment heading '### k. Title (M min)'")
                    continue
                segment = Segment(int(m.group(1)), m.group(2), int(m.group(3)), n)
                segments.append(segment)
        elif segment is not None:
            say = SAY.match(line)
            if say:
                segment.fields.append("Say")
                segment.ids = [token.strip() for token in say.group(1).split(",") if token.strip()]
            elif BOARD.match(line):
                segment.fields.append("Board")
            elif SHOW.match(line):
                segment.fields.append("Show")
    return Outline(segments, problems)


def segment_problems(outline, known):
    problems = list(outline.problems)
    if not outline.segments:
        problems.append("no segments '### k. Title (M min)'")
    for k, s in enumerate(outline.segments, 1):
        if s.number != k:
            problems.append(f"line {s.line}: segment {s.number} should be numbered {k}")
        if s.fields != ["Say", "Board", "Show"]:
            problems.append(f"line {s.line}: segment {s.number} has the fields {s.fields}, "
                            "expected **Say (IDs).**, **Board.**, **Show.** in this order")
        if not s.ids:
            problems.append(f"line {s.line}: segment {s.number} cites no statement ID in **Say (...)**")
        problems += [f"line {s.line}: segment {s.number} cites {i!r}, not an ID of groupconv/inventory.py"
                     for i in s.ids if i not in known]
    return problems


def minutes_problems(outline, minutes):
    total = sum(s.minutes for s in outline.segments)
    if total != minutes:
        parts = " + ".join(str(s.minutes) for s in outline.segments)
        return [f"the segments take {parts} = {total} min, but COURSE.md gives the lecture {minutes} min"]
    return []


def coverage_problems(outline, objectives):
    cited = {i for s in outline.segments for i in s.ids}
    missing = sorted(objectives - cited)
    return [f"the objectives name {missing}, which no segment cites"] if missing else []


def figure_problems(text, root=ROOT):
    return [f"line {n}: {name} does not exist" for n, line in enumerate(text.splitlines(), 1)
            for name in FIGURE.findall(line) if not (root / name).is_file()]


def widget_commands(text):
    """(line number, command) of every `python -m groupconv.widget ...`: in code spans, and as lines of code blocks."""
    found, lines = [], text.splitlines()
    prose = dict(outside_code(lines))
    for n, line in enumerate(lines, 1):
        if n in prose:
            found += [(n, command.strip()) for command in WIDGET_SPAN.findall(line)]
        else:
            m = WIDGET_LINE.match(line)
            if m:
                found.append((n, m.group(1).strip()))
    return found


class _Parsed(Exception):
    def __init__(self, namespace):
        super().__init__("parsed")
        self.namespace = namespace


class _StopAfterParsing(argparse.ArgumentParser):
    """The parser widget.main builds, stopped as soon as it has parsed the command line."""

    def parse_args(self, args=None, namespace=None):
        raise _Parsed(super().parse_args(args, namespace))


def _not_reached(*args, **kwargs):
    raise AssertionError("widget.main went past parsing its arguments")


def parse_widget_command(command):
    """The argparse namespace of a command line "python -m groupconv.widget ...", made by the widget's own parser.

    widget.main is run with the command's arguments, with argparse.ArgumentParser in the
    widget module replaced by a subclass that stops right after parsing: the options, their
    choices and types are those main defines, and no window or file is made. Raises
    ValueError with argparse's message if the parser refuses the line.
    """
    words = shlex.split(command)
    if words[:3] != ["python", "-m", "groupconv.widget"]:
        raise ValueError(f"{command!r} is not a command line 'python -m groupconv.widget ...'")
    errors = io.StringIO()
    with mock.patch.object(widget, "argparse", SimpleNamespace(ArgumentParser=_StopAfterParsing)), \
            mock.patch.object(widget, "Widget", _not_reached), mock.patch.object(widget, "save_demo", _not_reached), \
            contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            widget.main(words[3:])
        except _Parsed as parsed:
            return parsed.namespace
        except SystemExit:
            raise ValueError(f"{command!r}: {errors.getvalue().strip()}") from None
    raise AssertionError("widget.main returned without parsing its arguments")


def widget_problems(text):
    problems = []
    for n, command in widget_commands(text):
        try:
            parse_widget_command(command)
        except ValueError as error:
            problems.append(f"line {n}: {error}")
    return problems


# ---------------------------------------------------------------- reading the rubric

ITEM = re.compile(r"^### (.+) \((\d+) points?\)\s*$")
LEVEL = re.compile(r"^- \*\*(Full|Partial|Zero) \((\d+)(?:–(\d+))? points?\)\.\*\*(.*)$")
TASK_ITEM = re.compile(r"^(ex\d\d) task (\d+) — ")
TASK_HEADING = re.compile(r"^# ## Task (\d+) - .*\((\d+) points?\)\s*$")
LEVELS = ("Full", "Partial", "Zero")


@dataclass
class Item:
    title: str
    points: int
    line: int
    levels: dict = field(default_factory=dict)  # name -> (lowest, highest, text with its continuation lines)


def parse_rubric(text):
    items, problems, item, level = [], [], None, None
    for n, line in outside_code(text.splitlines()):
        if line.startswith("#"):
            item = level = None
            if line.startswith("### "):
                m = ITEM.match(line)
                if not m:
                    problems.append(f"line {n}: {line!r} is not an item heading '### Title (P points)'")
                    continue
                item = Item(m.group(1), int(m.group(2)), n)
                items.append(item)
            continue
        if item is None:
            continue
        m = LEVEL.match(line)
        if m:
            name, low, high = m.group(1), int(m.group(2)), int(m.group(3) or m.group(2))
            if name in item.levels:
                problems.append(f"line {n}: {item.title!r} has the level {name} twice")
            item.levels[name] = [low, high, m.group(4)]
            level = name
        elif level and line.startswith("  ") and line.strip():
            item.levels[level][2] += " " + line.strip()
        else:
            level = None
    return items, problems


def task_points(exercise, root=ROOT):
    """{task number: points} as the exercise file's headings "## Task K - title (P points)" state them."""
    paths = sorted((root / "exercises").glob(f"{exercise}_*.py"))
    if len(paths) != 1:
        return {}
    return {int(m.group(1)): int(m.group(2)) for m in map(TASK_HEADING.match, paths[0].read_text().splitlines()) if m}


def rubric_problems(items, root=ROOT):
    problems = []
    if not items:
        problems.append("no items '### Title (P points)'")
    for item in items:
        where = f"line {item.line}: {item.title!r} ({item.points} points)"
        missing = [name for name in LEVELS if name not in item.levels]
        if missing:
            problems.append(f"{where} lacks the levels {missing}")
        for name, (low, high, text) in item.levels.items():
            if high > item.points:
                problems.append(f"{where}: level {name} gives up to {high} points, more than the item")
            if low > high:
                problems.append(f"{where}: level {name} gives {low}–{high} points, an empty range")
            if "Example" not in text:
                problems.append(f"{where}: level {name} has no example")
        if "Full" in item.levels and item.levels["Full"][:2] != [item.points, item.points]:
            problems.append(f"{where}: a full answer must earn all {item.points} points")
        if "Zero" in item.levels and item.levels["Zero"][:2] != [0, 0]:
            problems.append(f"{where}: a zero answer must earn 0 points")
        task = TASK_ITEM.match(item.title)
        if task:
            exercise, number = task.group(1), int(task.group(2))
            stated = task_points(exercise, root).get(number)
            if stated is None:
                problems.append(f"{where}: exercises/{exercise}_*.py has no heading '## Task {number} - ... (P points)'")
            elif stated != item.points:
                problems.append(f"{where}: the exercise gives {exercise} task {number} {stated} points")
    return problems


# ---------------------------------------------------------------- the tests

@pytest.fixture(scope="module")
def course():
    assert COURSE.is_file(), "COURSE.md is missing"
    return COURSE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def known():
    return set(inventory.ids())


def test_course_states_a_lecture_length_for_every_session(course):
    minutes = lecture_minutes(course)
    assert set(minutes) >= set(SESSIONS), f"COURSE.md has the sessions {sorted(minutes)}, expected {list(SESSIONS)}"


@pytest.mark.parametrize("session", SESSIONS)
def test_the_outline_of_every_session_exists(session):
    assert outline_path(session).is_file(), f"{outline_path(session).relative_to(ROOT)} is missing"


@pytest.mark.parametrize("session", SESSIONS)
def test_segments_have_their_fields_and_cite_known_ids(session, known):
    problems = segment_problems(parse_outline(outline_path(session).read_text(encoding="utf-8")), known)
    assert not problems, f"{outline_path(session).name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("session", SESSIONS)
def test_segment_minutes_add_up_to_the_lecture_length_of_course_md(session, course):
    outline = parse_outline(outline_path(session).read_text(encoding="utf-8"))
    problems = minutes_problems(outline, lecture_minutes(course)[session])
    assert not problems, f"{outline_path(session).name}: " + "\n".join(problems)


@pytest.mark.parametrize("session", SESSIONS)
def test_every_objective_of_the_session_is_covered(session, course, known):
    outline = parse_outline(outline_path(session).read_text(encoding="utf-8"))
    objectives = objective_ids(course, known)[session]
    assert objectives, f"COURSE.md, session {session}: its objectives name no statement ID"
    problems = coverage_problems(outline, objectives)
    assert not problems, f"{outline_path(session).name}: " + "\n".join(problems)


@pytest.mark.parametrize("session", SESSIONS)
def test_every_cited_figure_exists(session):
    text = outline_path(session).read_text(encoding="utf-8")
    assert FIGURE.search(text), f"{outline_path(session).name} cites no figure"
    problems = figure_problems(text)
    assert not problems, f"{outline_path(session).name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("session", SESSIONS)
def test_every_widget_command_line_parses_with_the_widgets_parser(session):
    problems = widget_problems(outline_path(session).read_text(encoding="utf-8"))
    assert not problems, f"{outline_path(session).name}:\n" + "\n".join(problems)


def test_the_rubric_levels_fit_their_items_and_the_exercises():
    assert RUBRIC.is_file(), "instructor/rubric.md is missing"
    items, problems = parse_rubric(RUBRIC.read_text(encoding="utf-8"))
    problems += rubric_problems(items)
    assert not problems, "instructor/rubric.md:\n" + "\n".join(problems)


# ---------------------------------------------------------------- the checks catch planted errors

def test_lecture_minutes_fails_loudly_when_course_md_words_it_differently(course):
    assert lecture_minutes(course)[3] == int(LECTURE_LENGTH.search(course_sessions(course)[3]).group(1))
    session_3 = course_sessions(course)[3]
    reworded = course.replace(session_3, LECTURE_LENGTH.sub("*Lecture, half an hour.*", session_3))
    with pytest.raises(ValueError, match="session 3: expected the lecture length once"):
        lecture_minutes(reworded)
    with pytest.raises(ValueError, match="no headings '### Session N"):
        lecture_minutes(course.replace("### Session", "### Week"))


def test_objective_ids_expand_ranges_and_skip_group_names(known):
    text = "### Session 1 — x\n\n*Objectives.* Groups (G1–G3, S2) on D4 and C4.\n\n*Lecture (30 min).*\n"
    assert objective_ids(text, known) == {1: {"G1", "G2", "G3", "S2", "C4"}}  # C4 is also an ID: it is kept
    with pytest.raises(ValueError, match="session 1: no paragraph"):
        objective_ids(text.replace("*Objectives.*", "Aims:"), known)


OUTLINE = """# Session 9 — planted

### 1. First (10 min)

**Say (L5, G2).** words

**Board.**

```text
### not a heading inside a code block
```

**Show.** figures/13_widget_p4.gif and `python -m groupconv.widget --group p4m`

### 2. Second (20 min)

**Say (A1).** words

**Board.** a line

**Show.** the run of `python -m groupconv.widget --group p6 --depth 2`

## Likely questions
"""


def test_the_outline_checks_catch_planted_errors(known):
    outline = parse_outline(OUTLINE)
    assert [s.minutes for s in outline.segments] == [10, 20]
    assert not segment_problems(outline, known) and not minutes_problems(outline, 30)
    assert "= 30 min, but COURSE.md gives the lecture 45 min" in minutes_problems(outline, 45)[0]
    assert coverage_problems(outline, {"A1", "L5"}) == []
    assert "['X6']" in coverage_problems(outline, {"A1", "X6"})[0]
    # a field missing, an unknown ID, a heading in the wrong form, a segment numbered wrongly
    no_board = parse_outline(OUTLINE.replace("**Board.** a line", "a line"))
    assert any("expected **Say (IDs).**, **Board.**, **Show.**" in p for p in segment_problems(no_board, known))
    unknown = parse_outline(OUTLINE.replace("(A1)", "(A1, Z9)"))
    assert any("'Z9', not an ID" in p for p in segment_problems(unknown, known))
    bad = parse_outline(OUTLINE.replace("### 2. Second (20 min)", "### 2. Second, 20 minutes"))
    assert any("is not a segment heading" in p for p in segment_problems(bad, known))
    renumbered = parse_outline(OUTLINE.replace("### 2. Second", "### 3. Second"))
    assert any("should be numbered 2" in p for p in segment_problems(renumbered, known))
    # a figure that does not exist
    gone = "figures/" + "13_widget_p4_gone.gif"
    assert figure_problems(OUTLINE) == []
    assert figure_problems(OUTLINE.replace("figures/13_widget_p4.gif", gone)) == [f"line 13: {gone} does not exist"]


def test_widget_commands_are_found_and_parsed_by_the_widgets_own_parser():
    assert [c for _, c in widget_commands(OUTLINE)] == ["python -m groupconv.widget --group p4m",
                                                       "python -m groupconv.widget --group p6 --depth 2"]
    block = "```\npython -m groupconv.widget --depth 3   # a deeper network\n```\n"
    assert widget_commands(block) == [(2, "python -m groupconv.widget --depth 3")]
    args = parse_widget_command("python -m groupconv.widget --group p4m --layout rings --size 65")
    assert (args.group, args.layout, args.size, args.depth, args.save) == ("p4m", "rings", 65, 1, None)
    assert parse_widget_command("python -m groupconv.widget").group == "p4"  # the defaults of main
    for bad, message in [("--group p5", "invalid choice"), ("--depth 4", "invalid choice"),
                         ("--size big", "invalid int value"), ("--grop p6", "unrecognized arguments")]:
        with pytest.raises(ValueError, match=message):
            parse_widget_command(f"python -m groupconv.widget {bad}")
    assert widget_problems("`python -m groupconv.widget --layout spiral`")[0].startswith("line 1: ")
    with pytest.raises(ValueError, match="is not a command line"):
        parse_widget_command("python tutorials/13_seeing_g_convolution.py")


RUBRIC_TEXT = """## Planted

### ex02 task 2 — which pairs can work (3 points)

- **Full (3 points).** all of it. *Example:* "..."
- **Partial (1–2 points).** some of it,
  on two lines. *Example:* "..."
- **Zero (0 points).** none. *Example:* "..."

### Session 1, question 1 — a discussion question (2 points)

- **Full (2 points).** *Example:* x
- **Partial (1 point).** *Example:* x
- **Zero (0 points).** *Example:* x
"""


def test_the_rubric_checks_catch_planted_errors():
    items, problems = parse_rubric(RUBRIC_TEXT)
    assert not problems and not rubric_problems(items)
    assert [(i.points, i.levels["Partial"][:2]) for i in items] == [(3, [1, 2]), (2, [1, 1])]
    assert "on two lines" in items[0].levels["Partial"][2]

    def problems_of(old, new):
        assert RUBRIC_TEXT.count(old) == 1, old
        items, problems = parse_rubric(RUBRIC_TEXT.replace(old, new))
        return problems + rubric_problems(items)

    assert any("level Partial gives up to 3 points, more than the item" in p
               for p in problems_of("**Partial (1 point).**", "**Partial (1–3 points).**"))
    assert any("must earn all 3 points" in p for p in problems_of("**Full (3 points).**", "**Full (2 points).**"))
    assert any("must earn 0 points" in p for p in problems_of("- **Zero (0 points).** none.", "- **Zero (1 point).** none."))
    assert any("lacks the levels ['Zero']" in p for p in problems_of('- **Zero (0 points).** none. *Example:* "..."\n', ""))
    assert any("has no example" in p for p in problems_of("**Full (2 points).** *Example:* x", "**Full (2 points).** x"))
    assert any("the exercise gives ex02 task 2 3 points" in p
               for p in problems_of("ex02 task 2 — which pairs can work (3 points)",
                                    "ex02 task 2 — which pairs can work (4 points)"))
    assert any("has no heading '## Task 7" in p for p in problems_of("ex02 task 2 —", "ex02 task 7 —"))
    assert any("is not an item heading" in p for p in problems_of("a discussion question (2 points)", "a question"))
    assert task_points("ex11") == {1: 2, 2: 2, 3: 3, 4: 3} and task_points("ex01")[2] == 1
