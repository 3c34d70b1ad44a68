"""The results report, the README's results section, and the data checks, on the workflow's tiny run."""
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
import srsly

from convert import read_sentences
from corpus_stats import count
from helpers import run, run_script
from multinerd import SPLITS, TAGSETS, hub_filename, iob_spans, keep_types
from report import NOT_MEASURED, README_END, README_START, replace_between_markers

SYSTEMS = {"a": "full", "b": "five"}
KEYS = ("p", "r", "f", "token_acc")
slow = pytest.mark.slow
README = f"# Project\n\n## Results\n\n{README_START}\nOld results.\n{README_END}\n\n## Tests\n\nText after.\n"


def pct(score) -> str:
    return f"{100 * score:.2f}"


def delta(b, a) -> str:
    return f"{100 * (b - a):+.2f}"


def tables(markdown: str, heading: str) -> List[Dict[str, List[str]]]:
    """The tables in the section under `heading`, each as {first cell: the other cells}."""
    section = re.split(r"\n#+ ", f"\n{markdown}".split(f"\n{heading}\n", 1)[1])[0]
    found: List[Dict[str, List[str]]] = []
    in_table = False
    for line in section.splitlines():
        if line.startswith("|"):
            if not in_table:
                found.append({})
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            found[-1][cells[0]] = cells[1:]
        in_table = line.startswith("|")
    return found


@pytest.fixture(scope="module")
def scored(project_run, tmp_path_factory) -> Path:
    """score.py for A and B on the tiny run's models, then report.py with a README, in a folder of their own."""
    project, _, _ = project_run
    out = tmp_path_factory.mktemp("scored")
    for system in SYSTEMS:
        (out / system).mkdir()
        shutil.copy(project / f"training/trf/{system}/test_scores.json", out / system)
        five = ["--five-types-gold", "corpus/b/test"] if system == "a" else []
        run_script("score.py", f"training/trf/{system}/model-best", f"corpus/{system}/test",
                   out / system / "seqeval_scores.json", *five, cwd=project, check=True)  # fmt: skip
    (out / "README.md").write_text(README, encoding="utf8")
    run_script("report.py", out / "a", out / "b", out / "report.md", "--readme", out / "README.md",
               cwd=project, check=True)  # fmt: skip
    return out


def load(scored: Path, system: str):
    """(spacy evaluate's scores, score.py's result) of a system."""
    return tuple(srsly.read_json(scored / system / name) for name in ("test_scores.json", "seqeval_scores.json"))


@slow
def test_seqeval_scores_equal_spacys_on_the_same_tokens(scored):
    # The tiny data's tokens are what spaCy's tokenizer makes of its text, so both scorers see the same entities.
    for system in SYSTEMS:
        spacy_scores, seqeval = load(scored, system)
        assert (seqeval["sentences"], seqeval["lang"]) == (20, "en")
        scores = seqeval["scores"]
        assert [scores[k] for k in "prf"] == pytest.approx([spacy_scores[f"ents_{k}"] for k in "prf"])
        for label, type_scores in spacy_scores["ents_per_type"].items():
            assert [scores["per_type"][label][k] for k in "prf"] == pytest.approx([type_scores[k] for k in "prf"])


@slow
def test_a_on_the_five_types_is_scored_on_bs_gold(scored):
    _, a = load(scored, "a")
    _, b = load(scored, "b")
    five = a["five_types"]
    assert five["gold"] == b["gold"] == "corpus/b/test"
    # B's gold holds A's entities of the five types, so each of those types scores as on A's gold.
    assert set(five["scores"]["per_type"]) <= set(TAGSETS["five"])
    for label, type_scores in five["scores"]["per_type"].items():
        assert type_scores == a["scores"]["per_type"][label]
        assert type_scores["support"] == b["scores"]["per_type"][label]["support"]


@slow
def test_report_numbers_are_the_scores(scored):
    report = (scored / "report.md").read_text(encoding="utf8")
    (setup,) = tables(report, "# MultiNERD NER: test results")
    assert setup["Test data"] == ["MultiNERD `en`, test split, 20 sentences, 158 tokens"] * 2
    assert setup["Scored on"][0].startswith("CPU: ")
    (overall,) = tables(report, "## Overall")
    systems = {system: load(scored, system) for system in SYSTEMS}
    for system, (spacy_scores, seqeval) in systems.items():
        scores = seqeval["scores"]
        spacy_prf = [pct(spacy_scores[f"ents_{k}"]) for k in "prf"]
        assert overall[system.upper()] == spacy_prf + [pct(scores[k]) for k in KEYS]
        (per_type,) = tables(report, f"### System {system.upper()}")
        assert list(per_type) == ["Type", "---", *TAGSETS[SYSTEMS[system]]]
        for label, type_scores in scores["per_type"].items():
            spacy_type = spacy_scores["ents_per_type"][label]
            expected = [pct(spacy_type[k]) for k in "prf"] + [pct(type_scores[k]) for k in "prf"]
            assert per_type[label] == [str(type_scores["support"]), *expected]
    a5 = systems["a"][1]["five_types"]["scores"]
    b5 = systems["b"][1]["scores"]
    five_overall, five_per_type = tables(report, "## A vs B on the five shared types")
    assert five_overall["A (five types)"] == [pct(a5[k]) for k in KEYS]
    assert five_overall["B"] == [pct(b5[k]) for k in KEYS]
    assert five_overall["B − A"] == [delta(b5[k], a5[k]) for k in KEYS]
    assert ("B helps" if b5["f"] > a5["f"] else "B hurts" if b5["f"] < a5["f"] else "neither") in report
    for label in TAGSETS["five"]:
        if label in a5["per_type"] and label in b5["per_type"]:
            a_f, b_f = a5["per_type"][label]["f"], b5["per_type"][label]["f"]
            support = b5["per_type"][label]["support"]
            assert five_per_type[label] == [str(support), pct(a_f), pct(b_f), delta(b_f, a_f)]
    assert "![Per-type F1 of systems A and B](report_f1.png)" in report
    assert (scored / "report_f1.png").read_bytes().startswith(b"\x89PNG")


