"""The course plan of COURSE.md, read from its tables and checked against the measured times.

    python tutorials/course_plan.py          every session's lecture, lab and homework: what is in it, and how full
    python tutorials/course_plan.py --two-weeks    the same for the two-week variant
    python tutorials/course_plan.py --write  first rewrite the time tables of COURSE.md (after a
                                             new benchmarks/lesson_times.py run or an edited lesson)

The plan is the table under "## The plan" in COURSE.md (and the two-week variant under
"## A two-week module"), one row per session, in this fixed format:

    | session | lecture | lab | homework | in the lecture | in the lab | at home |
    | --- | --- | --- | --- | --- | --- | --- |
    | 1 | 30 min | 60 min | 2.5 h | talk 30 | T01, T02 §1–2, discussion 10 | T02 §3–4, ex01 |

The last three cells list the items of each slot, separated by commas, in the order
they are done:
    T03          tutorial 03, read and run: its reading time (tutorials/reading_times.py)
                 plus its measured run time (benchmarks/results_lesson_times.json, median)
    T15 §1–3     sections 1 to 3 of tutorial 15 ("## 1. ..." headings); charged its own
                 reading time and the run time of the whole lesson (a notebook runs the
                 cells before a section to reach it)
    ex05         exercise 05: the upper end of its working-time estimate (reading_times.WORK)
    talk 30, discussion 10, widget 5, experiment 5
                 an activity of the stated minutes: the lecture itself, the session's
                 discussion questions, trying the widget, the smoke run of
                 experiments/rotated_digits.py (its minutes must cover its measured run time)

The rules (plan_problems): lecture + lab = 90 minutes; the items of a slot fit in it (the
homework in its hours, and with less than an hour to spare); every lesson and every
exercise is assigned exactly once (a lesson may be split into parts that cover each of
its sections once), or listed as dropped in a variant; an exercise comes after the
tutorials its header names ("*Follows tutorial 08 ...*"); the measured run times cover
every lesson. Each session's prose says "*Lecture (NN min).*", "*Lab (NN min).*" and
"*Homework (N h).*" with the numbers of the table.
"""
import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import reading_times  # noqa: E402  (after the path set-up above)

COURSE = ROOT / "COURSE.md"
RESULTS = ROOT / "benchmarks" / "results_lesson_times.json"
EXPERIMENT = "experiments/rotated_digits.py --fast"
SESSION_MINUTES = 90
HOMEWORK_SLACK = 60  # minutes: stated homework hours may exceed what is assigned by less than this
HEADER = "| session | lecture | lab | homework | in the lecture | in the lab | at home |"
SLOTS = ("lecture", "lab", "home")
ACTIVITIES = ("talk", "discussion", "widget", "experiment")
ITEM = re.compile(r"^(?:T(?P<lesson>\d\d)(?: §(?P<first>\d+)(?:[–-](?P<last>\d+))?)?"
                  r"|ex(?P<exercise>\d\d)|(?P<activity>" + "|".join(ACTIVITIES) + r") (?P<minutes>\d+))$")


@dataclass
class Item:
    text: str
    kind: str  # "lesson", "exercise" or "activity"
    name: str  # "03", "05", or the activity
    part: tuple = None  # (first, last) section of a lesson part
    minutes: int = 0  # of an activity


@dataclass
class Session:
    number: int
    lecture: int
    lab: int
    homework: float  # hours
    slots: dict = field(default_factory=dict)  # slot -> [Item]

    def capacity(self, slot):
        return {"lecture": self.lecture, "lab": self.lab, "home": self.homework * 60}[slot]


@dataclass
class Plan:
    sessions: list
    dropped: list  # [Item] a variant leaves out
    problems: list  # format problems found while parsing


def parse_item(text):
    m = ITEM.match(text.strip())
    if not m:
        return None
    if m.group("lesson"):
        first = m.group("first")
        part = (int(first), int(m.group("last") or first)) if first else None
        return Item(text.strip(), "lesson", m.group("lesson"), part)
    if m.group("exercise"):
        return Item(text.strip(), "exercise", m.group("exercise"))
    return Item(text.strip(), "activity", m.group("activity"), minutes=int(m.group("minutes")))


