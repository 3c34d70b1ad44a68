"""The README's commands match the project: the generated command block and every `weasel run` line."""

import re
import sys

import srsly

from helpers import ROOT, run

README = (ROOT / "README.md").read_text(encoding="utf8")


def test_command_block_is_what_weasel_document_writes_now():
    generated = run(
        [sys.executable, "-m", "weasel", "document", "."], check=True
    ).stdout.strip()
    assert generated in README, "run `python -m weasel document . -o README.md`"


def test_every_weasel_run_names_a_command_and_the_project_folder_before_vars():
    project = srsly.read_yaml(ROOT / "project.yml")
    names = {command["name"] for command in project["commands"]} | set(
        project["workflows"]
    )
    runs = re.findall(r"weasel run ([a-z_-]+)([^\n`#]*)", README)
    assert runs
    for name, rest in runs:
        assert name in names, name
        assert "--vars" not in rest or rest.split()[0] == ".", (
            f"weasel run {name}{rest}"
        )
