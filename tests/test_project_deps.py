"""project.yml's deps: each command lists exactly the project's modules it runs, found from their imports."""

import ast
import re
from typing import Optional

import srsly

from helpers import ROOT

MODULE = re.compile(r"(?:scripts|benchmarks)/\w+\.py")


def project_module(name: str) -> Optional[str]:
    """The project file of module name, or None: scripts/ first, as the benchmarks put it first on the path."""
    for folder in ("scripts", "benchmarks"):
        if (ROOT / folder / f"{name}.py").is_file():
            return f"{folder}/{name}.py"
    return None


def imported_modules(path: str) -> set:
    """The project modules that path imports, anywhere in it (a function's imports too)."""
    names = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return {module for module in map(project_module, names) if module}


def runs(path: str, seen: set) -> set:
    """path and every project module it imports, directly or not."""
    if path not in seen:
        seen.add(path)
        for module in imported_modules(path):
            runs(module, seen)
    return seen


def test_each_command_lists_the_modules_it_runs_and_no_others():
    for command in srsly.read_yaml(ROOT / "project.yml")["commands"]:
        run = set()
        for line in command.get("script", []):
            for script in MODULE.findall(line):
                runs(script, run)
        listed = {dep for dep in command.get("deps", []) if MODULE.fullmatch(dep)}
        assert listed == run, (
            f"{command['name']}: missing {sorted(run - listed)}, not run {sorted(listed - run)}"
        )
