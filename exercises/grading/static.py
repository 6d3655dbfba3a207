"""A static read of a submission's text (its syntax tree): the constructs an exercise never needs.

The grader parses the file with ast.parse; nothing of it runs. A flag names the line, the
construct and why it is flagged. Flags go into the report and the gradebook, and by
default (grade.py --flags zero) a flagged task scores 0; with --flags report they are
only reported. Marks still come from behaviour: a flag never makes a wrong answer right,
and hints never come from the text.

Flagged:
  modules    ctypes, gc, importlib, subprocess, multiprocessing, threading's _thread,
             inspect, builtins, resource, signal, pickle, marshal, shutil, pty, mmap,
             fcntl, socket and the network modules; the grader's own (grading,
             exercises) and other exercise files (exNN_...); a private module (a
             dotted name with a part starting with "_")
  attributes sys.modules, sys.path, sys.meta_path, sys._getframe, sys.settrace,
             sys.setprofile, sys.addaudithook, sys.monitoring; os.system, os.popen,
             os.exec*, os.spawn*, os.fork, os.kill, os.remove, ...; a private attribute
             (_name) or an introspection attribute (__code__, __globals__, __wrapped__,
             __subclasses__, __dict__, __closure__, f_back, co_consts, ...) of anything
  calls      __import__, eval, exec, compile, open, globals, vars, setattr, delattr,
             getattr with a computed name, breakpoint
  assignment to an attribute of a module the file imported (monkeypatching)
"""
import ast
import re

MODULES = {
    "ctypes": "reaches C functions directly, past every guard",
    "gc": "can reach any object of the process, e.g. the grader's",
    "importlib": "imports by computed name (a protected module, another file)",
    "subprocess": "starts other programs", "multiprocessing": "starts other processes",
    "_thread": "starts threads", "inspect": "reads frames and source of other code",
    "builtins": "can replace built-in functions", "resource": "changes the process's limits",
    "signal": "changes signal handling", "pickle": "runs code while loading data", "marshal": "loads code objects",
    "shutil": "copies and deletes files", "pty": "starts other programs", "mmap": "maps memory and files",
    "fcntl": "manipulates file descriptors", "os.path": None,
    "socket": "uses the network", "ssl": "uses the network", "http": "uses the network",
    "urllib": "uses the network", "requests": "uses the network", "ftplib": "uses the network",
    "smtplib": "uses the network", "asyncio": "uses the network or other processes",
    "grading": "is the grader's own package", "exercises": "is the folder of the reference solutions",
    "runner": "is the grader's child process", "sandbox": "is the grader's own module",
}
EXERCISE_FILE = re.compile(r"^ex\d\d(_|$)")
SYS_ATTRIBUTES = {"modules", "path", "meta_path", "path_hooks", "_getframe", "settrace", "setprofile",
                  "addaudithook", "monitoring", "_current_frames", "setrecursionlimit"}
OS_ATTRIBUTES = re.compile(r"^(system|popen|exec\w*|spawn\w*|fork\w*|kill\w*|posix_spawn\w*|remove|unlink|rmdir|"
                           r"removedirs|rename|renames|replace|truncate|chmod|chown|symlink|link|setuid|setgid|"
                           r"setrlimit|dup2?|open|write|putenv|unsetenv|_exit|abort)$")
INTROSPECTION = {"__code__", "__globals__", "__wrapped__", "__subclasses__", "__dict__", "__closure__",
                 "__builtins__", "__import__", "__loader__", "__spec__", "__self__", "__func__", "__bases__",
                 "__mro__", "__base__", "__getattribute__", "__setattr__", "__delattr__", "__reduce__",
                 "__reduce_ex__", "f_back", "f_globals", "f_locals", "f_code", "f_builtins", "co_consts",
                 "co_code", "cell_contents", "gi_frame", "gi_code", "tb_frame", "tb_next", "cr_frame",
                 "ag_frame", "__traceback__"}
CALLS = {"__import__": "imports by computed name", "eval": "runs text as code", "exec": "runs text as code",
         "compile": "makes code from text", "open": "opens a file (an exercise reads and writes no file)",
         "globals": "reaches the module's namespace", "vars": "reaches an object's namespace",
         "setattr": "changes an attribute by name (monkeypatching)", "delattr": "deletes an attribute by name",
         "breakpoint": "starts a debugger", "memoryview": None}


