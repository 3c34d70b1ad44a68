"""Helpers for tests: run the project's scripts and commands as a user would, offline."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a fresh clone holds that the workflow needs; generated folders are left out.
PROJECT_FILES = ("project.yml", "configs", "scripts")


def run(args, cwd=ROOT, env=None, check=False) -> subprocess.CompletedProcess:
    """Run a command offline; fail with its output if check and it exits non-zero."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def run_script(script: str, *args, **kwargs) -> subprocess.CompletedProcess:
    """Run scripts/SCRIPT with this Python, as project.yml does."""
    return run([sys.executable, ROOT / "scripts" / script, *args], **kwargs)


def copy_project(dest: Path) -> Path:
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, dest / name)
    return dest


def one_line_failure(capsys, call, *args, **kwargs) -> str:
    """call's one `✘` line on stderr; it must exit 1, with nothing else on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        call(*args, **kwargs)
    assert exit_info.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("✘ ")
    return line


def snapshot(folder: Path) -> dict:
    """Every file and folder under folder, with its bytes (files) or None (folders)."""
    return {p: None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


def without_dac_override(args) -> list:
    """args run as root without root's right to read and write any file: file permissions apply to it too."""
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *args]
