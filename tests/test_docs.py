"""docs/equations.md agrees with the code, and no file of the repository cites a file that does not exist.

1. The equations reference. docs/equations.md is read by the format its last section
   fixes: inside the numbered sections "## N. Title" every level-3 heading is an entry
   "### ID — title", followed by a ```text formula block and the list items
   "- **Meaning.**", "- **Source.**", "- **Checked in.**", "- **Implemented by.**".
   The tests ask that the entries are exactly the IDs of groupconv/inventory.py, each
   once and in its inventory section; that "Checked in" links exactly the tutorials whose
   IDS tuple holds the ID; that every `module.name` under "Implemented by" exists in
   groupconv; and that every in-page link (#anchor) lands on a heading.
2. Dangling references. Every text file of the repository (.py, .md, .txt, .toml; the
   files git knows, tracked or untracked but not ignored) is scanned for relative
   Markdown links [text](path) (in .md files, outside code) and for mentions of
   repository paths ending in .md .py .png .txt .json .gz .gif, such as
   "see docs/equations.md" or "figures/08_lifted_p4_p4m_photograph.png". A link resolves
   against the citing file's folder (or the root, for "/path"); a mention against the
   repository root, or against the citing file's folder when it starts with ./ or ../.
   URLs, in-page anchors, absolute paths and bare file names without a folder are not
   checked.

Every parser and the scanner are also run on planted errors, so that each test is
seen to fail when it should.
"""
import ast
import importlib
import os
import posixpath
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from groupconv import inventory

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "equations.md"

# ---------------------------------------------------------------- reading docs/equations.md

SECTION = re.compile(r"^## (\d+)\. (.+?)\s*$")
ENTRY = re.compile(r"^### (\S+) — (.+?)\s*$")
ID = re.compile(r"^[A-Z]+[0-9]+$")
FIELDS = ("Meaning", "Source", "Checked in", "Implemented by")
FIELD = re.compile(r"^- \*\*(" + "|".join(FIELDS) + r")\.\*\*(.*)$")
TUTORIAL_LINK = re.compile(r"tutorials/(\d\d_\w+\.py)")
NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@dataclass
class Entry:
    id: str
    title: str
    section: int
    line: int  # 1-based line of the heading
    body: list = field(default_factory=list)  # the lines after the heading, up to the next heading

    def fields(self):
        """{field name: its text, continuation lines joined}, and the names in the order they occur."""
        found, order, current = {}, [], None
        for line in self.body:
            m = FIELD.match(line)
            if m:
                current = m.group(1)
                order.append(current)
                found[current] = m.group(2).strip()
            elif current and line.startswith("  ") and line.strip():
                found[current] += " " + line.strip()
            else:
                current = None
        return found, order


@dataclass
class Doc:
    entries: list
    sections: dict  # number -> title, of the numbered sections
    problems: list  # headings inside numbered sections that are not entry headings