def section_text(text, heading):
    """The lines of `text` from the line `heading` up to the next heading of the same or a higher level."""
    lines = text.splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    try:
        start = lines.index(heading)
    except ValueError:
        return None
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^#{1,%d} " % level, lines[i])), len(lines))
    return lines[start + 1:end]


def parse_plan(text, heading="## The plan"):
    """The Plan in the table under `heading` of a COURSE.md text (and its "*Dropped:*" line)."""
    lines = section_text(text, heading)
    if lines is None:
        return Plan([], [], [f"no heading {heading!r}"])
    problems, sessions, dropped = [], [], []
    if HEADER not in lines:
        return Plan([], [], [f"{heading}: no table with the header {HEADER}"])
    start = lines.index(HEADER) + 2
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = [re.fullmatch(r"(\d+)", cells[0]), re.fullmatch(r"(\d+) min", cells[1]),
             re.fullmatch(r"(\d+) min", cells[2]), re.fullmatch(r"(\d+(?:\.\d+)?) h", cells[3])] \
            if len(cells) == 7 else [None]
        if not all(m):
            problems.append(f"{heading}: the row {line!r} is not '| N | NN min | NN min | N h | items | items | items |'")
            continue
        session = Session(int(m[0].group(1)), int(m[1].group(1)), int(m[2].group(1)), float(m[3].group(1)))
        for slot, cell in zip(SLOTS, cells[4:]):
            session.slots[slot] = []
            for piece in filter(None, (p.strip() for p in cell.split(","))):
                if piece in ("—", "-"):
                    continue
                item = parse_item(piece)
                if item is None:
                    problems.append(f"session {session.number}, {slot}: {piece!r} is not an item "
                                    "(T03, T15 §1–3, ex05, or talk/discussion/widget/experiment N)")
                else:
                    session.slots[slot].append(item)
        sessions.append(session)
    for line in lines:
        if line.startswith("*Dropped:*"):
            for piece in filter(None, (p.strip() for p in line[len("*Dropped:*"):].strip().rstrip(".").split(","))):
                item = parse_item(piece)
                if item is None or item.kind == "activity":
                    problems.append(f"{heading}: dropped {piece!r} is not a lesson or an exercise")
                else:
                    dropped.append(item)
    return Plan(sessions, dropped, problems)


# ---------------------------------------------------------------- the material

def lessons(root=ROOT):
    """{"03": path} of the tutorials."""
    return {p.name[:2]: p for p in reading_times.lesson_files(root)}


def exercises(root=ROOT):
    """{"05": path} of the exercises."""
    return {p.name[2:4]: p for p in reading_times.exercise_files(root)}


def lesson_sections(path):
    """The section numbers of a lesson, or [None] when its headings are not numbered."""
    return [n for n, _ in reading_times.sections(path)] or [None]


def prerequisites(path):
    """[(lesson, section or None)] an exercise's header names: '*Follows tutorial 03, section 4 ...'."""
    text = Path(path).read_text(encoding="utf-8")
    m = re.search(r"^# \*(?:Follows|Uses) (.*?)points\.", text, re.M | re.S)
    if not m:
        return []
    sentence = re.sub(r"\s*\n#\s*", " ", m.group(1))
    sentence = re.sub(r"\b\d+\s*$", "", sentence.strip())  # the "10" of "10 points"
    found = []
    for number, section in re.findall(r"\b(\d\d)\b(?:[^,.]*?, section (\d+))?", sentence):
        found.append((number, int(section) if section else None))
    return found


def load_results(path=RESULTS):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def run_minutes(results, lesson_path, root=ROOT):
    """The measured median run time of a lesson, in minutes (None if it was not measured)."""
    row = results.get("lessons", {}).get(Path(lesson_path).relative_to(root).as_posix())
    return None if row is None else row["median"] / 60


