"""The results report, the README's results section and the data checks: on hand-made scores and
corpora, on the scores of a run that learned (the learned_run fixture: comparisons of scores that are not
all zero), and on the workflow's tiny run."""

import re
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span

from conftest import LEARNED_SIZES
from helpers import predictions, run, run_script, write_scores
from multinerd import SYSTEMS, TAGSETS
from report import NOT_MEASURED, README_END, README_START
from safe_io import replace_between_markers

KEYS = ("p", "r", "f", "token_acc")
slow = pytest.mark.slow
README = f"# Project\n\n## Results\n\n{README_START}\nOld results.\n{README_END}\n\n## Tests\n\nText after.\n"


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


def prf(p, r, f, **more) -> dict:
    return {"p": p, "r": r, "f": f, **more}


def seqeval(gold: str, scores: dict, mistakes: dict, confusion: dict, **more) -> dict:
    """A score.py result on a CPU, 4 test sentences of 32 tokens."""
    return {
        "model": "model-best",
        "transformer": None,
        "lang": "en",
        "pipeline": ["tok2vec", "ner"],
        "hardware": "CPU: Test CPU (2 cores)",
        "gold": gold,
        "sentences": 4,
        "tokens": 32,
        "scores": scores,
        "mistakes": mistakes,
        "confusion": confusion,
        **more,
    }


# Hand-made scores. A: 1 of 2 PER right (the other missed), its 1 LOC typed ORG, 1 spurious ORG.
# B: both PER and the LOC right, 1 spurious DIS.
SCORES = {
    "a": {
        "test_scores.json": {
            "ents_p": 0.5,
            "ents_r": 0.25,
            "ents_f": 1 / 3,
            "ents_per_type": {"PER": prf(1.0, 0.5, 2 / 3), "LOC": prf(0.0, 0.0, 0.0)},
        },
        "seqeval_scores.json": seqeval(
            "corpus/a/test.spacy",
            {
                **prf(0.6, 0.3, 0.4),
                "token_acc": 0.875,
                "per_type": {
                    "PER": prf(1.0, 0.5, 2 / 3, support=2),
                    "LOC": prf(0.0, 0.0, 0.0, support=1),
                },
            },
            {
                "PER": {"right": 1, "missed": 1},
                "LOC": {"wrong type": 1},
                "ORG": {"spurious": 1},
            },
            {"PER": {"PER": 1, "none": 1}, "LOC": {"ORG": 1}, "none": {"ORG": 1}},
            five_types={
                "gold": "corpus/b/test.spacy",
                "types": list(TAGSETS["five"]),
                "scores": {
                    **prf(0.75, 0.75, 0.75),
                    "token_acc": 0.9,
                    "per_type": {"PER": prf(1.0, 0.5, 2 / 3, support=2)},
                },
            },
        ),
    },
    "b": {
        "test_scores.json": {
            "ents_p": 0.8,
            "ents_r": 0.8,
            "ents_f": 0.8,
            "ents_per_type": {"PER": prf(1.0, 1.0, 1.0)},
        },
        "seqeval_scores.json": seqeval(
            "corpus/b/test.spacy",
            {
                **prf(0.8, 0.8, 0.8),
                "token_acc": 0.95,
                "per_type": {
                    "PER": prf(1.0, 1.0, 1.0, support=2),
                    "LOC": prf(0.5, 1.0, 2 / 3, support=1),
                },
            },
            {"PER": {"right": 2}, "LOC": {"right": 1}, "DIS": {"spurious": 1}},
            {"PER": {"PER": 2}, "LOC": {"LOC": 1}, "none": {"DIS": 1}},
        ),
    },
}


def write_systems(root: Path) -> None:
    """The hand-made SCORES, and predictions of three sentences where A misses Ann; B gets them right."""
    write_scores(root, SCORES)
    gold = [(0, 1, "PER")]
    predictions([(gold, [])] * 3).to_disk(root / "a" / "test_predictions.spacy")
    predictions([(gold, gold)] * 3).to_disk(root / "b" / "test_predictions.spacy")


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory) -> Path:
    """report.py with a README on the hand-made scores, one sentence shown for each kind of mistake."""
    root = tmp_path_factory.mktemp("hand_made")
    write_systems(root)
    (root / "README.md").write_text(README, encoding="utf8")
    run_script(
        "report.py",
        root / "a",
        root / "b",
        root / "report.md",
        "--error-samples",
        1,
        "--readme",
        root / "README.md",
        cwd=root,
        check=True,
    )
    return root