@slow
def test_readme_results_section_is_the_report(scored):
    readme = (scored / "README.md").read_text(encoding="utf8")
    # The text outside the markers stays as it was.
    assert readme.startswith(README.split(README_START)[0] + README_START + "\n")
    assert readme.endswith("\n" + README_END + README.split(README_END)[1])
    section = readme.split(README_START)[1].split(README_END)[0]
    assert "Old results" not in section
    (results,) = tables(f"\n## Results\n{section}", "## Results")
    _, a = load(scored, "a")
    _, b = load(scored, "b")
    for name, scores in (("A", a["scores"]), ("B", b["scores"]), ("A on B's five types", a["five_types"]["scores"])):
        assert results[name][1:] == [pct(scores[k]) for k in KEYS]
    assert "MultiNERD `en`, test split, 20 sentences" in section


def test_readme_says_not_yet_measured_without_scores(tmp_path):
    (tmp_path / "README.md").write_text(README, encoding="utf8")
    result = run_script("report.py", tmp_path / "a", tmp_path / "b", tmp_path / "report.md",
                        "--readme", tmp_path / "README.md")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "README.md").read_text(encoding="utf8") == README.replace("Old results.", NOT_MEASURED)
    assert not (tmp_path / "report.md").exists()


def test_report_without_scores_fails_in_one_line(tmp_path):
    result = run_script("report.py", tmp_path / "a", tmp_path / "b", tmp_path / "report.md")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"✘ No scores to report: {tmp_path / 'a' / 'test_scores.json'}")


def test_readme_without_markers_fails_in_one_line(tmp_path):
    (tmp_path / "README.md").write_text("# Project\n", encoding="utf8")
    result = run_script("report.py", tmp_path / "a", tmp_path / "b", tmp_path / "report.md",
                        "--readme", tmp_path / "README.md")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == f"✘ {tmp_path / 'README.md'}: no '{README_START}' ... '{README_END}' markers"
    assert (tmp_path / "README.md").read_text(encoding="utf8") == "# Project\n"


def test_replacing_the_results_section_twice_changes_nothing_more():
    other = "<!-- cpu-speed:start -->\nSpeeds.\n<!-- cpu-speed:end -->\n"
    once = replace_between_markers(other + README, "| table |")
    assert once == other + README.replace("Old results.", "| table |")
    assert replace_between_markers(once, "| table |") == once


@slow
@pytest.mark.parametrize("system", SYSTEMS)
def test_corpus_stats_count_what_the_assets_hold(project_run, tmp_path, system):
    project, _, _ = project_run
    tagset = SYSTEMS[system]
    counts = {split: count(project / f"corpus/{system}/{split}") for split in SPLITS.values()}
    for hub_split, split in SPLITS.items():
        expected: Counter = Counter()
        for tokens, tags in read_sentences(project / "assets" / hub_filename(hub_split, "en"), "en"):
            expected.update(sentences=1, tokens=len(tokens))
            expected.update(label for _, _, label in keep_types(iob_spans(tags), tagset))
        assert counts[split] == expected
    config = tmp_path / "batcher.cfg"
    config.write_text('[training]\n\n[training.batcher]\n@batchers = "spacy.batch_by_sequence.v1"\n'
                      "size = 7\nget_length = null\n")
    result = run_script("corpus_stats.py", f"corpus/{system}", "--tagset", tagset, "--config", config,
                        cwd=project, check=True)  # fmt: skip
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line.strip()}
    for key in (*TAGSETS[tagset], "sentences", "tokens"):
        assert rows[key] == [str(counts[split][key]) for split in SPLITS.values()]
    batches = -(-counts["train"]["sentences"] // 7)
    assert f"Training steps an epoch: {batches} " in result.stdout


@slow
@pytest.mark.parametrize("system", SYSTEMS)
def test_spacy_debug_data_runs_offline(project_run, tiny_model, tmp_path, system):
    project, _, _ = project_run
    config = tmp_path / "debug.cfg"
    run([sys.executable, "-m", "spacy", "init", "fill-config", "configs/trf.cfg", config], cwd=project, check=True)
    result = run([sys.executable, "-m", "spacy", "debug", "data", config, "--code", "scripts/callbacks.py",
                  "--paths.train", f"corpus/{system}/train", "--paths.dev", f"corpus/{system}/dev_sample",
                  "--paths.transformer", tiny_model, "--nlp.lang", "en"], cwd=project)  # fmt: skip
    assert "Pipeline can be initialized with data" in result.stdout, result.stdout + result.stderr
    assert f"{len(TAGSETS[SYSTEMS[system]])} label(s)" in result.stdout
    # Its one error on tiny data: fewer than 2,000 training sentences.
    assert "✘ 1 error" in result.stdout and "Low number of examples to train a new pipeline (60)" in result.stdout
