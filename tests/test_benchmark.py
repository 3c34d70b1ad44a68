"""The throughput benchmark, in a seconds-long smoke run of the tiny encoder on the CPU; annotate's
scaling benchmark on a trained pipeline folder."""

import sys

import pytest

from helpers import ROOT, run
from synthetic import sentences

START, END = (
    "<!-- benchmark.py: throughput-tiny-cpu -->",
    "<!-- /benchmark.py: throughput-tiny-cpu -->",
)
HEADER = [
    "",
    "ours: spaCy (configs/trf.cfg)",
    "baseline: Transformers",
    "ours / baseline",
]
SPEED_ROWS = ["training, words/s", "inference, words/s"]
COMPONENT_ROWS = [
    f"inference, {name} component alone, words/s"
    for name in ("transformer", "ner", "entity_scores")
]
MEMORY_ROWS = ["peak GPU memory, training (GiB)", "peak GPU memory, inference (GiB)"]
CPU_ROW = "inference on the CPU, words/s"
VARIANT = "components.ner.model.hidden_width=32 nlp.batch_size=16"
VARIANTS_HEADER = [
    "variant of configs/trf.cfg",
    "training, words/s",
    "words a step",
    "inference, words/s",
    "training: ours / baseline",
    "inference: ours / baseline",
    "peak GPU memory, training / inference (GiB)",
]


def number(cell: str) -> float:
    return float(cell.replace(",", ""))


def table_rows(text: str) -> list:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def test_tiny_cpu_run_replaces_its_section_with_the_table(tmp_path):
    output = tmp_path / "RESULTS.md"
    output.write_text(
        f"# Results\n\n{START}\nold figures\n{END}\n\n## Another benchmark\nkept\n",
        encoding="utf8",
    )
    args = [
        sys.executable,
        ROOT / "benchmarks" / "benchmark.py",
        "--size",
        "tiny",
        "--gpu-id",
        "-1",
        "--sentences",
        "64",
        "--warmup-steps",
        "1",
        "--steps",
        "2",
        "--output",
        output,
        "--variant",
        VARIANT,
    ]
    result = run(args, check=True)
    text = output.read_text(encoding="utf8")
    assert text.startswith("# Results\n\n") and text.endswith(
        "\n\n## Another benchmark\nkept\n"
    )
    assert text.count(START) == 1 and text.count(END) == 1 and "old figures" not in text
    section = text.partition(START)[2].partition(END)[0]
    assert section.strip() in result.stdout
    main_section, _, variants_section = section.partition("### Variants of our config")
    rows = table_rows(main_section)
    assert rows[0] == HEADER
    table = {row[0]: row[1:] for row in rows[2:]}
    assert list(table) == SPEED_ROWS + COMPONENT_ROWS + MEMORY_ROWS + [CPU_ROW]
    for name in SPEED_ROWS + COMPONENT_ROWS:
        assert number(table[name][0]) > 0
    variants = table_rows(variants_section)
    assert variants[0] == VARIANTS_HEADER
    assert [row[0] for row in variants[2:]] == ["the config as it is", f"`{VARIANT}`"]


def test_a_variant_that_is_no_setting_of_the_config_fails_before_measuring(tmp_path):
    output = tmp_path / "RESULTS.md"
    args = [
        sys.executable,
        ROOT / "benchmarks" / "benchmark.py",
        "--size",
        "tiny",
        "--gpu-id",
        "-1",
        "--output",
        output,
        "--variant",
        "training.batcher.sise=4000",
    ]
    result = run(args)
    assert result.returncode == 1 and not output.exists()
    assert result.stderr.strip().splitlines() == [
        "✘ --variant 'training.batcher.sise=4000': training.batcher.sise is not a setting of configs/trf.cfg"
    ]


@pytest.mark.slow
def test_annotate_scaling_times_each_job_on_a_trained_pipeline_folder(
    cnn_project_run,
):
    model = cnn_project_run[0] / "training" / "cnn" / "b" / "model-best"
    args = [sys.executable, ROOT / "benchmarks" / "annotate_scaling.py", model]
    result = run([*args, "--docs", "6"], check=True)
    rows = {row[0]: row[1:] for row in table_rows(result.stdout)[2:]}
    for workers in ("1 worker", "2 workers"):
        assert number(rows[f"annotate, {workers}: 6 documents, end to end"][0]) > 0
    words = sum(len(record["tokens"]) for record in sentences(6, "en", seed=0))
    assert (
        f"- Corpus: 6 one-sentence documents from scripts/synthetic.py, {words:,} words"
        in result.stdout
    )