def test_report_tables_by_hand(hand_made):
    report = (hand_made / "report.md").read_text(encoding="utf8")
    (setup,) = tables(report, "# MultiNERD NER: test results")
    assert setup["Pipeline"] == ["`tok2vec`, `ner`"] * 2
    assert (
        setup["Test data"] == ["MultiNERD `en`, test split, 4 sentences, 32 tokens"] * 2
    )
    (overall,) = tables(report, "## Overall")
    assert overall["A"] == [
        "50.00",
        "25.00",
        "33.33",
        "60.00",
        "30.00",
        "40.00",
        "87.50",
    ]
    assert overall["B"] == [
        "80.00",
        "80.00",
        "80.00",
        "80.00",
        "80.00",
        "80.00",
        "95.00",
    ]
    five_overall, five_per_type = tables(report, "## A vs B on the five shared types")
    assert five_overall["A (five types)"] == ["75.00", "75.00", "75.00", "90.00"]
    assert five_overall["B − A"] == ["+5.00", "+5.00", "+5.00", "+5.00"]
    assert (
        "**B helps**: its F on the five shared types is 5.00 points above A's."
        in report
    )
    assert five_per_type["PER"] == ["2", "66.67", "100.00", "+33.33"]
    assert five_per_type["LOC"] == ["1", "–", "66.67", "–"]
    assert five_per_type["ANIM"] == ["0", "–", "–", "–"]
    (a_per_type,) = tables(report, "### System A")
    assert list(a_per_type)[2:] == list(TAGSETS["full"])
    assert a_per_type["PER"] == [
        "2",
        "100.00",
        "50.00",
        "66.67",
        "100.00",
        "50.00",
        "66.67",
    ]
    assert a_per_type["LOC"] == ["1"] + ["0.00"] * 6
    assert a_per_type["ORG"] == ["0"] + ["–"] * 6
    assert (hand_made / "report_f1.png").read_bytes().startswith(b"\x89PNG")


def test_report_mistakes_and_confusion_by_hand(hand_made):
    report = (hand_made / "report.md").read_text(encoding="utf8")
    (kinds,) = tables(report, "## Mistakes")
    assert {
        kind: counts
        for kind, counts in kinds.items()
        if kind not in ("Entities", "---")
    } == {
        "right": ["1", "3"],
        "missed": ["1", "0"],
        "spurious": ["1", "1"],
        "wrong type": ["1", "0"],
        "wrong boundary": ["0", "0"],
        "wrong type and boundary": ["0", "0"],
    }
    (a,) = tables(report, "#### System A")
    axis = [*TAGSETS["full"], "none"]
    assert a["Gold ↓ predicted →"] == axis
    row = lambda **cells: [str(cells.get(label, "·")) for label in axis]  # noqa: E731
    assert a["**PER**"] == row(PER=1, none=1)
    assert a["**LOC**"] == row(ORG=1)
    assert a["**none**"] == row(ORG=1)
    assert a["**DIS**"] == row()
    (b,) = tables(report, "#### System B")
    assert b["Gold ↓ predicted →"] == ["PER", "ORG", "LOC", "DIS", "ANIM", "none"]
    assert b["**PER**"] == ["2", "·", "·", "·", "·", "·"]
    assert b["**none**"] == ["·", "·", "·", "1", "·", "·"]
    assert "[errors.html](errors.html)" in report


def test_error_page_beside_the_report_shows_the_sample(hand_made):
    page = (hand_made / "errors.html").read_text(encoding="utf8")
    assert (
        '<h2 id="missed">Missed: 3 in A, 0 in B</h2><p>1 of the 3 sentences'
        in page.replace("\n", "")
    )
    assert len(re.findall(r'<div class="sentence" id="s\d">', page)) == 1
    assert "<li>A: <b>missed</b>: PER “Ann”</li>" in page


