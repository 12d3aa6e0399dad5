"""Speech synthesis with espeak-ng."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from . import MediaError

SYNTH_TIMEOUT = 120
SAMPLE_RATE = 22050  # what espeak-ng writes
MAX_TEXT_CHARS = 5000


@lru_cache(maxsize=1)
def _installed() -> dict[str, tuple[int, str, str]]:
    """espeak-ng's voice list: language/voice id -> (priority, name, voice file) of its preferred voice."""
    result = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, timeout=30, check=True)
    found: dict[str, tuple[int, str, str]] = {}
    for line in result.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and parts[0].isdigit():
            entry = (int(parts[0]), parts[3], parts[4])
            if parts[1] not in found or entry[0] < found[parts[1]][0]:
                found[parts[1]] = entry
    return found


def voices() -> dict[str, str]:
    """Installed espeak-ng voices: language/voice id -> name."""
    return {voice: name for voice, (_, name, _) in _installed().items()}


@lru_cache(maxsize=1)
def variants() -> dict[str, str]:
    """Installed espeak-ng voice variants (``en-us+f3``: the variant is ``f3``): id -> gender, F or M."""
    result = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, timeout=30, check=True)
    found = {}
    for line in result.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and parts[4].startswith("!v/"):
            found[parts[4].removeprefix("!v/")] = parts[2].rpartition("/")[2]
    return found


def synthesize(
    text: str, target: str | Path, *, voice: str = "en-us", rate: int = 160, pitch: int = 50, amplitude: int = 100
) -> Path:
    """Render ``text`` to a WAV file. ``voice``: a voice id, optionally with a variant (``en-us+f3``);
    ``rate`` words per minute, ``pitch`` 0-99."""
    if not text.strip():
        raise MediaError("There is no text to speak.")
    if len(text) > MAX_TEXT_CHARS:
        raise MediaError(f"The text is longer than {MAX_TEXT_CHARS} characters.")
    language, _, variant = voice.partition("+")
    if language not in voices():
        raise MediaError(f"Unknown voice {language}.")
    if variant:
        if variant not in variants():
            raise MediaError(f"Unknown voice variant {variant}.")
        # By its file: espeak-ng looks "en-gb+f3" up by name and lands on a voice that ignores variants.
        voice = f"{_installed()[language][2]}+{variant}"
    try:
        # Text goes through stdin, never the command line: no option injection.
        result = subprocess.run(
            [
                "espeak-ng",
                "-v",
                voice,
                "-s",
                str(int(rate)),
                "-p",
                str(int(pitch)),
                "-a",
                str(int(amplitude)),
                "-w",
                str(target),
                "--stdin",
            ],
            input=text.encode(),
            capture_output=True,
            timeout=SYNTH_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MediaError("Speech synthesis took too long.") from None
    if result.returncode != 0 or not Path(target).exists() or Path(target).stat().st_size <= 44:
        raise MediaError("Speech synthesis failed.")
    return Path(target)
