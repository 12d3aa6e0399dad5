"""Which language a TTS text is written in, among the languages our TTS voices speak.

No model is shipped for this, so the detector uses what reliably separates these
languages: the writing system (Cyrillic letters unique to Ukrainian or Russian), letters
with diacritics that belong to one language, and the share of each language's most
frequent function words. Texts that give no evidence default to English.
"""

from __future__ import annotations

import re
from collections import Counter

DEFAULT_LANGUAGE = "en"

FUNCTION_WORDS = {
    "en": "the and of to a in is it that was for on are with as be this have you not i he at by from they we "
    "or an his her but had has were will would there their what all can your which when one do",
    "de": "der die das und ist nicht ein eine zu den von mit sich des auf für im dem ich sie es auch an als "
    "wir ihr wie noch nach aus wenn oder aber bei um nur vor zur bis mehr durch kann hat sind",
    "fr": "le la les et est un une des du de en que qui dans pour pas sur au avec ce il elle ne se plus par "
    "nous vous ils sont mais ou où été cette son sa aux était je tu",
    "es": "el la los las y es un una de del que en por con para no se lo al como más pero sus le ya o fue "
    "este ha muy también son está yo hay era cuando sin sobre entre",
    "it": "il lo la gli le e è un una di del della che in per con non si al da come ma sono anche questo "
    "nel alla dei delle ho ha io tu noi voi loro più molto",
    "pt": "o a os as e é um uma de do da que em por com não se para ao como mas mais seu sua foi são está "
    "no na dos das eu você ele ela isso muito também",
    "nl": "de het een en is van in dat op te zijn met voor niet aan er maar om ook als bij of dan wat nog "
    "naar door over ik je hij zij wij jullie was werd heeft",
    "pl": "i w na z że do nie się jest to jak o co ale po tak od za przez dla tylko czy jego jej już ich "
    "oraz być był była które który ten ta",
    "ru": "и в не на что с по как это он она они я мы вы из за от к до но же так был была было еще для "
    "уже или если при все его ее их",
    "uk": "і в не на що з по як це він вона вони я ми ви із за від до але ж так був була було ще для "
    "вже або якщо при все його її їх",
}
WORDS = {language: set(words.split()) for language, words in FUNCTION_WORDS.items()}

# Letters that, when present, point at one language (weight per occurrence).
LETTERS = {
    "de": "äöüß",
    "fr": "àâæçèêëîïôœùûÿ",
    "es": "ñ¡¿áíóú",
    "pt": "ãõç",
    "it": "àèìòù",
    "pl": "ąćęłńśźż",
    "uk": "іїєґ",
    "ru": "ыэъё",
}
TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the most likely language of ``text`` (``en`` without evidence)."""
    lowered = text.lower()
    words = TOKEN.findall(lowered)
    if not words:
        return DEFAULT_LANGUAGE
    cyrillic = len(CYRILLIC.findall(lowered))
    candidates = ("ru", "uk") if cyrillic > len(lowered) * 0.2 else tuple(set(WORDS) - {"ru", "uk"})
    scores: Counter = Counter()
    counts = Counter(words)
    for language in candidates:
        scores[language] += sum(n for word, n in counts.items() if word in WORDS[language]) / len(words) * 10
        scores[language] += sum(lowered.count(letter) for letter in LETTERS.get(language, "")) * 0.5
    best, score = max(scores.items(), key=lambda item: (item[1], item[0] == DEFAULT_LANGUAGE))
    if score <= 0:
        return "ru" if candidates == ("ru", "uk") else DEFAULT_LANGUAGE
    return best