def item_minutes(item, results, root=ROOT):
    """(minutes, how they were counted) of one item."""
    if item.kind == "activity":
        return item.minutes, f"{item.minutes}"
    if item.kind == "exercise":
        if f"ex{item.name}" not in reading_times.WORK:
            return 0.0, "no such exercise"
        stated, _, high, _ = reading_times.WORK[f"ex{item.name}"]
        return high, f"{stated}"
    path = lessons(root).get(item.name)
    try:
        reading = reading_times.reading_minutes(path, item.part)
    except (TypeError, ValueError):  # no such lesson or part: plan_problems reports it
        return 0.0, "no such part"
    run = run_minutes(results, path, root) or 0.0
    return reading + run, f"{reading:.1f} + run {run * 60:.0f} s"


def slot_minutes(session, slot, results, root=ROOT):
    return sum(item_minutes(item, results, root)[0] for item in session.slots.get(slot, []))


# ---------------------------------------------------------------- the rules

def plan_problems(plan, results, root=ROOT, text=None):
    """Every way the plan breaks the rules of the module docstring, as messages (empty: it holds)."""
    problems = list(plan.problems)
    all_lessons, all_exercises = lessons(root), exercises(root)
    measured = results.get("lessons", {})
    for key, path in sorted(all_lessons.items()):
        if path.relative_to(root).as_posix() not in measured:
            problems.append(f"the run times {RESULTS.relative_to(ROOT).as_posix()} have no entry for "
                            f"{path.relative_to(root).as_posix()}: run python benchmarks/lesson_times.py")
    if [s.number for s in plan.sessions] != list(range(1, len(plan.sessions) + 1)) or not plan.sessions:
        problems.append(f"the sessions are numbered {[s.number for s in plan.sessions]}, not 1, 2, 3, ...")

    placed = {}  # (kind, name) -> [(order, item)]
    for session in plan.sessions:
        if session.lecture + session.lab != SESSION_MINUTES:
            problems.append(f"session {session.number}: lecture {session.lecture} min + lab {session.lab} min "
                            f"= {session.lecture + session.lab} min, not {SESSION_MINUTES}")
        for slot_index, slot in enumerate(SLOTS):
            items = session.slots.get(slot, [])
            for index, item in enumerate(items):
                if item.kind == "lesson" and item.name not in all_lessons:
                    problems.append(f"session {session.number}, {slot}: there is no tutorial {item.name}")
                    continue
                if item.kind == "exercise" and item.name not in all_exercises:
                    problems.append(f"session {session.number}, {slot}: there is no exercise {item.name}")
                    continue
                if item.kind == "lesson" and item.part is not None:
                    try:
                        reading_times.part_lines(all_lessons[item.name], item.part)
                    except ValueError as exc:
                        problems.append(f"session {session.number}, {slot}: {item.text}: {exc}")
                        continue
                if item.kind != "activity":
                    placed.setdefault((item.kind, item.name), []).append(((session.number, slot_index, index), item))
                if item.text.startswith("experiment"):
                    row = results.get("experiment", {}).get(EXPERIMENT)
                    if row and item.minutes < row["median"] / 60:
                        problems.append(f"session {session.number}, {slot}: {item.text} min is less than the "
                                        f"measured run time of {EXPERIMENT} ({row['median']:.0f} s)")
            used = slot_minutes(session, slot, results, root)
            capacity = session.capacity(slot)
            if used > capacity + 1e-9:
                detail = ", ".join(f"{item.text} {item_minutes(item, results, root)[0]:.1f}" for item in items)
                unit = f"{session.homework:g} h" if slot == "home" else f"{capacity:g} min"
                problems.append(f"session {session.number}, {slot}: {used:.1f} min assigned ({detail}) "
                                f"in a slot of {unit}")
            if slot == "home" and capacity - used >= HOMEWORK_SLACK:
                problems.append(f"session {session.number}, home: {session.homework:g} h stated but only "
                                f"{used:.0f} min assigned: state the hours to the next half hour "
                                f"({math.ceil(used / 30) / 2:g} h)")
        if not any(i.kind == "activity" and i.name == "talk" for i in session.slots.get("lecture", [])):
            problems.append(f"session {session.number}: the lecture holds no 'talk N'")

    dropped = {(item.kind, item.name): item for item in plan.dropped}
    for key, path in sorted(all_lessons.items()):
        parts = [item for _, item in placed.get(("lesson", key), [])]
        if ("lesson", key) in dropped and dropped[("lesson", key)].part is None:
            if parts:
                problems.append(f"tutorial {key} is dropped and assigned too")
            continue
        if ("lesson", key) in dropped:
            parts = parts + [dropped[("lesson", key)]]
        problems += coverage_problems(key, path, parts)
    for key in sorted(all_exercises):
        where = placed.get(("exercise", key), [])
        if ("exercise", key) in dropped:
            if where:
                problems.append(f"exercise {key} is dropped and assigned too")
            continue
        if not where:
            problems.append(f"exercise {key} is assigned nowhere")
        elif len(where) > 1:
            problems.append(f"exercise {key} is assigned {len(where)} times")
    problems += order_problems(placed, all_lessons, all_exercises)
    if text is not None:
        problems += prose_problems(text, plan)
    return problems


