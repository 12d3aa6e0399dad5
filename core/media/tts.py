"""Speech synthesis with espeak-ng."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from . import MediaError

SYNTH_TIMEOUT = 120
MAX_TEXT_CHARS = 5000


@lru_cache(maxsize=1)
def voices() -> dict[str, str]:
    """Installed espeak-ng voices: language/voice id -> name."""
    result = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, timeout=30, check=True)
    found = {}
    for line in result.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 4:
            found[parts[1]] = parts[3]
    return found


def synthesize(text: str, target: str | Path, *, voice: str = "en-us", rate: int = 160, pitch: int = 50,
               amplitude: int = 100) -> Path:
    """Render ``text`` to a WAV file. ``rate`` words per minute, ``pitch`` 0-99."""
    if not text.strip():
        raise MediaError("There is no text to speak.")
    if len(text) > MAX_TEXT_CHARS:
        raise MediaError(f"The text is longer than {MAX_TEXT_CHARS} characters.")
    if voice not in voices():
        raise MediaError(f"Unknown voice {voice}.")
    try:
        # Text goes through stdin, never the command line: no option injection.
        result = subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(int(rate)), "-p", str(int(pitch)), "-a", str(int(amplitude)),
             "-w", str(target), "--stdin"],
            input=text.encode(), capture_output=True, timeout=SYNTH_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        raise MediaError("Speech synthesis took too long.") from None
    if result.returncode != 0 or not Path(target).exists() or Path(target).stat().st_size <= 44:
        raise MediaError("Speech synthesis failed.")
    return Path(target)
