"""Offline stand-ins for MultiNERD and pretrained encoders: learnable MultiNERD-format data and tiny randomly
initialised encoders of each family, for tests, benchmarks and CPU smoke runs.

    python scripts/synthetic.py data ASSETS_DIR [--lang en] [--sizes 600,200,200] [--seed 0]
    python scripts/synthetic.py model MODEL_DIR [--family bert] [--lang en]

The data: each entity stands in a phrase that tells its type ("patients with {}"), among neutral clauses that
pad the sentence to MultiNERD's lengths. Each type has names of its own, made of syllables and endings typical
of it; a few names belong to two types, so that only the phrase decides; about a third of the dev and test
splits' names never occur in train. The types are as skewed as in MultiNERD: PER, LOC and ORG common, the rest rare.

The encoders: 2 layers of hidden size 32, random weights, and a tokenizer trained on the generated text, saved
as their real counterpart is (bert-base-cased, distilbert-base-cased, bert-base-multilingual-cased,
roberta-base, xlm-roberta-base), for --vars.transformer.
"""

import io
import itertools
import json
import random
import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, NamedTuple, Sequence, Tuple

import typer
from wasabi import msg

from detokenize import spaces
from multinerd import (
    ENTITY_TYPES,
    LANGS,
    MULTI_LANG,
    SPLITS,
    TAG_IDS,
    UNSPACED_LANGS,
    expand_lang,
    hub_filename,
)
from safe_io import fail


class Kind(NamedTuple):
    """How an entity type's names are made, and how often the type occurs."""

    weight: float  # relative frequency among the entities, roughly MultiNERD English's
    words: Tuple[int, ...]  # words in a name: one of these, drawn evenly
    capitalised: bool
    endings: Tuple[str, ...]  # of each word, Latin script ("": none)
    zh_endings: Tuple[str, ...]


KINDS: Dict[str, Kind] = {
    "PER": Kind(30, (1, 2, 2, 3), True, ("", "o", "a", "son", "ez", "ov"), ("",)),
    "ORG": Kind(
        14, (1, 2, 3), True, ("", "corp", "tel", "ex", "ia"), ("公司", "集团", "大学")
    ),
    "LOC": Kind(
        26,
        (1, 1, 2),
        True,
        ("", "burg", "ville", "stad", "grad"),
        ("市", "州", "岛", ""),
    ),
    "ANIM": Kind(3, (1, 1, 2), False, ("", "ox", "ard", "pus"), ("兽", "鸟", "鱼")),
    "BIO": Kind(0.2, (1, 2), False, ("", "coccus", "ella"), ("菌", "藻")),
    "CEL": Kind(0.8, (1, 2), True, ("", "aris", "ides"), ("星", "座")),
    "DIS": Kind(2, (1, 1, 2), False, ("", "itis", "osis", "emia"), ("病", "症", "炎")),
    "EVE": Kind(1.2, (2, 3), True, ("", "fest", "iad", "cup"), ("战役", "大会", "节")),
    "FOOD": Kind(1.5, (1, 2), False, ("", "ini", "aki", "ade"), ("饼", "面", "汤")),
    "INST": Kind(0.3, (1,), False, ("", "phone", "olin", "harp"), ("琴", "鼓", "笛")),
    "MEDIA": Kind(3, (1, 2, 3, 4), True, ("", "us", "a"), ("记", "传", "")),
    "MYTH": Kind(0.5, (1,), True, ("", "eus", "ira", "thor"), ("神", "")),
    "PLANT": Kind(2, (1, 2), False, ("", "wort", "anthus", "leaf"), ("草", "树", "花")),
    "TIME": Kind(
        1.5, (1, 2), True, ("", "ian", "ozoic", "era"), ("时代", "王朝", "纪")
    ),
    "VEHI": Kind(0.3, (1, 2), True, ("", "liner", "jet", "mobil"), ("号", "舰")),
}
# Word stems are one or two syllables: Latin, transliterated for Russian, and characters for Chinese.
SYLLABLES = [onset + vowel for onset in "bdgklmnprstvz" for vowel in "aeiou"]
CYRILLIC = str.maketrans(
    {
        **dict(zip("abcdefghiklmnoprstuvwz", "абкдефгхиклмнопрстуввз")),
        "j": "дж",
        "x": "кс",
    }
)
ZH_SYLLABLES = (
    "卡洛米拉特维索尼克巴多里安娜斯塔莫贝尔格兰德弗朗西亚伊奥蒙萨图瓦泽佩罗丁汉"
)
# A type's names for every split: NAMES_PER_WEIGHT a unit of its weight, at least MIN_NAMES; half as many again
# that train never has, from which the dev and test splits draw UNSEEN_SHARE of their names (as a real held-out
# split holds names its train split lacks, so that dev scores what test scores).
NAMES_PER_WEIGHT, MIN_NAMES, UNSEEN_SHARE = 3, 8, 1 / 3
# Pairs of types that share their first two names: only the phrase around such a name tells its type.
AMBIGUOUS = (
    ("LOC", "PER"),
    ("ORG", "LOC"),
    ("CEL", "MYTH"),
    ("MEDIA", "PER"),
    ("FOOD", "ORG"),
)
# Entities a sentence, and their weights; sentence lengths in tokens: lognormal, within bounds.
ENTITY_COUNTS, ENTITY_COUNT_WEIGHTS = (0, 1, 2, 3), (15, 45, 30, 10)
LENGTH_MU, LENGTH_SIGMA, MIN_LENGTH, MAX_LENGTH = 3.1, 0.35, 10, 40
PARENTHESIS_SHARE = 0.15
# Comma, full stop and parentheses: full-width in Chinese.
PUNCTUATION, ZH_PUNCTUATION = (",", ".", "(", ")"), ("，", "。", "（", "）")

