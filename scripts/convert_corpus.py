"""Convert MultiNERD's JSONL files of one language, or all ten (xx), to both systems' sharded corpora.

    python scripts/convert_corpus.py ASSETS_DIR CORPUS_DIR --lang LANG [--dev-sample 10000] [--seed 0]

For each language and split, convert.py's convert() reads ASSETS_DIR/SPLIT_LANG.jsonl once and writes
CORPUS_DIR/a/SPLIT/LANG.spacy (15 types) and CORPUS_DIR/b/SPLIT/LANG.spacy (five), SPLIT being train, dev
or test: one (language, split) in memory at a time, whatever the number of languages. Then the dev sample
for model selection: --dev-sample sentences of the dev splits in all, shared out over the languages in
proportion to their dev sizes, drawn at random with a fixed seed (the same sentences for A and B), into
CORPUS_DIR/{a,b}/dev_sample/LANG.spacy; a language's whole dev split where it is smaller than its share.
"""

import random
from pathlib import Path
from typing import Dict, List

import typer
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from wasabi import msg

from convert import convert, skipped_note
from corpus import SUFFIX, docbin_files, shard_path
from multinerd import SPLITS, SYSTEMS, expand_lang, hub_filename
from safe_io import Outputs, check_apart, fail, read_docbin, reports_errors

DEV, DEV_SAMPLE = SPLITS["val"], "dev_sample"


def sample_sizes(dev_sizes: Dict[str, int], total: int) -> Dict[str, int]:
    """total shared out in proportion to dev_sizes (largest remainders), at most each language's size."""
    all_sentences = sum(dev_sizes.values())
    if all_sentences <= total:
        return dict(dev_sizes)
    shares = {lang: total * n / all_sentences for lang, n in dev_sizes.items()}
    sizes = {lang: int(share) for lang, share in shares.items()}
    by_remainder = sorted(shares, key=lambda lang: (sizes[lang] - shares[lang], lang))
    for lang in by_remainder[: total - sum(sizes.values())]:
        sizes[lang] += 1
    return sizes


def sample_indices(n: int, k: int, seed: int, lang: str) -> List[int]:
    """k of range(n), drawn with a seed of their own for each language, in corpus order."""
    return sorted(random.Random(f"{seed}-{lang}").sample(range(n), k))


def write_sample(corpus_dir: Path, lang: str, indices: List[int]) -> None:
    """Copy the sentences at indices of lang's dev shards into its dev-sample shards."""
    wanted = set(indices)
    dests = {
        system: shard_path(corpus_dir / system, DEV_SAMPLE, lang) for system in SYSTEMS
    }
    with Outputs(files=dests.values()) as outputs:
        for system, dest in dests.items():
            docs = read_docbin(shard_path(corpus_dir / system, DEV, lang)).get_docs(
                Vocab()
            )
            sample = DocBin(
                attrs=["ENT_IOB", "ENT_TYPE"],
                docs=[doc for i, doc in enumerate(docs) if i in wanted],
            )
            outputs.write(dest, sample.to_disk)
        outputs.commit()


def foreign_shards(corpus_dir: Path, langs) -> List[Path]:
    """Shards in the split folders that are not of langs: left from a run for other languages."""
    wanted = {f"{lang}{SUFFIX}" for lang in langs}
    folders = [
        corpus_dir / system / split
        for system in SYSTEMS
        for split in (*SPLITS.values(), DEV_SAMPLE)
    ]
    return [
        path
        for folder in folders
        if folder.is_dir()
        for path in docbin_files(folder)
        if path.name not in wanted
    ]


@reports_errors
def main(
    assets_dir: Path = typer.Argument(
        ..., help="Folder with the hub-format JSONL files (fetch.py's)"
    ),
    corpus_dir: Path = typer.Argument(
        ..., help="Corpus folder to write: a/ and b/, a folder a split"
    ),
    lang: str = typer.Option(..., "--lang", help="Language code, or xx: all ten"),
    dev_sample: int = typer.Option(
        10_000, "--dev-sample", min=1, help="Dev sentences for model selection, in all"
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the dev sample"),
):
    """Convert LANG's train/val/test JSONL files to sharded DocBins for systems A and B, and draw the dev sample."""
    try:
        langs = expand_lang(lang)
    except ValueError as err:
        fail(str(err))
    inputs = {
        (each, split): assets_dir / hub_filename(split, each)
        for each in langs
        for split in SPLITS
    }
    missing = [str(path) for path in inputs.values() if not path.is_file()]
    if missing:
        fail(f"No such file: {', '.join(missing)} (run the fetch step)")
    check_apart([corpus_dir], inputs.values())
    foreign = foreign_shards(corpus_dir, langs)
    if foreign:
        fail(
            f"{corpus_dir} holds shards of other languages ({', '.join(map(str, foreign[:3]))}, ...): "
            "run `weasel run clean .` first"
        )
    dev_sizes: Dict[str, int] = {}
    for (each, split), path in inputs.items():
        name = SPLITS[split]
        outputs = {
            tagset: shard_path(corpus_dir / system, name, each)
            for system, tagset in SYSTEMS.items()
        }
        result = convert(input_path=path, outputs=outputs, lang=each)
        entities = {tagset: sum(c.values()) for tagset, c in result.entities.items()}
        msg.good(
            f"{each} {name}: {result.sentences:,} sentences, {entities['full']:,} entities (A), {entities['five']:,} (B)"
        )
        if result.empty or result.other_langs:
            msg.warn(f"{path}: {skipped_note(result).lstrip('; ')}")
        if name == DEV:
            dev_sizes[each] = result.sentences
    sizes = sample_sizes(dev_sizes, dev_sample)
    for each, k in sizes.items():
        write_sample(corpus_dir, each, sample_indices(dev_sizes[each], k, seed, each))
    shares = ", ".join(f"{each} {k:,}" for each, k in sizes.items())
    msg.good(
        f"Dev sample: {sum(sizes.values()):,} of {sum(dev_sizes.values()):,} dev sentences ({shares})"
    )


if __name__ == "__main__":
    typer.run(main)
