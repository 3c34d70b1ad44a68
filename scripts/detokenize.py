"""Where raw text has a space between two of MultiNERD's tokens: a rule-based detokenizer, per language.

MultiNERD gives tokens, not text. Joined with a space each ("Paris , France ."), they make text that no
writer produces, and an encoder whose pieces carry the space before a word (byte-level BPE, SentencePiece)
would see pieces such as " ," that raw text ("Paris, France.") never has.
"""

from typing import List, Optional, Sequence

from multinerd import UNSPACED_LANGS

# Tokens that follow the token before them without a space, and tokens after which none comes.
CLOSING = {",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "...", "…"}
OPENING = {"(", "[", "{"}
# French sets a space before these (and inside guillemets), so they close nothing there.
FRENCH_SPACED = {";", ":", "!", "?"}
# English clitics that MultiNERD splits off the word before them: "Obama 's", "do n't".
ENGLISH_CLITICS = {"'s", "'S", "'re", "'ve", "'ll", "'d", "'m", "n't", "N'T"}


def spaces(tokens: Sequence[str], lang: Optional[str]) -> List[bool]:
    """For each token, whether raw text in lang has a space after it (never after the last)."""
    if lang in UNSPACED_LANGS or not tokens:
        return [False] * len(tokens)
    closing = CLOSING - FRENCH_SPACED if lang == "fr" else CLOSING
    if lang == "en":
        closing = closing | ENGLISH_CLITICS
    between = [
        token not in OPENING and following not in closing
        for token, following in zip(tokens, tokens[1:])
    ]
    return between + [False]