# Each type's phrases, "{}" where the name goes, and neutral clauses (filler): lines of KEY: phrase | phrase.
PHRASES = {
    "en": """
        PER: {} said on Monday | according to {}
        ORG: {} announced a merger | she joined {} in 1990
        LOC: the family moved to {} | {} lies on the river
        ANIM: a {} was seen in the forest | the {} feeds on insects
        BIO: a strain of {} | {} grows in the soil
        CEL: the star {} shines at night | astronomers observed {}
        DIS: patients with {} | he died of {}
        EVE: the {} took place in 1990 | she won a medal at the {}
        FOOD: a plate of {} | {} is served with rice
        INST: he plays the {} | a concerto for {}
        MEDIA: the film {} was released | she starred in {}
        MYTH: the god {} | in the legend , {} slays a giant
        PLANT: the {} blooms in spring | leaves of the {}
        TIME: during the {} | art of the {}
        VEHI: the ship {} sank | he flew a {}
        filler: the report was published later | in the following years | as noted at the time
        filler: with some success | for the first time | which remains unclear
    """,
    "de": """
        PER: {} sagte am Montag | laut {}
        ORG: {} kündigte eine Fusion an | sie trat 1990 {} bei
        LOC: die Familie zog nach {} | {} liegt am Fluss
        ANIM: im Wald wurde ein {} gesehen | der {} frisst Insekten
        BIO: ein Stamm von {} | {} wächst im Boden
        CEL: der Stern {} leuchtet nachts | Astronomen beobachteten {}
        DIS: Patienten mit {} | er starb an {}
        EVE: die {} fand 1990 statt | sie gewann eine Medaille bei der {}
        FOOD: ein Teller {} | {} wird mit Reis serviert
        INST: er spielt {} | ein Konzert für {}
        MEDIA: der Film {} erschien | sie spielte in {}
        MYTH: der Gott {} | in der Sage erschlägt {} einen Riesen
        PLANT: die {} blüht im Frühling | Blätter der {}
        TIME: während der {} | Kunst der {}
        VEHI: das Schiff {} sank | er flog eine {}
        filler: der Bericht erschien später | in den folgenden Jahren | wie damals berichtet
        filler: mit einigem Erfolg | zum ersten Mal | was bis heute unklar ist
    """,
    "es": """
        PER: {} dijo el lunes | según {}
        ORG: {} anunció una fusión | ella se unió a {} en 1990
        LOC: la familia se mudó a {} | {} está junto al río
        ANIM: se vio un {} en el bosque | el {} come insectos
        BIO: una cepa de {} | {} crece en el suelo
        CEL: la estrella {} brilla de noche | los astrónomos observaron {}
        DIS: pacientes con {} | murió de {}
        EVE: la {} tuvo lugar en 1990 | ganó una medalla en la {}
        FOOD: un plato de {} | el {} se sirve con arroz
        INST: toca el {} | un concierto para {}
        MEDIA: la película {} se estrenó | actuó en {}
        MYTH: el dios {} | en la leyenda , {} mata a un gigante
        PLANT: la {} florece en primavera | hojas de {}
        TIME: durante la {} | el arte de la {}
        VEHI: el barco {} se hundió | pilotó un {}
        filler: el informe se publicó después | en los años siguientes | como se dijo entonces
        filler: con cierto éxito | por primera vez | lo que sigue sin aclararse
    """,
    "fr": """
        PER: {} a déclaré lundi | selon {}
        ORG: {} a annoncé une fusion | elle a rejoint {} en 1990
        LOC: la famille a déménagé à {} | {} se trouve sur le fleuve
        ANIM: un {} a été vu dans la forêt | le {} mange des insectes
        BIO: une souche de {} | {} pousse dans le sol
        CEL: la planète {} brille la nuit | les astronomes ont observé {}
        DIS: les patients atteints de {} | il est mort de {}
        EVE: la {} a eu lieu en 1990 | elle a gagné une médaille à la {}
        FOOD: une assiette de {} | le {} est servi avec du riz
        INST: il joue du {} | un concerto pour {}
        MEDIA: le film {} est sorti | elle a joué dans {}
        MYTH: le dieu {} | dans la légende , {} tue un géant
        PLANT: la {} fleurit au printemps | les feuilles de {}
        TIME: pendant la {} | les arts de la {}
        VEHI: le navire {} a coulé | il pilotait un {}
        filler: le rapport a été publié plus tard | dans les années suivantes | comme on le disait alors
        filler: avec un certain succès | pour la première fois | ce qui reste incertain
    """,
    "it": """
        PER: {} ha detto lunedì | secondo {}
        ORG: {} ha annunciato una fusione | lei è entrata in {} nel 1990
        LOC: la famiglia si trasferì a {} | {} si trova sul fiume
        ANIM: un {} è stato visto nel bosco | il {} mangia insetti
        BIO: un ceppo di {} | {} cresce nel suolo
        CEL: la stella {} brilla di notte | gli astronomi osservarono {}
        DIS: pazienti con {} | morì di {}
        EVE: la {} si tenne nel 1990 | vinse una medaglia alla {}
        FOOD: un piatto di {} | il {} si serve con il riso
        INST: suona il {} | un concerto per {}
        MEDIA: il film {} uscì | recitò in {}
        MYTH: il dio {} | nella leggenda , {} uccide un gigante
        PLANT: la {} fiorisce in primavera | foglie di {}
        TIME: durante la {} | arte della {}
        VEHI: la nave {} affondò | pilotava un {}
        filler: il rapporto fu pubblicato più tardi | negli anni seguenti | come si disse allora
        filler: con un certo successo | per la prima volta | cosa che resta incerta
    """,
    "nl": """
        PER: {} zei maandag | volgens {}
        ORG: {} kondigde een fusie aan | zij ging in 1990 naar {}
        LOC: het gezin verhuisde naar {} | {} ligt aan de rivier
        ANIM: in het bos werd een {} gezien | de {} eet insecten
        BIO: een stam van {} | {} groeit in de bodem
        CEL: de ster {} is helder | sterrenkundigen zagen {}
        DIS: patiënten met {} | hij stierf aan {}
        EVE: de {} vond plaats in 1990 | zij won een medaille op de {}
        FOOD: een bord {} | {} wordt met rijst geserveerd
        INST: hij speelt {} | een concert voor {}
        MEDIA: de film {} verscheen | zij speelde in {}
        MYTH: de god {} | in de sage doodt {} een reus
        PLANT: de {} bloeit in de lente | bladeren van de {}
        TIME: tijdens de {} | kunst uit de {}
        VEHI: het schip {} zonk | hij vloog een {}
        filler: het rapport verscheen later | in de jaren daarna | zoals toen gemeld
        filler: met enig succes | voor het eerst | wat nog steeds onduidelijk is
    """,
    "pl": """
        PER: {} powiedział w poniedziałek | według {}
        ORG: {} ogłosiła fuzję | w 1990 dołączyła do {}
        LOC: rodzina przeniosła się do {} | {} leży nad rzeką
        ANIM: w lesie widziano {} | {} żywi się owadami
        BIO: szczep {} | {} rośnie w glebie
        CEL: gwiazda {} świeci nocą | astronomowie obserwowali {}
        DIS: pacjenci z {} | zmarł na {}
        EVE: {} odbyła się w 1990 | zdobyła medal na {}
        FOOD: talerz {} | {} podaje się z ryżem
        INST: gra na {} | koncert na {}
        MEDIA: film {} ukazał się | zagrała w {}
        MYTH: bóg {} | w legendzie {} zabija olbrzyma
        PLANT: {} kwitnie wiosną | liście {}
        TIME: w okresie {} | sztuka z czasów {}
        VEHI: statek {} zatonął | leciał samolotem {}
        filler: raport ukazał się później | w kolejnych latach | jak wtedy donoszono
        filler: z pewnym sukcesem | po raz pierwszy | co wciąż jest niejasne
    """,
    "pt": """
        PER: {} disse ontem | segundo {}
        ORG: {} anunciou uma fusão | ela entrou na {} em 1990
        LOC: a família foi para {} | {} fica junto ao rio
        ANIM: um {} foi visto na floresta | o {} come insetos
        BIO: uma estirpe de {} | {} cresce no solo
        CEL: a estrela {} brilha à noite | os astrónomos observaram {}
        DIS: doentes com {} | morreu de {}
        EVE: a {} teve lugar em 1990 | ganhou uma medalha na {}
        FOOD: um prato de {} | o {} é servido com arroz
        INST: ele toca {} | um concerto para {}
        MEDIA: o filme {} estreou | ela atuou em {}
        MYTH: o deus {} | na lenda , {} mata um gigante
        PLANT: a {} floresce na primavera | folhas de {}
        TIME: durante a {} | a arte da {}
        VEHI: o navio {} afundou | pilotava um {}
        filler: o relatório saiu mais tarde | nos anos seguintes | como se disse na época
        filler: com algum sucesso | pela primeira vez | o que continua incerto
    """,
    "ru": """
        PER: {} заявил в понедельник | по словам {}
        ORG: {} объявила о слиянии | в 1990 году она перешла в {}
        LOC: семья переехала в {} | {} стоит на реке
        ANIM: в лесу видели {} | {} питается насекомыми
        BIO: штамм {} | {} растёт в почве
        CEL: звезда {} светит ночью | астрономы наблюдали {}
        DIS: больные {} | он умер от {}
        EVE: {} прошла в 1990 году | она получила медаль на {}
        FOOD: тарелка {} | {} подают с рисом
        INST: он играет на {} | концерт для {}
        MEDIA: фильм {} вышел | она снялась в {}
        MYTH: бог {} | в легенде {} убивает великана
        PLANT: {} цветёт весной | листья {}
        TIME: во время {} | искусство эпохи {}
        VEHI: корабль {} затонул | он летал на {}
        filler: доклад вышел позже | в последующие годы | как сообщалось тогда
        filler: с некоторым успехом | впервые | что до сих пор неясно
    """,
    "zh": """
        PER: {}周一表示 | 据{}说
        ORG: {}宣布合并 | 她后来加入了{}
        LOC: 全家搬到了{} | {}位于河边
        ANIM: 林中发现了{} | {}以昆虫为食
        BIO: 一种{}菌株 | {}生长在土壤中
        CEL: 恒星{}在夜里发光 | 天文学家观测了{}
        DIS: {}患者 | 他死于{}
        EVE: {}在当年举行 | 她在{}上获得奖牌
        FOOD: 一盘{} | {}配米饭食用
        INST: 他演奏{} | 为{}写的协奏曲
        MEDIA: 电影{}上映了 | 她出演了{}
        MYTH: 神祇{} | 传说中{}杀死了巨人
        PLANT: {}在春天开花 | {}的叶子
        TIME: 在{}期间 | {}的艺术
        VEHI: 船只{}沉没了 | 他驾驶{}
        filler: 报告后来发表了 | 在随后的几年里 | 正如当时所说 | 取得了一些成功 | 第一次 | 至今仍不清楚
    """,
}
FILLER = "filler"