def outside_code(lines):
    """(line number, line) of the lines that are not inside a fenced ``` block."""
    fenced = False
    for n, line in enumerate(lines, 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def parse(text):
    lines = text.splitlines()
    entries, sections, problems = [], {}, []
    section, entry = None, None
    prose = dict(outside_code(lines))
    for n, line in enumerate(lines, 1):
        heading = n in prose and line.startswith("#")
        if heading and line.startswith("## "):
            m = SECTION.match(line)
            section = int(m.group(1)) if m else None
            if m:
                sections[section] = m.group(2)
            entry = None
        elif heading and line.startswith("### "):
            entry = None
            if section is None:
                continue
            m = ENTRY.match(line)
            if not m or not ID.match(m.group(1)):
                problems.append(f"line {n}: {line!r} inside section {section} is not an entry heading '### ID — title'")
                continue
            entry = Entry(m.group(1), m.group(2), section, n)
            entries.append(entry)
        elif heading and line.startswith("#"):
            entry = None
        elif entry is not None:
            entry.body.append(line)
    return Doc(entries, sections, problems)


def id_problems(doc, ids):
    found = [e.id for e in doc.entries]
    problems = [f"no entry for {i} (in groupconv/inventory.py)" for i in ids if i not in found]
    problems += [f"line {e.line}: entry {e.id} is not in groupconv/inventory.py" for e in doc.entries if e.id not in ids]
    problems += [f"{i} has {found.count(i)} entries" for i in sorted(set(found)) if found.count(i) > 1]
    return doc.problems + problems


def section_problems(doc):
    problems = [f"section '## {n}. {title}' is '## {n}. {inventory.SECTIONS.get(n)}' in groupconv/inventory.py"
                for n, title in doc.sections.items() if inventory.SECTIONS.get(n) != title]
    for e in doc.entries:
        if e.id in inventory.BY_ID and inventory.BY_ID[e.id].section != e.section:
            problems.append(f"line {e.line}: {e.id} stands in section {e.section}, "
                            f"the inventory puts it in section {inventory.BY_ID[e.id].section}")
    return problems


def field_problems(doc):
    problems = []
    for e in doc.entries:
        found, order = e.fields()
        first_field = next((i for i, line in enumerate(e.body) if FIELD.match(line)), len(e.body))
        if "```text" not in [line.strip() for line in e.body[:first_field]]:
            problems.append(f"line {e.line}: {e.id} has no ```text formula block before its fields")
        if order != list(FIELDS):
            problems.append(f"line {e.line}: {e.id} has the fields {order}, expected {list(FIELDS)} in this order")
        problems += [f"line {e.line}: {e.id}: the field {name!r} is empty" for name, text in found.items() if not text]
    return problems


def declared_ids(path):
    """The module-level tuple IDS of a tutorial, read without running it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "IDS" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


def tutorials_by_id(folder=ROOT / "tutorials"):
    """{ID: set of tutorial file names whose IDS tuple holds it}."""
    claimed = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.py")):
        for eq_id in declared_ids(path):
            claimed.setdefault(eq_id, set()).add(path.name)
    return claimed


def tutorial_problems(doc, claimed):
    problems = []
    for e in doc.entries:
        listed = set(TUTORIAL_LINK.findall(e.fields()[0].get("Checked in", "")))
        expected = claimed.get(e.id, set())
        if listed != expected:
            problems.append(f"line {e.line}: {e.id} 'Checked in' lists {sorted(listed)}, "
                            f"but the tutorials declaring {e.id} in IDS are {sorted(expected)}")
    return problems


def resolve(name):
    """The object groupconv.<name> names (module.function, module.Class.method, module.CONSTANT)."""
    module, *attributes = name.split(".")
    obj = importlib.import_module(f"groupconv.{module}")
    for attribute in attributes:
        obj = getattr(obj, attribute)
    return obj


def name_problems(doc):
    problems = []
    for e in doc.entries:
        for name in re.findall(r"`([^`]+)`", e.fields()[0].get("Implemented by", "")):
            if not NAME.match(name):
                problems.append(f"line {e.line}: {e.id}: `{name}` under 'Implemented by' is not a module.name")
                continue
            try:
                resolve(name)
            except (ImportError, AttributeError) as exc:
                problems.append(f"line {e.line}: {e.id}: `{name}` does not exist in groupconv ({exc})")
    return problems


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation and symbols dropped, spaces -> '-'."""
    text = heading.replace("`", "").strip().lower()
    kept = "".join(c for c in text if c.isalnum() or c in "_- " or unicodedata.category(c).startswith("M"))
    return kept.replace(" ", "-")


def anchor_problems(text, doc):
    lines = text.splitlines()
    anchors, prose = set(), list(outside_code(lines))
    for _, line in prose:
        m = re.match(r"^#{1,6} (.+)$", line)
        if m:
            anchors.add(github_anchor(m.group(1)))
    linked = {}
    for n, line in prose:
        for target in re.findall(r"\]\(#([^)\s]+)\)", re.sub(r"`[^`\n]*`", "", line)):
            linked.setdefault(target, n)
    problems = [f"line {n}: the link #{target} lands on no heading" for target, n in linked.items()
                if target not in anchors]
    problems += [f"line {e.line}: the contents do not link {e.id} (#{github_anchor(lines[e.line - 1][4:])})"
                 for e in doc.entries if github_anchor(lines[e.line - 1][4:]) not in linked]
    return problems


@pytest.fixture(scope="module")
def text():
    assert DOC.exists(), "docs/equations.md is missing"
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc(text):
    return parse(text)


def test_every_inventory_id_has_one_entry_and_every_entry_is_an_inventory_id(doc):
    assert doc.entries and inventory.INVENTORY, "no entries parsed (see the format in the document's last section)"
    problems = id_problems(doc, inventory.ids())
    assert not problems, "docs/equations.md and groupconv/inventory.py disagree:\n" + "\n".join(problems)


def test_entries_stand_in_their_inventory_section(doc):
    problems = section_problems(doc)
    assert not problems, "\n".join(problems)


def test_every_entry_has_a_formula_and_the_four_fields(doc):
    problems = field_problems(doc)
    assert not problems, "\n".join(problems)


def test_checked_in_lists_exactly_the_tutorials_that_declare_the_id(doc):
    claimed = tutorials_by_id()
    assert claimed, "no tutorial declares an IDS tuple"
    problems = tutorial_problems(doc, claimed)
    assert not problems, "\n".join(problems)


def test_every_function_named_under_implemented_by_exists(doc):
    problems = name_problems(doc)
    assert not problems, "\n".join(problems)


def test_every_in_page_link_lands_on_a_heading_and_the_contents_link_every_entry(text, doc):
    problems = anchor_problems(text, doc)
    assert not problems, "\n".join(problems)


def test_the_parser_and_the_checks_catch_planted_errors(text):
    """Each check above, run on a copy of the document with one error planted, reports it."""
    def planted(old, new):
        assert text.count(old) == 1, old
        return text.replace(old, new)

    l5 = "### L5 — equivariance of the group correlation, the paper's proof"
    ids = inventory.ids()
    # a missing entry, an entry the inventory lacks, a heading in the wrong format
    assert any("no entry for L5" in p for p in id_problems(parse(planted(l5 + "\n", "")), ids))
    assert any("X9 is not in" in p for p in id_problems(parse(planted(l5, "### X9 — planted\n\n" + l5)), ids))
    assert any("not an entry heading" in p for p in id_problems(parse(planted(l5, l5.replace(" — ", " - "))), ids))
    assert any("has 2 entries" in p for p in id_problems(parse(planted(l5, l5 + "\n\n" + l5)), ids))
    # an entry moved to another section
    moved = planted("### S1 — a symmetry", "## 7. Pictures of G-feature maps\n\n### S1 — a symmetry")
    assert any("S1 stands in section 7" in p for p in section_problems(parse(moved)))
    # a field lost, the formula block lost
    l5_source = "- **Source.** Paper §6.1, eq. 12; blog: How To Go Deeper (names the paper's substitution)."
    assert any("L5 has the fields" in p for p in field_problems(parse(planted(l5_source + "\n", ""))))
    no_block = parse(text.replace(l5 + "\n\n```text", l5 + "\n\n```"))
    assert any("L5 has no ```text formula block" in p for p in field_problems(no_block))
    # U1 credited to a tutorial that does not declare it, and a misspelt function
    u1_fields = ("- **Checked in.** [`07_correlation_on_T.py`](../tutorials/07_correlation_on_T.py)\n"
                 "- **Implemented by.** `correlate.planar_correlation`\n")
    wrong = parse(planted(u1_fields, u1_fields.replace("07_correlation_on_T", "08_lifting_correlation")
                          .replace("planar_correlation`", "planar_correlatoin`")))
    assert any("U1 'Checked in' lists ['08_lifting_correlation.py']" in p
               for p in tutorial_problems(wrong, tutorials_by_id()))
    assert any("`correlate.planar_correlatoin` does not exist" in p for p in name_problems(wrong))
    # a broken link in the contents, an entry the contents forget
    l5_link = "[L5](#l5--equivariance-of-the-group-correlation-the-papers-proof)"
    broken = planted(l5_link, "[L5](#l5--gone)")
    assert any("#l5--gone lands on no heading" in p for p in anchor_problems(broken, parse(broken)))
    unlinked = planted(l5_link, "L5")
    assert any("do not link L5" in p for p in anchor_problems(unlinked, parse(unlinked)))


def test_github_anchor_follows_githubs_rule():
    assert github_anchor("C3 — translation equivariance, the blog's proof") == "c3--translation-equivariance-the-blogs-proof"
    assert github_anchor("L_g and why the inverse") == "l_g-and-why-the-inverse"
    assert github_anchor("6. The rest of a G-CNN (nonlinearity, pooling)") == "6-the-rest-of-a-g-cnn-nonlinearity-pooling"


# ---------------------------------------------------------------- dangling references

TEXT_SUFFIXES = (".py", ".md", ".txt", ".toml")
CITED = r"(?:md|py|png|txt|json|gz|gif)"
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>()\[\]\"'`]*")
MD_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MD_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
# A path mention: a file name with a cited extension after at least one folder ("docs/equations.md"), or
# after ./ or ../ ("../figures/x.png", relative to the citing file's folder). Not glued to a word, a
# slash (absolute paths), or a placeholder ({name}, *, <..>, …) on either side.
_FILE = r"[\w\-][\w.\-]*\." + CITED
MENTION = re.compile(r"(?<![\w.\-/{}*<>$~…])((?:\.\.?/)+(?:[\w\-][\w.\-]*/)*" + _FILE
                     + r"|(?:[\w\-][\w.\-]*/)+" + _FILE + r")(?![\w/*{}-])")
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", "build", "node_modules"}