def test_readme_results_section_by_hand(hand_made):
    readme = (hand_made / "README.md").read_text(encoding="utf8")
    # The text outside the markers stays as it was.
    assert readme.startswith(README.split(README_START)[0] + README_START + "\n")
    assert readme.endswith("\n" + README_END + README.split(README_END)[1])
    section = readme.split(README_START)[1].split(README_END)[0]
    assert "Old results" not in section
    setup = "Test data: MultiNERD `en`, test split, 4 sentences, 32 tokens. Scored on: CPU: Test CPU (2 cores)."
    assert setup in section
    (results,) = tables(f"\n## Results\n{section}", "## Results")
    assert results["A"] == ["all 15", "60.00", "30.00", "40.00", "87.50"]
    assert results["B"] == ["PER ORG LOC DIS ANIM", "80.00", "80.00", "80.00", "95.00"]
    assert results["A on B's five types"] == [
        "PER ORG LOC DIS ANIM",
        "75.00",
        "75.00",
        "75.00",
        "90.00",
    ]


def test_report_without_predictions_fails_in_one_line(tmp_path):
    write_systems(tmp_path)
    (tmp_path / "b" / "test_predictions.spacy").unlink()
    result = run_script(
        "report.py", tmp_path / "a", tmp_path / "b", tmp_path / "report.md"
    )
    assert result.returncode == 1
    expected = f"✘ {tmp_path / 'b' / 'test_predictions.spacy'}: no such file (score.py --predictions writes it)"
    assert result.stderr.strip().splitlines() == [expected]
    assert not (tmp_path / "report.md").exists()


@pytest.fixture(scope="module")
def scored(learned_run, tmp_path_factory) -> Path:
    """report.py with a README on the learned run's scores (from its evaluate and score commands): the folder."""
    out = tmp_path_factory.mktemp("scored")
    (out / "README.md").write_text(README, encoding="utf8")
    run_script(
        "report.py",
        "training/trf/a",
        "training/trf/b",
        out / "report.md",
        "--readme",
        out / "README.md",
        cwd=learned_run,
        check=True,
    )
    return out


def load(learned_run: Path, system: str):
    """(spacy evaluate's scores, score.py's result) of a system of the learned run."""
    folder = learned_run / "training/trf" / system
    return tuple(
        srsly.read_json(folder / name)
        for name in ("test_scores.json", "seqeval_scores.json")
    )


@slow
def test_seqeval_scores_equal_spacys_on_the_same_tokens(learned_run):
    # The tiny data's tokens are what spaCy's tokenizer makes of its text, so both scorers see the same entities.
    for system in SYSTEMS:
        spacy_scores, seqeval = load(learned_run, system)
        assert (seqeval["sentences"], seqeval["lang"]) == (LEARNED_SIZES[-1], "en")
        scores = seqeval["scores"]
        # Scores of a pipeline that learned: not zero against zero.
        assert scores["f"] > 0 and any(
            type_scores["f"] > 0
            for type_scores in spacy_scores["ents_per_type"].values()
        )
        assert [scores[k] for k in "prf"] == pytest.approx(
            [spacy_scores[f"ents_{k}"] for k in "prf"]
        )
        for label, type_scores in spacy_scores["ents_per_type"].items():
            assert [scores["per_type"][label][k] for k in "prf"] == pytest.approx(
                [type_scores[k] for k in "prf"]
            )


@slow
def test_mistakes_are_counted_as_seqeval_counts_entities(learned_run, scored):
    for system in SYSTEMS:
        _, result = load(learned_run, system)
        per_type = result["scores"]["per_type"]
        # A pipeline that learned: entities right and entities wrong, not zero against zero.
        assert sum(counts["right"] for counts in result["mistakes"].values()) > 0
        assert (
            sum(
                n
                for counts in result["mistakes"].values()
                for kind, n in counts.items()
                if kind != "right"
            )
            > 0
        )
        for label, counts in result["mistakes"].items():
            # Each gold entity is judged once (seqeval's support), a right one is one seqeval counts correct.
            gold = sum(n for kind, n in counts.items() if kind != "spurious")
            assert (
                gold
                == per_type.get(label, {}).get("support", 0)
                == sum(result["confusion"].get(label, {}).values())
            )
            assert counts["right"] == round(per_type.get(label, {}).get("r", 0) * gold)
    page = (scored / "errors.html").read_text(encoding="utf8")
    assert (
        page.startswith("<!DOCTYPE html>")
        and "MultiNERD NER: mistakes on the test split" in page
    )