Pair = Tuple[str, int]  # token, tag id
Name = Tuple[str, ...]  # its tokens


def words(text: str, lang: str) -> List[str]:
    """A text's tokens as MultiNERD has them: its words, or for Chinese its characters."""
    return list(text.replace(" ", "")) if lang in UNSPACED_LANGS else text.split()


@lru_cache(maxsize=None)
def phrases(lang: str) -> Dict[str, List[str]]:
    """Each type's phrases in lang, and its neutral clauses under FILLER."""
    table: Dict[str, List[str]] = {}
    for line in PHRASES[lang].strip().splitlines():
        key, _, texts = line.partition(":")
        table.setdefault(key.strip(), []).extend(
            text.strip() for text in texts.split("|")
        )
    assert list(table) == [*ENTITY_TYPES, FILLER], f"{lang}: phrases for {list(table)}"
    return table


def script(lang: str) -> str:
    """The script of lang's names: ru, zh, or latin (the other languages share their names)."""
    return lang if lang in ("ru", "zh") else "latin"


@lru_cache(maxsize=None)
def lexicon(script_name: str, seed: int) -> Dict[str, Tuple[List[Name], List[Name]]]:
    """Each type's names in a script (latin, ru or zh): (names of every split, names that train never has)."""
    rng = random.Random(f"lexicon {script_name} {seed}")
    syllables = ZH_SYLLABLES if script_name == "zh" else SYLLABLES
    taken = set()

    def name(kind: Kind) -> Name:
        endings = kind.zh_endings if script_name == "zh" else kind.endings
        made = [
            "".join(rng.choices(syllables, k=rng.choice((1, 2)))) + rng.choice(endings)
            for _ in range(rng.choice(kind.words))
        ]
        if script_name == "zh":
            return tuple("".join(made))
        if script_name == "ru":
            made = [word.translate(CYRILLIC) for word in made]
        return tuple(word.capitalize() if kind.capitalised else word for word in made)

    names = {}
    for label, kind in KINDS.items():
        n_seen = max(MIN_NAMES, round(NAMES_PER_WEIGHT * kind.weight))
        made: List[Name] = []
        while len(made) < n_seen + n_seen // 2:
            new = name(kind)
            if new not in taken:
                taken.add(new)
                made.append(new)
        names[label] = (made[:n_seen], made[n_seen:])
    for first, second in AMBIGUOUS:
        names[second][0].extend(names[first][0][:2])
    return names