def coverage_problems(key, path, parts):
    """A lesson must be assigned once: whole, or in parts that cover each of its sections exactly once."""
    if not parts:
        return [f"tutorial {key} is assigned nowhere"]
    sections = lesson_sections(path)
    covered = []
    for item in parts:
        if item.part is None:
            covered += sections
        else:
            covered += [s for s in sections if s is not None and item.part[0] <= s <= item.part[1]]
    problems = [f"tutorial {key}, section {s}, is assigned {covered.count(s)} times" for s in sections
                if covered.count(s) > 1]
    missing = [s for s in sections if s not in covered]
    if missing:
        problems.append(f"tutorial {key}: sections {missing} are assigned nowhere" if missing != [None]
                        else f"tutorial {key} is assigned nowhere")
    return problems


def order_problems(placed, all_lessons, all_exercises):
    """An exercise must come after (the sections of) the tutorials its header names."""
    problems = []
    for key, path in sorted(all_exercises.items()):
        where = placed.get(("exercise", key))
        if not where:
            continue
        at = where[0][0]
        for lesson, section in prerequisites(path):
            parts = placed.get(("lesson", lesson), [])
            needed = [order for order, item in parts
                      if section is None or item.part is None or item.part[0] <= section <= item.part[1]]
            if not needed or max(needed) > at:
                what = f"tutorial {lesson}" + (f", section {section}" if section else "")
                problems.append(f"exercise {key} follows {what} (its header says so), "
                                f"but comes {'before it' if needed else 'without it'}")
    return problems


def prose_problems(text, plan):
    """Each session's section states the lecture, lab and homework of the table."""
    problems = []
    for session in plan.sessions:
        heading = next((line for line in text.splitlines() if line.startswith(f"### Session {session.number} — ")), None)
        if heading is None:
            problems.append(f"no heading '### Session {session.number} — ...'")
            continue
        body = "\n".join(section_text(text, heading))
        for label, pattern, expected in (("Lecture", r"\*Lecture \((\d+) min\)\.\*", session.lecture),
                                         ("Lab", r"\*Lab \((\d+) min\)\.\*", session.lab),
                                         ("Homework", r"\*Homework \((\d+(?:\.\d+)?) h\)\.\*", session.homework)):
            found = re.findall(pattern, body)
            if [float(x) for x in found] != [float(expected)]:
                problems.append(f"session {session.number}: the text says *{label} (...)* {found or 'nowhere'}, "
                                f"the table {expected:g}")
    return problems


def weekly_hours(plan, per_week=3):
    """[(week, homework hours, class hours)] of a plan with `per_week` sessions a week."""
    weeks = []
    for start in range(0, len(plan.sessions), per_week):
        chunk = plan.sessions[start:start + per_week]
        weeks.append((start // per_week + 1, sum(s.homework for s in chunk),
                      sum(s.lecture + s.lab for s in chunk) / 60))
    return weeks


# ---------------------------------------------------------------- the tables of COURSE.md

BEGIN = "<!-- the tables below are written by python tutorials/course_plan.py --write; do not edit them by hand -->"
END = "<!-- end of the written tables -->"


def seconds(row):
    return f"{row['median']:.1f} s ({row['min']:.1f}–{row['max']:.1f})"