# This file is not scanned: it plants dangling references on purpose (the last test).
SCANNER_TEST = "tests/test_docs.py"

# Mentions that look like repository paths but are not files of this repository. Keep this short.
NOT_REPOSITORY_PATHS = {
    "sklearn/datasets/data/digits.csv.gz",  # groupconv/data/README.md: where scikit-learn keeps the vendored file
    "tutorials/NN_name.py",  # tutorials/run_all.py: the naming pattern of the tutorials, not one file
}


def walk_files(root):
    """Every file under root, relative POSIX paths, skipping .git, caches and virtual environments."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")
                         and not (Path(folder) / d / "pyvenv.cfg").exists())
        found += [Path(folder, name).relative_to(root).as_posix() for name in files]
    return sorted(found)


def repository_files(root=ROOT):
    """The files git knows (tracked, or untracked but not ignored) that exist; without git, walk_files."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return walk_files(root)
    return sorted(p for p in set(out.split("\0")) if p and (Path(root) / p).is_file())


def dangling_references(root, files):
    """(file, line, cited path, how) for every link or path mention that names no file or folder in `files`."""
    known, folders = set(files), set()
    for path in known:  # every folder that holds a known file, at any depth
        folder = posixpath.dirname(path)
        while folder and folder not in folders:
            folders.add(folder)
            folder = posixpath.dirname(folder)

    def exists(base, target):
        path = posixpath.normpath(posixpath.join(base, target))
        return path in known or path in folders or path == "."

    found = []
    for name in files:
        if not name.endswith(TEXT_SUFFIXES) or name == SCANNER_TEST:
            continue
        here = posixpath.dirname(name)
        lines = (Path(root) / name).read_text(encoding="utf-8", errors="replace").splitlines()
        prose = dict(outside_code(lines)) if name.endswith(".md") else {}
        for n, line in enumerate(lines, 1):
            line = URL.sub(" ", line)
            if n in prose:
                code_free = re.sub(r"`[^`\n]*`", "", line)
                targets = MD_LINK.findall(code_free) + MD_REFERENCE.findall(code_free)
                for target in targets:
                    path = target.split("#")[0].split("?")[0]
                    if not path or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path):
                        continue  # an in-page anchor, or mailto: and the like
                    base = "" if path.startswith("/") else here
                    if not exists(base, path.lstrip("/")):
                        found.append((name, n, target, "link"))
            for target in MENTION.findall(line):
                if target in NOT_REPOSITORY_PATHS:
                    continue
                base = here if target.startswith(("./", "../")) else ""
                if not exists(base, target):
                    found.append((name, n, target, "mention"))
    return found


