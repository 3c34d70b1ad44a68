"""Tiny offline stand-ins for MultiNERD and a pretrained encoder, for tests and CPU smoke runs.

    python tests/tiny.py data ASSETS_DIR [--lang en]   # train/val/test JSONL in the hub's format (xx: all ten)
    python tests/tiny.py model MODEL_DIR               # a randomly initialised BERT + fast tokenizer
"""
import json
import random
import sys
from pathlib import Path
from typing import Dict, List

import typer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))  # run as a script: find multinerd
from multinerd import ENTITY_TYPES, SPLITS, TAG_IDS, UNSPACED_LANGS, expand_lang, hub_filename  # noqa: E402

# A few names per type; sentences put one or two of them into simple frames.
NAMES: Dict[str, List[str]] = {
    "PER": ["Barack Obama", "Marie Curie", "Alan Turing"],
    "ORG": ["the United Nations", "Google", "Real Madrid"],
    "LOC": ["Paris", "New York", "the Alps"],
    "ANIM": ["dog", "red fox", "eagle"],
    "BIO": ["bacteria", "fungus"],
    "CEL": ["Mars", "the Moon"],
    "DIS": ["malaria", "influenza"],
    "EVE": ["World War II", "the Olympics"],
    "FOOD": ["pizza", "sushi"],
    "INST": ["violin", "piano"],
    "MEDIA": ["Star Wars", "Hamlet"],
    "MYTH": ["Zeus", "Thor"],
    "PLANT": ["oak", "rose"],
    "TIME": ["the Middle Ages", "Renaissance"],
    "VEHI": ["Boeing 747", "Titanic"],
}
FRAMES = ["{} was mentioned near {} .", "People often talk about {} and {} .", "In 1990 , {} met {} ."]
FILLER = ["The", "report", "said", "nothing", "new", "today", "."]
# The other languages: a frame and a filler sentence each, with the names above. Chinese has names of
# its own, and its words are split into characters: MultiNERD's Chinese tokens.
FRAMES_BY_LANG = {
    "de": ("Im Jahr 1990 traf {} {} .", "Der Bericht sagte heute nichts Neues ."),
    "es": ("En 1990 , {} conoció a {} .", "El informe no dijo nada nuevo hoy ."),
    "fr": ("En 1990 , {} a rencontré {} .", "Le rapport ne disait rien de nouveau ."),
    "it": ("Nel 1990 , {} incontrò {} .", "Il rapporto non diceva niente di nuovo ."),
    "nl": ("In 1990 ontmoette {} {} .", "Het rapport zei vandaag niets nieuws ."),
    "pl": ("W 1990 roku {} spotkał {} .", "Raport nie mówił dziś nic nowego ."),
    "pt": ("Em 1990 , {} conheceu {} .", "O relatório não disse nada de novo ."),
    "ru": ("В 1990 году {} встретил {} .", "Доклад сегодня не сказал ничего нового ."),
    "zh": ("{} 在 1990 年 见 了 {} 。", "报 告 今 天 没 有 新 内 容 。"),
}
ZH_NAMES: Dict[str, List[str]] = {
    "PER": ["奥巴马", "居里"], "ORG": ["联合国", "谷歌"], "LOC": ["巴黎", "北京"], "ANIM": ["狗", "狐狸"],
    "BIO": ["细菌"], "CEL": ["火星", "月球"], "DIS": ["疟疾"], "EVE": ["奥运会"], "FOOD": ["比萨"],
    "INST": ["钢琴"], "MEDIA": ["星球大战"], "MYTH": ["宙斯"], "PLANT": ["玫瑰"], "TIME": ["中世纪"],
    "VEHI": ["泰坦尼克"],
}  # fmt: skip


def frames(lang: str) -> List[str]:
    return FRAMES if lang == "en" else [FRAMES_BY_LANG[lang][0]]


def filler(lang: str) -> List[str]:
    return FILLER if lang == "en" else FRAMES_BY_LANG[lang][1].split()