def times_tables(results, root=ROOT):
    """The Markdown of the time tables in COURSE.md: every lesson and exercise, counted and measured."""
    lines = ["| tutorial | words / maths / display / code / figures | reading | run: median (min–max) |",
             "| --- | --- | --- | --- |"]
    total_reading = total_run = 0.0
    for key, path in sorted(lessons(root).items()):
        c = reading_times.counts(path)
        row = results.get("lessons", {}).get(path.relative_to(root).as_posix())
        total_reading += c.minutes()
        total_run += row["median"] if row else 0.0
        name = path.stem[3:].replace("_", " ")
        split = lesson_sections(path)
        parts = f" ({len(split)} sections)" if split != [None] else ""
        lines.append(f"| {key} {name}{parts} | {c.prose_words} / {c.maths_tokens} / {c.display_lines} / "
                     f"{c.code_lines} / {c.figures} | {c.minutes():.0f} min | {seconds(row) if row else 'not measured'} |")
    lines += ["", f"All fifteen: {total_reading / 60:.1f} h of reading, {total_run:.0f} s of running (medians).", "",
              "| exercise | reading | solution lines | floor | estimate (planned) | grading: median (min–max) | why the estimate |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    total_work = 0
    for key, path in sorted(exercises(root).items()):
        stated, _, high, why = reading_times.WORK[f"ex{key}"]
        total_work += high
        row = results.get("grading", {}).get(path.relative_to(root).as_posix())
        lines.append(f"| {key} {path.stem[5:].replace('_', ' ')} | {reading_times.reading_minutes(path):.0f} min | "
                     f"{reading_times.solution_lines(path)} | {reading_times.work_floor(path):.0f} min | "
                     f"{stated} ({high} min) | {seconds(row) if row else 'not measured'} | {why} |")
    experiment = results.get("experiment", {}).get(EXPERIMENT)
    lines += ["", f"All twelve: {total_work / 60:g} h of work at the upper ends."
              + (f" `python {EXPERIMENT}` (session 6): {seconds(experiment)}." if experiment else "")]
    if results:
        lines += ["", f"Measured {results['date']} by `benchmarks/lesson_times.py`: {results['repeats']} interleaved "
                  f"rounds on a shared {results['usable_cores']}-core machine, the 1-minute load average "
                  f"{results['load_range'][0]:.1f}–{results['load_range'][1]:.1f} during the runs "
                  f"(all runs: benchmarks/results_lesson_times.md)."]
    return "\n".join(lines)


def written_block(text):
    """The text between BEGIN and END in COURSE.md, or None."""
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def write_tables(results, path=COURSE):
    text = path.read_text(encoding="utf-8")
    if written_block(text) is None:
        raise SystemExit(f"{path.name} has no lines {BEGIN!r} ... {END!r} to write between")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    path.write_text(before + BEGIN + "\n" + times_tables(results) + "\n" + END + after, encoding="utf-8")


# ---------------------------------------------------------------- the report

def report(plan, results, root=ROOT):
    lines = []
    for session in plan.sessions:
        lines.append(f"Session {session.number}")
        for slot in SLOTS:
            items = session.slots.get(slot, [])
            used, capacity = slot_minutes(session, slot, results, root), session.capacity(slot)
            lines.append(f"  {slot:<8} {used:6.1f} of {capacity:4.0f} min   " + ", ".join(
                f"{item.text} ({item_minutes(item, results, root)[1]})" for item in items))
    lines.append(f"In all: {sum(s.lecture + s.lab for s in plan.sessions) / 60:g} h in class, "
                 f"{sum(s.homework for s in plan.sessions):g} h of homework")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print and check the course plan of COURSE.md.")
    parser.add_argument("--two-weeks", action="store_true", help="the two-week variant")
    parser.add_argument("--write", action="store_true",
                        help="rewrite the time tables of COURSE.md from the text and the measured run times")
    args = parser.parse_args(argv)
    if args.write:
        write_tables(load_results())
        print(f"wrote the time tables of {COURSE.relative_to(ROOT)}")
    text = COURSE.read_text(encoding="utf-8")
    plan = parse_plan(text, "## A two-week module" if args.two_weeks else "## The plan")
    results = load_results() if RESULTS.exists() else {}
    print(report(plan, results))
    problems = plan_problems(plan, results, text=None if args.two_weeks else text)
    for message in problems:
        print(f"PROBLEM: {message}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