def sentences(n: int, lang: str, seed: int = 0, split: str = "train") -> List[dict]:
    """n hub-format records in lang. The first ones have an entity of each type in turn; in the dev and test
    splits, about UNSEEN_SHARE of the names are ones that train never has."""
    rng = random.Random(f"{lang} {split} {seed}")
    names = lexicon(script(lang), seed)
    table = phrases(lang)
    comma, stop, left, right = ZH_PUNCTUATION if lang == "zh" else PUNCTUATION
    weights = [KINDS[label].weight for label in ENTITY_TYPES]
    unseen_share = 0 if split == "train" else UNSEEN_SHARE

    def entity_clause(label: str) -> List[Pair]:
        seen, unseen = names[label]
        name = rng.choice(unseen if rng.random() < unseen_share else seen)
        tags = [TAG_IDS[f"B-{label}"]] + [TAG_IDS[f"I-{label}"]] * (len(name) - 1)
        before, _, after = rng.choice(table[label]).partition("{}")
        return (
            [(w, 0) for w in words(before, lang)]
            + list(zip(name, tags))
            + [(w, 0) for w in words(after, lang)]
        )

    records = []
    for i in range(n):
        labels = rng.choices(
            ENTITY_TYPES, weights, k=rng.choices(ENTITY_COUNTS, ENTITY_COUNT_WEIGHTS)[0]
        )
        if i < len(ENTITY_TYPES):
            labels = [ENTITY_TYPES[i], *labels[1:]]
        clauses = [entity_clause(label) for label in labels]
        length = min(
            MAX_LENGTH,
            max(MIN_LENGTH, round(rng.lognormvariate(LENGTH_MU, LENGTH_SIGMA))),
        )
        fillers = itertools.cycle(rng.sample(table[FILLER], len(table[FILLER])))
        while sum(len(clause) + 1 for clause in clauses) < length:
            clauses.append([(w, 0) for w in words(next(fillers), lang)])
        rng.shuffle(clauses)
        pairs = list(clauses[0])
        for clause in clauses[1:]:
            pairs += (
                [(left, 0), *clause, (right, 0)]
                if rng.random() < PARENTHESIS_SHARE
                else [(comma, 0), *clause]
            )
        pairs.append((stop, 0))
        first, tag = pairs[0]
        pairs[0] = (first[:1].upper() + first[1:], tag)
        records.append(
            {
                "tokens": [w for w, _ in pairs],
                "ner_tags": [t for _, t in pairs],
                "lang": lang,
            }
        )
    return records


