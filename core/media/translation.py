"""Machine translation with Apertium (Debian's language-pair packages).

Text goes through stdin, never the command line; each call has a timeout. The
installed pairs are read from Apertium's modes directory, so installing another
pair package makes it available. Languages are named by ISO 639-1 codes.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from . import MediaError

MODES_DIR = Path("/usr/share/apertium/modes")
MAX_TEXT_CHARS = 20_000
# Apertium names languages with ISO 639-3 or 639-1 codes; we speak ISO 639-1.
_ISO1 = {
    "eng": "en",
    "spa": "es",
    "cat": "ca",
    "glg": "gl",
    "en": "en",
    "es": "es",
    "ca": "ca",
    "gl": "gl",
    "por": "pt",
    "fra": "fr",
    "ita": "it",
    "oci": "oc",
    "eus": "eu",
    "arg": "an",
    "ast": "ast",
}
_MODE_NAME = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")
_UNKNOWN = re.compile(r"[*#@]\S+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Translation:
    text: str
    source_language: str
    target_language: str
    detected: bool
    unknown_words: int


class UnsupportedPair(MediaError):
    def __init__(self, source: str | None, target: str):
        self.source, self.target = source, target
        super().__init__(f"Translating {source or 'this text'} to {target} is not supported.")


@lru_cache(maxsize=1)
def pairs() -> dict[tuple[str, str], str]:
    """Installed pairs: (source, target) ISO 639-1 codes -> the Apertium mode that translates them."""
    found: dict[tuple[str, str], str] = {}
    for mode in sorted(MODES_DIR.glob("*.mode")) if MODES_DIR.exists() else []:
        match = _MODE_NAME.match(mode.stem)  # variants (eng-cat_valencia, spa-eng_US) are left out
        if match and match.group(1) in _ISO1 and match.group(2) in _ISO1:
            found.setdefault((_ISO1[match.group(1)], _ISO1[match.group(2)]), mode.stem)
    return found


def supported_pairs() -> list[str]:
    return [f"{source}-{target}" for source, target in sorted(pairs())]


def _run(mode: str, text: str, *, mark_unknown: bool) -> str:
    args = ["apertium", "-f", "txt"] + ([] if mark_unknown else ["-u"]) + [mode]
    try:
        result = subprocess.run(
            args, input=text.encode(), capture_output=True, timeout=settings.TRANSLATION_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise MediaError("Translation took too long.") from None
    if result.returncode != 0:
        raise MediaError("The translation engine failed on this text.")
    return result.stdout.decode(errors="replace").strip()


def detect_language(text: str) -> str:
    """The installed source language whose dictionary knows the most of the text's words.

    Apertium marks words missing from a pair's source dictionary with ``*``; the
    language with the smallest share of unknown words wins.
    """
    sample = text[:2000]
    words = max(len(_WORD.findall(sample)), 1)
    best: tuple[float, str] | None = None
    for source in sorted({source for source, _ in pairs()}):
        mode = next(mode for (src, _), mode in sorted(pairs().items()) if src == source)
        unknown = len(_UNKNOWN.findall(_run(mode, sample, mark_unknown=True)))
        score = unknown / words
        if best is None or score < best[0]:
            best = (score, source)
    if best is None:
        raise MediaError("No translation pairs are installed.")
    return best[1]


def translate(text: str, target: str, source: str | None = None) -> Translation:
    """Translate ``text`` into ``target``; the source is detected when not given."""
    if not text.strip():
        raise MediaError("There is no text to translate.")
    if len(text) > MAX_TEXT_CHARS:
        raise MediaError(f"The text is longer than {MAX_TEXT_CHARS} characters.")
    detected = source is None
    if detected:
        source = detect_language(text)
    if source == target:
        return Translation(
            text=text, source_language=source, target_language=target, detected=detected, unknown_words=0
        )
    mode = pairs().get((source, target))
    if mode is None:
        raise UnsupportedPair(source, target)
    marked = _run(mode, text, mark_unknown=True)
    unknown = len(_UNKNOWN.findall(marked))
    clean = _run(mode, text, mark_unknown=False)
    return Translation(
        text=clean, source_language=source, target_language=target, detected=detected, unknown_words=unknown
    )
