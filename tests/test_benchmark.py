"""The throughput benchmark, in a seconds-long smoke run of the tiny encoder on the CPU."""
import sys

from helpers import ROOT, run

START, END = "<!-- benchmark.py: throughput-tiny-cpu -->", "<!-- /benchmark.py: throughput-tiny-cpu -->"
HEADER = ["", "ours: spaCy (configs/trf.cfg)", "baseline: Transformers", "ours / baseline"]
SPEED_ROWS = ["training, words/s", "inference, words/s"]
MEMORY_ROWS = ["peak GPU memory, training (GiB)", "peak GPU memory, inference (GiB)"]
CPU_ROW = "inference on the CPU, words/s"


def test_tiny_cpu_run_replaces_its_section_with_the_table(tmp_path):
    output = tmp_path / "RESULTS.md"
    output.write_text(f"# Results\n\n{START}\nold figures\n{END}\n\n## Another benchmark\nkept\n", encoding="utf8")
    args = [sys.executable, ROOT / "benchmarks" / "benchmark.py", "--size", "tiny", "--gpu-id", "-1",
            "--sentences", "64", "--warmup-steps", "1", "--steps", "2", "--output", output]  # fmt: skip
    result = run(args, check=True)
    text = output.read_text(encoding="utf8")
    assert text.startswith("# Results\n\n") and text.endswith("\n\n## Another benchmark\nkept\n")
    assert text.count(START) == 1 and text.count(END) == 1 and "old figures" not in text
    section = text.partition(START)[2].partition(END)[0]
    assert section.strip() in result.stdout
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("|")]
    assert rows[0] == HEADER
    table = {row[0]: row[1:] for row in rows[2:]}
    assert list(table) == SPEED_ROWS + MEMORY_ROWS + [CPU_ROW]
    for name in SPEED_ROWS:
        ours, baseline, ratio = (float(cell.replace(",", "")) for cell in table[name])
        assert ours > 0 and baseline > 0 and abs(ratio - ours / baseline) <= 0.01 * ratio + 0.005
    for name in MEMORY_ROWS:
        assert table[name] == ["n/a"] * 3
    assert float(table[CPU_ROW][0].replace(",", "")) == float(table[SPEED_ROWS[1]][0].replace(",", ""))