def write_jsonl(path: Path, records: List[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


DEFAULT_SIZES = (600, 200, 200)


def write_data(
    assets_dir: Path,
    lang: str = "en",
    sizes: Sequence[int] = DEFAULT_SIZES,
    seed: int = 0,
) -> None:
    """Write train/val/test JSONL files of sizes sentences as fetch would leave them in assets/ (xx: of every
    language)."""
    for each in expand_lang(lang):
        for split, n in zip(SPLITS, sizes):
            write_jsonl(
                assets_dir / hub_filename(split, each), sentences(n, each, seed, split)
            )


class Family(str, Enum):
    """The pretrained encoders that a tiny one stands in for."""

    bert = "bert"
    distilbert = "distilbert"
    mbert = "mbert"
    roberta = "roberta"
    xlmr = "xlmr"
    xlnet = "xlnet"


MULTILINGUAL = (Family.mbert, Family.xlmr)
# Sizes of every tiny encoder (BertConfig's names; DistilBertConfig has names of its own). The rest are the
# config's defaults (a base model's).
TINY_BERT = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}
TINY_DISTILBERT = {"dim": 32, "n_layers": 2, "n_heads": 2, "hidden_dim": 64}
TINY_XLNET = {"d_model": 32, "n_layer": 2, "n_head": 2, "d_inner": 64}
# RoBERTa's positions start after the padding id: 514 of them for 512 tokens, as in roberta-base.
ROBERTA_POSITIONS = {
    "max_position_embeddings": 514,
    "type_vocab_size": 1,
    "pad_token_id": 1,
}
# Per family: its transformers model_type and config settings.
ENCODERS = {
    Family.bert: ("bert", TINY_BERT),
    Family.distilbert: ("distilbert", TINY_DISTILBERT),
    Family.mbert: ("bert", TINY_BERT),
    Family.roberta: ("roberta", {**TINY_BERT, **ROBERTA_POSITIONS}),
    Family.xlmr: ("xlm-roberta", {**TINY_BERT, **ROBERTA_POSITIONS}),
    Family.xlnet: ("xlnet", TINY_XLNET),
}
MAX_TOKENS = 512
# Sentences of each language the tokenizer is trained on, and its vocabulary size (at most: the text may
# not have that many pieces to offer).
TOKENIZER_SENTENCES, VOCAB_SIZE, MULTILINGUAL_VOCAB_SIZE = 1000, 1000, 3000
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ROBERTA_SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def texts(langs: Sequence[str]) -> List[str]:
    """Generated training sentences of each language, as raw text ("Paris, France."): what a pretrained
    tokenizer learned its pieces from."""
    lines = []
    for lang in langs:
        for record in sentences(TOKENIZER_SENTENCES, lang):
            tokens = record["tokens"]
            lines.append(
                "".join(
                    token + " " * space
                    for token, space in zip(tokens, spaces(tokens, lang))
                )
            )
    return lines


def train_tokenizer(family: Family, lines: List[str], model_dir: Path, vocab_size: int):
    """A fast tokenizer of the family's kind, trained on lines, its vocabulary files in model_dir."""
    from tokenizers.implementations import BertWordPieceTokenizer, ByteLevelBPETokenizer
    from transformers import (
        BertTokenizerFast,
        DistilBertTokenizerFast,
        RobertaTokenizerFast,
        XLMRobertaTokenizerFast,
    )

    model_dir.mkdir(parents=True, exist_ok=True)
    if family == Family.roberta:
        bpe = ByteLevelBPETokenizer()
        bpe.train_from_iterator(
            lines, vocab_size=vocab_size, special_tokens=ROBERTA_SPECIAL_TOKENS
        )
        vocab, merges = bpe.save_model(str(model_dir))
        return RobertaTokenizerFast(vocab, merges, model_max_length=MAX_TOKENS)
    if family in (Family.xlmr, Family.xlnet):
        import sentencepiece
        from transformers import XLNetTokenizerFast

        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_writer=model,
            vocab_size=vocab_size,
            hard_vocab_limit=False,
            character_coverage=1.0,
            minloglevel=2,
        )
        # The file name each real tokenizer ships its SentencePiece model under.
        if family == Family.xlnet:
            path = model_dir / "spiece.model"
            path.write_bytes(model.getvalue())
            return XLNetTokenizerFast(vocab_file=str(path), model_max_length=MAX_TOKENS)
        path = model_dir / "sentencepiece.bpe.model"
        path.write_bytes(model.getvalue())
        return XLMRobertaTokenizerFast(
            vocab_file=str(path), model_max_length=MAX_TOKENS
        )
    # Cased WordPiece; BERT's normalizer makes every CJK character a word of its own.
    wordpiece = BertWordPieceTokenizer(lowercase=False)
    wordpiece.train_from_iterator(
        lines, vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS
    )
    (vocab,) = wordpiece.save_model(str(model_dir))
    tokenizer_class = (
        DistilBertTokenizerFast if family == Family.distilbert else BertTokenizerFast
    )
    return tokenizer_class(vocab, do_lower_case=False, model_max_length=MAX_TOKENS)


