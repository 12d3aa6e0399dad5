"""The engines on their own: faster-whisper (core.media.asr) and Apertium (core.media.translation)."""

import pytest

from core.media import MediaError, asr, translation
from tests.media import assert_heard, speech_wav, tone


def test_asr_transcribes_spoken_english(tmp_path):
    sentence = "I would like a cup of coffee with milk."
    transcript = asr.transcribe(speech_wav(tmp_path / "s.wav", text=sentence))
    assert_heard(sentence, transcript.text, key_words=("like", "coffee", "milk"))
    assert transcript.language == "en" and transcript.duration > 1
    assert transcript.segments and transcript.segments[0].words


def test_asr_on_silence_finds_no_confident_speech(tmp_path):
    transcript = asr.transcribe(tone(tmp_path / "t.wav", seconds=1.0, frequency=50))
    assert all(segment.no_speech_probability > 0.1 or segment.confidence < 0.6 for segment in transcript.segments)


def test_asr_missing_model_is_a_media_error(settings, tmp_path):
    settings.ASR_MODEL_DIR = str(tmp_path)
    with pytest.raises(MediaError):
        asr.transcribe(tmp_path / "whatever.wav")


def test_installed_pairs():
    assert {"en-es", "es-en", "en-ca", "ca-en", "en-gl", "gl-en"} <= set(translation.supported_pairs())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The weather is nice and the children are playing in the garden.", "en"),
        ("El tiempo es agradable y los niños juegan en el jardín.", "es"),
        ("El temps és agradable i els nens juguen al jardí.", "ca"),
        ("O tempo é agradable e os nenos xogan no xardín.", "gl"),
    ],
)
def test_language_detection(text, expected):
    assert translation.detect_language(text) == expected


def test_text_goes_through_stdin_not_the_command_line():
    result = translation.translate("--help -u eng-spa; rm -rf /", "es", "en")
    assert "rm -rf" in result.text


def test_empty_and_oversized_text():
    with pytest.raises(MediaError):
        translation.translate("  ", "es", "en")
    with pytest.raises(MediaError):
        translation.translate("x" * (translation.MAX_TEXT_CHARS + 1), "es", "en")
    with pytest.raises(translation.UnsupportedPair):
        translation.translate("hello", "de", "en")


def test_peaks_stream_and_fill_every_bucket(tmp_path):
    from core.media import waveform

    steady = waveform.peaks(tone(tmp_path / "t.wav", seconds=2.0), buckets=1000)
    assert len(steady) == 1000
    assert all(0.1 < value < 0.15 for value in steady)  # lavfi's sine has amplitude 1/8
    half = tmp_path / "half.wav"
    import subprocess

    # One second of tone then one of silence: the first half of the buckets is loud, the second quiet.
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", "-af", "apad=pad_dur=1", str(half)],
        check=True,
        timeout=60,
    )
    shape = waveform.peaks(half, buckets=100)
    assert min(shape[:45]) > 0.1 and max(shape[55:]) < 0.01
