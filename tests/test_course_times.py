"""The plan of COURSE.md fits its sessions, by reading times counted from the text and run times measured.

The reading time of every lesson and exercise is recomputed here from the files, with the
functions of tutorials/reading_times.py (its docstring states the model). The run times
are read from benchmarks/results_lesson_times.json, written by benchmarks/lesson_times.py;
nothing is timed here. The plan is the table under "## The plan" of COURSE.md (format
and rules: the docstring of tutorials/course_plan.py). The tests ask that
  * the recorded run times cover every lesson, every exercise's grading and the
    experiment's smoke run, each with its samples, median, spread and load;
  * every session's lecture + lab is 90 minutes, and no slot holds more than its time:
    lecture and lab in minutes, the homework in its stated hours (and not an hour or more
    below them); every lesson (each of its sections) and every exercise is assigned
    exactly once, and each exercise after the tutorials its header says it follows;
    each session's prose states the lecture, lab and homework of the table;
  * the two-week variant holds by the same rules, with its dropped parts listed, and its
    hours per week are those of its table;
  * every exercise's working-time estimate is at least its floor (reading + 4 minutes per
    solution line), and the time tables written into COURSE.md are current.
The checks are also run on plans with planted errors (an overfull lab parsed from a
string, a lesson left out, a run time missing, ...), so that each is seen to fail.
"""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tutorials"))

import course_plan  # noqa: E402  (tutorials/ is not a package)
import reading_times  # noqa: E402

COURSE = ROOT / "COURSE.md"


@pytest.fixture(scope="module")
def text():
    return COURSE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def results():
    assert course_plan.RESULTS.exists(), \
        "benchmarks/results_lesson_times.json is missing: run python benchmarks/lesson_times.py"
    return course_plan.load_results()


@pytest.fixture(scope="module")
def plan(text):
    return course_plan.parse_plan(text, "## The plan")


@pytest.fixture(scope="module")
def variant(text):
    return course_plan.parse_plan(text, "## A two-week module")


# ---------------------------------------------------------------- the recorded run times

def test_the_run_times_cover_every_lesson_every_exercise_and_the_experiment(results):
    expected = {
        "lessons": [p.relative_to(ROOT).as_posix() for p in reading_times.lesson_files()],
        "grading": [p.relative_to(ROOT).as_posix() for p in reading_times.exercise_files()],
        "experiment": [course_plan.EXPERIMENT],
    }
    assert len(expected["lessons"]) == 15 and len(expected["grading"]) == 12
    for section, keys in expected.items():
        missing = [k for k in keys if k not in results.get(section, {})]
        assert not missing, f"benchmarks/results_lesson_times.json, {section}: no entry for {missing}"
        for key in keys:
            row = results[section][key]
            assert len(row["seconds"]) == len(row["load_before"]) == results["repeats"] >= 3, (key, row)
            assert row["min"] <= row["median"] <= row["max"] and row["min"] > 0, (key, row)
    assert len(results["load_before"]) == 3 and len(results["load_range"]) == 2


# ---------------------------------------------------------------- the plan

def test_every_session_fits_and_everything_is_assigned_once_in_order(plan, results, text):
    assert [s.number for s in plan.sessions] == [1, 2, 3, 4, 5, 6]
    problems = course_plan.plan_problems(plan, results, text=text)
    assert not problems, "the plan of COURSE.md does not hold:\n" + "\n".join(problems)


def test_the_totals_of_the_plan_are_those_of_its_table(plan, text):
    body = "\n".join(course_plan.section_text(text, "## The plan"))
    m = re.search(r"In all: (\d+(?:\.\d+)?) h in class and (\d+(?:\.\d+)?) h of homework", body)
    assert m, "## The plan: no line 'In all: N h in class and N h of homework'"
    assert float(m.group(1)) == sum(s.lecture + s.lab for s in plan.sessions) / 60
    assert float(m.group(2)) == sum(s.homework for s in plan.sessions)


def test_the_two_week_variant_fits_and_states_its_hours_per_week(variant, results, text):
    assert [s.number for s in variant.sessions] == [1, 2, 3, 4, 5, 6] and variant.dropped
    problems = course_plan.plan_problems(variant, results)
    assert not problems, "the two-week variant does not hold:\n" + "\n".join(problems)
    body = " ".join(course_plan.section_text(text, "## A two-week module"))
    stated = {int(w): float(h) for w, h in re.findall(r"week (\d): (\d+(?:\.\d+)?) h of homework", body)}
    computed = {week: home for week, home, _ in course_plan.weekly_hours(variant)}
    assert stated == computed, f"'*Hours per week:*' says {stated}, the table gives {computed}"
    assert all(hours == 4.5 for _, _, hours in course_plan.weekly_hours(variant))
    assert "week 1: 10 h of homework and 4.5 h in class" in body