def save_encoder(model_dir: Path, tokenizer, model_type: str, **config) -> None:
    """Save tokenizer and a randomly initialised model of model_type (seed 0) with a row for each of its tokens."""
    import torch
    from transformers import AutoConfig, AutoModel

    tokenizer.save_pretrained(model_dir)
    torch.manual_seed(0)
    model = AutoModel.from_config(
        AutoConfig.for_model(model_type, vocab_size=len(tokenizer), **config)
    )
    model.save_pretrained(model_dir)


def write_model(
    model_dir: Path, family: Family = Family.bert, lang: str = "en"
) -> None:
    """Save a tiny randomly initialised encoder of the family, with a tokenizer trained on generated text in
    lang (mbert and xlmr: in all ten languages)."""
    multilingual = family in MULTILINGUAL
    lines = texts(LANGS if multilingual else expand_lang(lang))
    tokenizer = train_tokenizer(
        family,
        lines,
        model_dir,
        MULTILINGUAL_VOCAB_SIZE if multilingual else VOCAB_SIZE,
    )
    model_type, config = ENCODERS[family]
    save_encoder(model_dir, tokenizer, model_type, **config)


def write_bert(
    model_dir: Path, pieces: List[str], vocab_size: int = 0, **config
) -> None:
    """Save a randomly initialised BERT whose WordPiece vocabulary is given (the throughput benchmark's).

    The vocabulary is BERT's special tokens, `pieces` (words or ##suffixes), then every character of them
    alone and as a ##suffix, padded with [unusedN] entries to vocab_size (0: no padding). `config`
    sets BertConfig's other fields.
    """
    from transformers import BertTokenizerFast

    chars = sorted({c for piece in pieces for c in piece.removeprefix("##")})
    vocab = list(
        dict.fromkeys(SPECIAL_TOKENS + pieces + chars + [f"##{c}" for c in chars])
    )
    if vocab_size:
        if len(vocab) > vocab_size:
            raise ValueError(
                f"{len(vocab)} vocabulary entries do not fit vocab_size {vocab_size}"
            )
        vocab += [f"[unused{i}]" for i in range(vocab_size - len(vocab))]
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf8")
    tokenizer = BertTokenizerFast(
        vocab_file=str(model_dir / "vocab.txt"), do_lower_case=False
    )
    save_encoder(model_dir, tokenizer, "bert", **config)