@slow
@pytest.mark.parametrize("pipeline", ["trf", "cnn"])
def test_workflow_writes_the_error_page(request, pipeline):
    project, _, _ = request.getfixturevalue(
        "project_run" if pipeline == "trf" else "cnn_project_run"
    )
    page = (project / f"training/{pipeline}/errors.html").read_text(encoding="utf8")
    assert (
        page.startswith("<!DOCTYPE html>")
        and "MultiNERD NER: mistakes on the test split" in page
    )


@slow
def test_a_on_the_five_types_is_scored_on_bs_gold(learned_run):
    _, a = load(learned_run, "a")
    _, b = load(learned_run, "b")
    five = a["five_types"]
    assert five["gold"] == b["gold"] == "corpus/b/test"
    # B's gold holds A's entities of the five types, so each of those types scores as on A's gold.
    assert set(five["scores"]["per_type"]) <= set(TAGSETS["five"])
    # Scores of a pipeline that learned: some type has gold entities and some of them right.
    assert any(
        scores["support"] > 0 and scores["f"] > 0
        for scores in five["scores"]["per_type"].values()
    )
    for label, type_scores in five["scores"]["per_type"].items():
        assert type_scores == a["scores"]["per_type"][label]
        assert type_scores["support"] == b["scores"]["per_type"][label]["support"]


def test_readme_says_not_yet_measured_without_scores(tmp_path):
    (tmp_path / "README.md").write_text(README, encoding="utf8")
    result = run_script(
        "report.py",
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "report.md",
        "--readme",
        tmp_path / "README.md",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "README.md").read_text(encoding="utf8") == README.replace(
        "Old results.", NOT_MEASURED
    )
    assert not (tmp_path / "report.md").exists()


