"""The convert step at MultiNERD's full ten-language size: wall time and peak memory, beside one language.

    python benchmarks/convert_scaling.py WORK_DIR [--train 2680000] [--output benchmarks/RESULTS.md]

Writes synthetic hub-format JSONL files for all ten languages into WORK_DIR/assets (throughput_data.py's
sentences, streamed to disk: --train train sentences in all, shared out as the MultiNERD README's
per-language sentence counts are, and dev and test an eighth of train each, as for English on the hub),
then runs scripts/convert_corpus.py on them twice as a subprocess: --lang xx (all ten) and --lang zh
(the largest language alone). Reports each run's wall time and peak memory (the subprocess's maximum
resident set, from os.wait4) and the corpus's size, to stdout and to its section of RESULTS.md.
"""

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from time import perf_counter
from typing import Dict, Tuple

import typer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from hardware import cpu_name  # noqa: E402
from multinerd import LANGS, SPLITS, TAG_IDS, hub_filename  # noqa: E402
from results import ROOT, write_section  # noqa: E402
from safe_io import InputError, check_apart, fail  # noqa: E402
from throughput_data import synthetic_sentences  # noqa: E402

# Sentences per language in the MultiNERD README's data table (thousands): each language's share.
README_SENTENCES = {
    "de": 156.8,
    "en": 164.1,
    "es": 173.2,
    "fr": 176.2,
    "it": 181.9,
    "nl": 171.7,
    "pl": 195.0,
    "pt": 177.6,
    "ru": 129.0,
    "zh": 195.3,
}
# Dev and test sentences per train sentence: MultiNERD English on the hub has 262,560 / 32,820 / 32,908.
HELD_OUT_SHARE = 0.125
ALONE = max(README_SENTENCES, key=README_SENTENCES.get)


def split_sizes(train: int) -> Dict[str, Dict[str, int]]:
    """Sentences per language and hub split for `train` train sentences in all."""
    total = sum(README_SENTENCES.values())
    sizes = {}
    for lang in LANGS:
        n = round(train * README_SENTENCES[lang] / total)
        sizes[lang] = {
            "train": n,
            "val": round(n * HELD_OUT_SHARE),
            "test": round(n * HELD_OUT_SHARE),
        }
    return sizes


def write_assets(assets: Path, sizes: Dict[str, Dict[str, int]]) -> None:
    """Stream synthetic sentences to one JSONL file per language and split."""
    sentences, _ = synthetic_sentences()
    assets.mkdir(parents=True, exist_ok=True)
    for lang, splits in sizes.items():
        for split, n in splits.items():
            with (assets / hub_filename(split, lang)).open(
                "w", encoding="utf8"
            ) as file:
                for words, tags in itertools.islice(sentences, n):
                    record = {
                        "tokens": words,
                        "ner_tags": [TAG_IDS[tag] for tag in tags],
                        "lang": lang,
                    }
                    file.write(json.dumps(record) + "\n")


def run_convert(assets: Path, corpus: Path, lang: str) -> Tuple[float, float]:
    """Run convert_corpus.py: (seconds, peak resident memory in MiB)."""
    start = perf_counter()
    args = [
        sys.executable,
        ROOT / "scripts" / "convert_corpus.py",
        assets,
        corpus,
        "--lang",
        lang,
    ]
    process = subprocess.Popen([str(a) for a in args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        fail(
            f"convert_corpus.py --lang {lang} exited {os.waitstatus_to_exitcode(status)}"
        )
    return perf_counter() - start, usage.ru_maxrss / 1024


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def size_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main(
    work_dir: Path = typer.Argument(
        ..., help="A new or empty folder for the synthetic data and corpora"
    ),
    train: int = typer.Option(
        2_680_000, "--train", help="Train sentences in all (MultiNERD: 2.68M)"
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md", "--output", help="Results file"
    ),
):
    """Measure the convert step on a synthetic ten-language corpus of MultiNERD's size."""
    try:
        check_apart([output], [work_dir])
    except InputError as err:
        fail(str(err))
    if work_dir.exists() and any(work_dir.iterdir()):
        fail(f"{work_dir} is not empty: give a new or empty folder")
    sizes = split_sizes(train)
    assets = work_dir / "assets"
    start = perf_counter()
    write_assets(assets, sizes)
    print(f"Wrote {assets} in {perf_counter() - start:.0f} s")
    runs = {
        lang: (
            *run_convert(assets, work_dir / f"corpus_{lang}", lang),
            size_mib(work_dir / f"corpus_{lang}"),
        )
        for lang in ("xx", ALONE)
    }
    totals = {split: sum(s[split] for s in sizes.values()) for split in SPLITS}
    rows = [
        f"| {lang} | {s['train']:,} | {s['val']:,} | {s['test']:,} |"
        for lang, s in sizes.items()
    ]
    rows.append(
        f"| all | {totals['train']:,} | {totals['val']:,} | {totals['test']:,} |"
    )
    result_rows = [
        f"| `--lang {lang}` | {', '.join(sizes) if lang == 'xx' else lang} | "
        f"{sum(sum(sizes[each].values()) for each in (sizes if lang == 'xx' else [lang])):,} | "
        f"{seconds / 60:.1f} min | {peak / 1024:.2f} GiB | {corpus:,.0f} MiB |"
        for lang, (seconds, peak, corpus) in runs.items()
    ]
    body = "\n".join(
        [
            "## Converting all ten languages at full size (convert step, `--lang xx`)",
            "",
            f"`python benchmarks/convert_scaling.py WORK_DIR --train {train}` on {cpu_name()} ({os.cpu_count()} cores), "
            f"{memory_gib():.0f} GiB.",
            "Synthetic sentences (throughput_data.py's: MultiNERD English's lengths and entity density), each language's "
            "share as in the MultiNERD README, dev and test an eighth of train each:",
            "",
            "| Language | train | val | test |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
            f"JSONL input: {size_mib(assets):,.0f} MiB. Each run is `scripts/convert_corpus.py` (both systems, "
            "every split, one (language, split) in memory at a time, then the 10,000-sentence dev sample):",
            "",
            "| Run | Languages | Sentences | Wall time | Peak memory | Corpus on disk (a + b) |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
            *result_rows,
            "",
            f"Peak memory: {runs['xx'][1] / 1024:.2f} GiB for all ten languages, {runs[ALONE][1] / 1024:.2f} GiB for "
            f"{ALONE} alone, the largest language.",
        ]
    )
    print(body)
    write_section(output, "convert_scaling", body)


if __name__ == "__main__":
    typer.run(main)