def name_words(name: str, lang: str) -> List[str]:
    """A name's tokens: its words, or for Chinese its characters."""
    return list(name.replace(" ", "")) if lang in UNSPACED_LANGS else name.split()


def _tagged(name: str, label: str, lang: str) -> List[tuple]:
    words = name_words(name, lang)
    return [(w, TAG_IDS[("B-" if i == 0 else "I-") + label]) for i, w in enumerate(words)]


def sentences(n: int, lang: str, seed: int) -> List[dict]:
    """n hub-format records in lang covering every entity type; every fifth one has no entity."""
    rng = random.Random(seed)
    names = ZH_NAMES if lang == "zh" else NAMES
    records = []
    for i in range(n):
        if i % 5 == 4:
            pairs = [(w, 0) for w in filler(lang)]
        else:
            labels = [ENTITY_TYPES[i % len(ENTITY_TYPES)], rng.choice(ENTITY_TYPES)]
            frame = rng.choice(frames(lang)).split()
            pairs = []
            for word in frame:
                if word == "{}":
                    label = labels.pop(0)
                    pairs += _tagged(rng.choice(names[label]), label, lang)
                else:
                    pairs.append((word, 0))
        records.append({"tokens": [w for w, _ in pairs], "ner_tags": [t for _, t in pairs], "lang": lang})
    return records


def write_jsonl(path: Path, records: List[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_data(assets_dir: Path, lang: str = "en", sizes=(60, 20, 20)) -> None:
    """Write tiny train/val/test JSONL files as fetch would leave them in assets/ (xx: of every language)."""
    for each in expand_lang(lang):
        for seed, (split, n) in enumerate(zip(SPLITS, sizes)):
            write_jsonl(assets_dir / hub_filename(split, each), sentences(n, each, seed))


SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# BertConfig settings of the tiny encoder; the rest are BertConfig's defaults (bert-base's size).
TINY_BERT = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


def write_bert(model_dir: Path, pieces: List[str], vocab_size: int = 0, **config) -> None:
    """Save a randomly initialised BERT with a fast WordPiece tokenizer.

    The vocabulary is the special tokens, `pieces` (words or ##suffixes), then every character of them
    alone and as a ##suffix, padded with [unusedN] entries to vocab_size (0: no padding). `config`
    sets BertConfig's other fields.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    chars = sorted({c for piece in pieces for c in piece.removeprefix("##")})
    vocab = list(dict.fromkeys(SPECIAL_TOKENS + pieces + chars + [f"##{c}" for c in chars]))
    if vocab_size:
        if len(vocab) > vocab_size:
            raise ValueError(f"{len(vocab)} vocabulary entries do not fit vocab_size {vocab_size}")
        vocab += [f"[unused{i}]" for i in range(vocab_size - len(vocab))]
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf8")
    tokenizer = BertTokenizerFast(vocab_file=str(model_dir / "vocab.txt"), do_lower_case=False)
    tokenizer.save_pretrained(model_dir)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(vocab), **config)).save_pretrained(model_dir)


def write_model(model_dir: Path) -> None:
    """Save a randomly initialised 2-layer BERT (hidden size 32) with a fast WordPiece tokenizer."""
    frame_texts = [*FRAMES, *FILLER, *(text for pair in FRAMES_BY_LANG.values() for text in pair)]
    words = sorted({w for names in NAMES.values() for name in names for w in name.split()}
                   | {c for names in ZH_NAMES.values() for name in names for c in name}
                   | {w for text in frame_texts for w in text.split() if w != "{}"})
    write_bert(model_dir, words, **TINY_BERT)


app = typer.Typer()


@app.command()
def data(assets_dir: Path, lang: str = "en"):
    """Write tiny MultiNERD-format train/val/test files."""
    write_data(assets_dir, lang)


@app.command()
def model(model_dir: Path):
    """Write a tiny randomly initialised BERT with its tokenizer."""
    write_model(model_dir)


if __name__ == "__main__":
    app()