def test_no_file_cites_a_file_that_does_not_exist():
    files = repository_files(ROOT)
    assert "docs/equations.md" in files and "README.md" in files, files[:20]
    dangling = dangling_references(ROOT, files)
    assert not dangling, "references to files that do not exist:\n" + "\n".join(
        f"  {name}:{n}: {target}  ({how})" for name, n, target, how in dangling)


def test_the_reference_scanner_finds_planted_dangling_references(tmp_path):
    files = {
        "README.md": "\n".join([
            "[ok](docs/a.md) and [missing](docs/missing.md), ![picture](figures/x.png)",
            "see docs/gone.md; see `benchmarks/not_there.md` too",
            "a URL is not checked: https://example.org/docs/nothing.md, nor [a page](https://example.org/x.md)",
            "[in-page](#section), [reference]: docs/a.md",
            "[reference2]: docs/absent.md",
            "```",
            "[inside a code block](not/a/link.md) but figures/in_code.png is still a mention",
            "```",
            "`[in a code span](not/a/link.md)`",
        ]),
        "docs/a.md": "[up](../README.md), [root](/README.md), [same folder](b.md), [folder](../figures/)",
        "figures/x.png": "",
        "pkg/mod.py": "\n".join([
            "# see figures/08_missing.png and figures/x.png",
            "# relative to this file: ../docs/a.md, and ./nope.md",
            "path = f'figures/{name}.png'  # a placeholder, not a file",
            "bad = '/abs/olute/file.md'  # absolute: not a repository path",
            "pattern = 'tutorials/NN_name.py'  # on the short list of non-files",
        ]),
        ".venv/lib/site.md": "[skipped](nowhere.md) docs/nowhere.md",
        "data.json": "docs/not_scanned.md",  # only .py .md .txt .toml files are read
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")

    scanned = walk_files(tmp_path)
    assert ".venv/lib/site.md" not in scanned and "pkg/mod.py" in scanned
    found = {(name, n, target, how) for name, n, target, how in dangling_references(tmp_path, scanned)}
    assert found == {
        ("README.md", 1, "docs/missing.md", "link"),
        ("README.md", 1, "docs/missing.md", "mention"),
        ("README.md", 2, "docs/gone.md", "mention"),
        ("README.md", 2, "benchmarks/not_there.md", "mention"),
        ("README.md", 5, "docs/absent.md", "link"),
        ("README.md", 5, "docs/absent.md", "mention"),
        ("README.md", 7, "not/a/link.md", "mention"),
        ("README.md", 7, "figures/in_code.png", "mention"),
        ("README.md", 9, "not/a/link.md", "mention"),
        ("docs/a.md", 1, "b.md", "link"),
        ("pkg/mod.py", 1, "figures/08_missing.png", "mention"),
        ("pkg/mod.py", 2, "./nope.md", "mention"),
    }, sorted(found)