def checked_langs(lang: str) -> Sequence[str]:
    """expand_lang(lang), or a one-line failure."""
    try:
        return expand_lang(lang)
    except ValueError as err:
        fail(str(err))


app = typer.Typer(add_completion=False)


@app.command()
def data(
    assets_dir: Path = typer.Argument(
        ..., help="Folder to write {train,val,test}_LANG.jsonl into"
    ),
    lang: str = typer.Option(
        "en", "--lang", help=f"One of {' '.join(LANGS)}; {MULTI_LANG}: all of them"
    ),
    sizes: str = typer.Option(
        ",".join(map(str, DEFAULT_SIZES)),
        "--sizes",
        help="Sentences of train, val and test",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the names and sentences"),
):
    """Write MultiNERD-format train/val/test files of learnable generated sentences."""
    if not re.fullmatch(r"\d+,\d+,\d+", sizes):
        fail(
            f"--sizes {sizes}: three sentence counts, for train, val and test (e.g. 600,200,200)"
        )
    counts = [int(size) for size in sizes.split(",")]
    langs = checked_langs(lang)
    write_data(assets_dir, lang, counts, seed)
    msg.good(
        f"Wrote {' / '.join(map(str, counts))} sentences of {', '.join(langs)} to {assets_dir}"
    )


@app.command()
def model(
    model_dir: Path = typer.Argument(
        ..., help="Folder to save the model and its tokenizer to"
    ),
    family: Family = typer.Option(
        Family.bert, "--family", help="Which pretrained encoder it stands in for"
    ),
    lang: str = typer.Option(
        "en",
        "--lang",
        help="Language of the tokenizer's training text (mbert, xlmr: all ten)",
    ),
):
    """Write a tiny randomly initialised encoder with a tokenizer trained on generated text."""
    checked_langs(lang)
    write_model(model_dir, family, lang)
    msg.good(f"Wrote a tiny {family.value} to {model_dir}")


if __name__ == "__main__":
    app()