# ---------------------------------------------------------------- the estimates and the tables

@pytest.mark.parametrize("path", reading_times.exercise_files(), ids=lambda p: p.stem)
def test_the_work_estimate_is_at_least_its_floor_and_says_what_it_plans_with(path):
    stated, low, high, why = reading_times.WORK[path.name[:4]]
    floor = reading_times.work_floor(path)
    assert high >= floor, (f"{path.name}: estimate {stated} ({high} min) below its floor {floor:.0f} min "
                           f"(reading {reading_times.reading_minutes(path):.0f} min + "
                           f"{reading_times.MINUTES_PER_SOLUTION_LINE} x {reading_times.solution_lines(path)} lines)")
    m = re.fullmatch(r"under (\d+) h|(\d+)–(\d+) h", stated)
    assert m, stated
    assert (high == int(m.group(1)) * 60) if m.group(1) else (low, high) == (int(m.group(2)) * 60, int(m.group(3)) * 60)
    assert 0 < low <= high and why.split()[0] == str(reading_times.solution_lines(path))


def test_the_time_tables_written_into_course_md_are_current(text, results):
    written = course_plan.written_block(text)
    assert written is not None, "COURSE.md has lost the markers of its written tables"
    assert written == course_plan.times_tables(results), \
        "COURSE.md's time tables are out of date: run python tutorials/course_plan.py --write"


def test_the_reading_model_on_a_lesson_whose_counts_are_known(tmp_path):
    lesson = tmp_path / "tutorials" / "99_tiny.py"
    lesson.parent.mkdir()
    lesson.write_text('\n'.join([
        '"""Tutorial 99 - tiny.',                    # prose: Tutorial, 99, tiny.   (the dash is not a word)
        '',
        '    X1  f = g',                            # a display line
        '"""',
        'IDS = ("X1",)',                             # code
        '',
        '# %% [markdown]',
        '# ## 1. Words and maths',                  # prose: 1., Words, and, maths
        '#',
        '# The turn R(1) maps x to `np.rot90(x)` and psi stays.',  # prose 6, maths 4: R(1), x, `np.rot90(x)`, psi
        '#',
        '#     (f ⋆ psi)(g) = sum_y f(y) psi(g^-1 y)',  # a display line
        '',
        '# %%',
        'import numpy as np',                        # code
        '# a comment is read as prose',              # prose 6
        'figures.save(fig, "99_tiny.png")',          # code, a figure
        '',
        '# %% [markdown]',
        '# ## 2. The end',                           # prose 3
        '',
        '# %%',
        'def f():',                                  # code
        '    ### BEGIN SOLUTION',
        '    return 1',                              # a solution line: not read
        '    ### END SOLUTION',
    ]) + "\n", encoding="utf-8")
    c = reading_times.counts(lesson)
    assert c == reading_times.Counts(prose_words=3 + 4 + 6 + 6 + 3, maths_tokens=4, display_lines=2, code_lines=4,
                                     figures=1), c
    assert reading_times.solution_lines(lesson) == 1
    assert c.minutes() == pytest.approx(22 / 150 + 4 / 20 + 2 / 4 + 4 / 10 + 1 / 2)
    assert reading_times.sections(lesson) == [(1, 8), (2, 20)]
    first, second = reading_times.counts(lesson, (1, 1)), reading_times.counts(lesson, (2, 2))
    assert first + second == c and second == reading_times.Counts(prose_words=3, code_lines=1)
    with pytest.raises(ValueError, match="no part 2-3"):
        reading_times.counts(lesson, (2, 3))


# ---------------------------------------------------------------- the checks can fail

OVERFULL = """# A course

## The plan

| session | lecture | lab | homework | in the lecture | in the lab | at home |
| --- | --- | --- | --- | --- | --- | --- |
| 1 | 30 min | 60 min | 3.5 h | talk 30 | T01, T02, T03 | ex01 |
"""