def test_report_without_scores_fails_in_one_line(tmp_path):
    result = run_script(
        "report.py", tmp_path / "a", tmp_path / "b", tmp_path / "report.md"
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(
        f"✘ No scores to report: {tmp_path / 'a' / 'test_scores.json'}"
    )


def test_readme_without_markers_fails_in_one_line(tmp_path):
    (tmp_path / "README.md").write_text("# Project\n", encoding="utf8")
    result = run_script(
        "report.py",
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "report.md",
        "--readme",
        tmp_path / "README.md",
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"✘ {tmp_path / 'README.md'}: no '{README_START}' ... '{README_END}' markers"
    )
    assert (tmp_path / "README.md").read_text(encoding="utf8") == "# Project\n"


def test_replacing_the_results_section_twice_changes_nothing_more():
    other = "<!-- cpu-speed:start -->\nSpeeds.\n<!-- cpu-speed:end -->\n"
    once = replace_between_markers(
        other + README, README_START, README_END, "| table |"
    )
    assert once == other + README.replace("Old results.", "| table |")
    assert replace_between_markers(once, README_START, README_END, "| table |") == once


def test_corpus_stats_by_hand(tmp_path):
    vocab = spacy.blank("en").vocab
    splits = {
        "train": [
            (["Ann", "met", "Bob"], [(0, 1, "PER"), (2, 3, "PER")]),
            (["Rome", "."], [(0, 1, "LOC")]),
        ],
        "dev": [(["Ann", "'s", "fox"], [(0, 1, "PER"), (2, 3, "ANIM")])],
        "test": [(["Hamlet"], [(0, 1, "MEDIA")])],
    }
    for split, sentences in splits.items():
        docs = []
        for words, ents in sentences:
            doc = Doc(vocab, words=words)
            doc.ents = [Span(doc, s, e, label) for s, e, label in ents]
            docs.append(doc)
        (tmp_path / split).mkdir()
        DocBin(docs=docs).to_disk(tmp_path / split / "en.spacy")
    config = tmp_path / "batcher.cfg"
    config.write_text(
        '[training]\n\n[training.batcher]\n@batchers = "spacy.batch_by_sequence.v1"\nsize = 1\nget_length = null\n'
    )
    result = run_script(
        "corpus_stats.py", tmp_path, "--tagset", "five", "--config", config, check=True
    )
    rows = {
        line.split()[0]: line.split()[1:]
        for line in result.stdout.splitlines()
        if line.strip()
    }
    expected = {
        "PER": ["2", "1", "0"],
        "ORG": ["0", "0", "0"],
        "LOC": ["1", "0", "0"],
        "DIS": ["0", "0", "0"],
        "ANIM": ["0", "1", "0"],
        "entities": ["3", "2", "0"],
        "sentences": ["2", "1", "1"],
        "tokens": ["5", "3", "1"],
    }
    assert {key: rows[key] for key in expected} == expected
    assert "Training steps an epoch: 2 " in result.stdout
    assert "test: entities of types outside the 'five' tagset: MEDIA" in result.stdout


@slow
@pytest.mark.parametrize("system", SYSTEMS)
def test_spacy_debug_data_runs_offline(project_run, tiny_model, tmp_path, system):
    project, _, _ = project_run
    config = tmp_path / "debug.cfg"  # as the debug command writes it
    run(
        [
            sys.executable,
            "scripts/train_config.py",
            "configs/trf.cfg",
            "corpus/a/train",
            "corpus/a/dev_sample",
            config,
            "--tagset",
            "full",
            "--transformer",
            tiny_model,
        ],
        cwd=project,
        check=True,
    )
    run(
        [
            sys.executable,
            "-m",
            "spacy",
            "init",
            "fill-config",
            config,
            config,
            "--code",
            "scripts/callbacks.py",
        ],
        cwd=project,
        check=True,
    )
    result = run(
        [
            sys.executable,
            "-m",
            "spacy",
            "debug",
            "data",
            config,
            "--code",
            "scripts/callbacks.py",
            "--paths.train",
            f"corpus/{system}/train",
            "--paths.dev",
            f"corpus/{system}/dev_sample",
            "--paths.transformer",
            tiny_model,
            "--nlp.lang",
            "en",
            "--initialize.components.ner.labels.tagset",
            SYSTEMS[system],
        ],
        cwd=project,
    )
    assert "Pipeline can be initialized with data" in result.stdout, (
        result.stdout + result.stderr
    )
    assert f"{len(TAGSETS[SYSTEMS[system]])} label(s)" in result.stdout
    # Its one error on tiny data: fewer than 2,000 training sentences.
    assert (
        "✘ 1 error" in result.stdout
        and "Low number of examples to train a new pipeline (60)" in result.stdout
    )


def test_report_confidence_section_by_hand(tmp_path):
    write_systems(tmp_path)
    for system, ece in (("a", 0.125), ("b", 0.05)):
        scores = srsly.read_json(tmp_path / system / "seqeval_scores.json")
        rows = [
            {
                "threshold": t / 10,
                "entities": 10 - t,
                "p": 0.5 + t / 20,
                "r": 0.5,
                "f": 0.5,
            }
            for t in range(10)
        ]
        scores["confidence"] = {
            "ece": ece,
            "by_threshold": rows,
            "bins": [{"entities": 2, "score": 0.95, "precision": 1.0}],
        }
        srsly.write_json(tmp_path / system / "seqeval_scores.json", scores)
    run_script(
        "report.py",
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "report.md",
        cwd=tmp_path,
        check=True,
    )
    report = (tmp_path / "report.md").read_text(encoding="utf8")
    assert "Expected calibration error over 10 score bins: A 0.125, B 0.050" in report
    (by_threshold,) = tables(report, "## Confidence")
    assert by_threshold["≥ 0.0"] == [
        "10",
        "50.00",
        "50.00",
        "50.00",
        "10",
        "50.00",
        "50.00",
        "50.00",
    ]
    assert by_threshold["≥ 0.9"] == [
        "1",
        "95.00",
        "50.00",
        "50.00",
        "1",
        "95.00",
        "50.00",
        "50.00",
    ]
    assert (tmp_path / "report_confidence.png").read_bytes().startswith(b"\x89PNG")


def test_report_without_entity_scores_says_so(hand_made):
    report = (hand_made / "report.md").read_text(encoding="utf8")
    assert (
        "## Confidence\n\nNot measured: a pipeline without the entity_scores component"
        in report
    )
    assert not (hand_made / "report_confidence.png").exists()