def _dotted(node):
    """'a.b.c' for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _module_flag(name):
    top = name.split(".")[0]
    for key in (name, top):
        if key in MODULES and MODULES[key]:
            return MODULES[key]
    if EXERCISE_FILE.match(top):
        return "is another exercise file (a reference solution)"
    if any(part.startswith("_") and not part.startswith("__") for part in name.split(".")):
        return "is a private module (its name starts with _)"
    return None


class _Reader(ast.NodeVisitor):
    def __init__(self):
        self.flags, self.modules = [], {}  # modules: local name -> imported module's dotted name
        self.function = None

    def flag(self, node, what, why):
        self.flags.append({"line": getattr(node, "lineno", 0), "what": what, "why": why, "function": self.function})

    def visit_FunctionDef(self, node):
        outer = self.function
        self.function = self.function or node.name  # flags inside nested functions belong to the outer one
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node):
        for alias in node.names:
            why = _module_flag(alias.name)
            if why:
                self.flag(node, f"import {alias.name}", f"{alias.name} {why}")
            self.modules[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                alias.name.split(".")[0]

    def visit_ImportFrom(self, node):
        base = "." * node.level + (node.module or "")
        if node.level:
            self.flag(node, f"from {base} import ...", "a relative import reaches the grader's package")
        why = _module_flag(node.module or "") if node.module else None
        if why:
            self.flag(node, f"from {base} import ...", f"{node.module} {why}")
        for alias in node.names:
            full = f"{node.module}.{alias.name}" if node.module else alias.name
            if alias.name == "*":
                continue
            reason = _module_flag(full) if not why else None
            if reason is None and alias.name.startswith("_") and not alias.name.startswith("__"):
                reason = "is a private name (it starts with _)"
            if reason is None and node.module == "sys" and alias.name in SYS_ATTRIBUTES:
                reason = "reaches the interpreter's machinery"
            if reason is None and node.module == "os" and OS_ATTRIBUTES.match(alias.name):
                reason = "starts programs, changes files or the process"
            if reason is None and alias.name in INTROSPECTION:
                reason = "is introspection"
            if reason:
                self.flag(node, f"from {node.module} import {alias.name}", f"{full} {reason}")
            self.modules[alias.asname or alias.name] = full

    def visit_Attribute(self, node):
        name = _dotted(node)
        if node.attr in INTROSPECTION:
            self.flag(node, f".{node.attr}", "introspection: it reaches code, frames or namespaces of other code")
        elif name:
            head, _, rest = name.partition(".")
            target = self.modules.get(head)
            if target is not None and rest:
                full = f"{target}.{rest}"
                first = rest.split(".")[0]
                if target == "sys" and first in SYS_ATTRIBUTES:
                    self.flag(node, full, "reaches the interpreter's machinery (modules, frames, tracing)")
                elif target == "os" and OS_ATTRIBUTES.match(first):
                    self.flag(node, full, "starts programs, changes files or the process")
                elif any(p.startswith("_") and not p.startswith("__") for p in rest.split(".")):
                    self.flag(node, full, "a private part of a library (its name starts with _)")
        self.generic_visit(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and CALLS.get(node.func.id) and node.func.id not in self.modules:
            self.flag(node, f"{node.func.id}(...)", CALLS[node.func.id])
        if isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2 \
                and not (isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                         and not node.args[1].value.startswith("_")):
            self.flag(node, "getattr(..., name)", "reads an attribute by a computed or private name")
        self.generic_visit(node)

    def _assigned(self, targets, node):
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
                    name = _dotted(sub)
                    if name and name.split(".")[0] in self.modules:
                        self.flag(node, f"{name} = ...", "changes a module it imported (monkeypatching)")

    def visit_Assign(self, node):
        self._assigned(node.targets, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._assigned([node.target], node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        self._assigned(node.targets, node)
        self.generic_visit(node)


def read(source):
    """The flags of a submission's text: [{"line", "what", "why", "function"}], function None at module level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # the child reports the syntax error as an import error
    except (RecursionError, MemoryError, ValueError):
        return [{"line": 0, "what": "the file", "why": "it is too deeply nested to be read", "function": None}]
    reader = _Reader()
    # imports first (anywhere in the file), so that an alias is known wherever it is used
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                reader.modules[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                reader.modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    reader.visit(tree)
    return _attribute(tree, reader.flags)


def _attribute(tree, flags):
    """Each flag with "tasks": the top-level functions that reach its function (None: every task)."""
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    uses = {name: {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and sub.id in functions}
            for name, node in functions.items()}

    def reached(start):
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += uses.get(name, ())
        return seen

    reach = {name: reached(name) for name in functions}
    for flag in flags:
        owner = flag["function"]
        flag["tasks"] = None if owner not in functions else sorted(t for t in functions if owner in reach[t])
    return flags


def applies(flag, task):
    """Whether a flag counts against a task."""
    return flag.get("tasks") is None or task in flag["tasks"]