def test_an_overfull_lab_parsed_from_a_string_is_reported(results):
    plan = course_plan.parse_plan(OVERFULL)
    assert not plan.problems and len(plan.sessions) == 1
    assert [i.text for i in plan.sessions[0].slots["lab"]] == ["T01", "T02", "T03"]
    problems = course_plan.plan_problems(plan, results)
    overfull = [p for p in problems if p.startswith("session 1, lab:")]
    assert len(overfull) == 1 and re.fullmatch(
        r"session 1, lab: \d+\.\d min assigned \(T01 \d+\.\d, T02 \d+\.\d, T03 \d+\.\d\) in a slot of 60 min",
        overfull[0]), problems
    used = sum(reading_times.reading_minutes(p) for p in reading_times.lesson_files()[:3])
    assert float(overfull[0].split()[3]) >= used > 60
    # the lessons and exercises this one-session plan leaves out are named too
    assert "tutorial 15 is assigned nowhere" in problems and "exercise 12 is assigned nowhere" in problems
    assert "session 1, home: 3.5 h stated but only 120 min assigned: state the hours to the next half hour (2 h)" \
        in problems


def test_each_rule_reports_a_planted_error(text, results):
    def planted(old, new, heading="## The plan"):
        assert text.count(old) >= 1, old
        changed = text.replace(old, new, 1)
        return course_plan.plan_problems(course_plan.parse_plan(changed, heading), results, text=changed)

    row4 = "| 4 | 30 min | 60 min | 7.5 h | talk 30 | T08, discussion 10 | T09, T10, ex05, ex06 |"
    row5_home = "T12 §4–6, T13, widget 10, ex07, ex08, T14, ex11 |"
    cases = [
        (row4, row4.replace("T08, discussion 10", "T08, T09, discussion 10").replace("T09, T10", "T10"),
         r"session 4, lab: \d+\.\d min assigned \(T08 [\d.]+, T09 [\d.]+, discussion 10 10\.0\) in a slot of 60 min"),
        (row4, row4.replace("T09, T10", "T09"), r"tutorial 10 is assigned nowhere"),
        (row4, row4.replace(", ex06", ""), r"exercise 06 is assigned nowhere"),
        (row4, row4.replace("7.5 h", "6 h"), r"session 4, home: \d+\.\d min assigned .* in a slot of 6 h"),
        (row4, row4.replace("7.5 h", "9 h"), r"session 4, home: 9 h stated but only \d+ min assigned"),
        (row4, row4.replace("| 60 min |", "| 70 min |"), r"session 4: lecture 30 min \+ lab 70 min = 100 min, not 90"),
        (row4, row4.replace("ex05", "ex5"), r"session 4, home: 'ex5' is not an item"),
        (row5_home, row5_home.replace("T14, ex11", "ex11, T14"),
         r"exercise 11 follows tutorial 14 \(its header says so\), but comes before it"),
        ("| T15 §3–7,", "| T15 §2–7,", r"tutorial 15, section 2, is assigned 2 times"),
        ("| T15 §3–7,", "| T15 §4–7,", r"tutorial 15: sections \[3\] are assigned nowhere"),
        ("| T15 §3–7,", "| T15 §3–9,", r"T15 §3–9: 15_hexagonal_lattice.py has sections \[1, .*\]; no part 3-9"),
        ("experiment 5, ex09", "experiment 0, ex09", r"experiment 0 min is less than the measured run time"),
        ("*Lab (60 min).* Tutorial 08;", "*Lab (50 min).* Tutorial 08;",
         r"session 4: the text says \*Lab \(...\)\* \['50'\], the table 60"),
    ]
    for old, new, expected in cases:
        problems = planted(old, new)
        assert any(re.search(expected, p) for p in problems), (new, expected, problems)
    # the dropped parts of the variant count as assigned, and a dropped part that is also assigned is reported
    variant_drop = "*Dropped:* T15 §3–7, ex08, ex10."
    problems = planted(variant_drop, "*Dropped:* T15 §3–7, ex08.", "## A two-week module")
    assert "exercise 10 is assigned nowhere" in problems
    problems = planted(variant_drop, "*Dropped:* T15 §3–7, ex08, ex10, ex12.", "## A two-week module")
    assert "exercise 12 is dropped and assigned too" in problems


def test_a_run_time_file_without_a_lesson_is_reported(plan, results):
    missing = dict(results, lessons={k: v for k, v in results["lessons"].items()
                                     if k != "tutorials/07_correlation_on_T.py"})
    problems = course_plan.plan_problems(plan, missing)
    assert problems == ["the run times benchmarks/results_lesson_times.json have no entry for "
                        "tutorials/07_correlation_on_T.py: run python benchmarks/lesson_times.py"], problems
