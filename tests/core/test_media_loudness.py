"""core.media.audio.normalise_loudness: every delivered clip lands at its loudness target (EBU R128,
±1.5 LU) and peaks at or below -1 dBTP, whatever its length, level and codec. Measured on the
encoded files with ffmpeg's ebur128 filter."""

import math

import pytest

from core.media import audio
from tests.media import loudness, speech_clip, tone

CODECS = {
    "mp3": (22050, ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"]),
    "m4a": (44100, ["-c:a", "aac", "-b:a", "128k", "-f", "mp4"]),
    "opus": (48000, ["-c:a", "libopus", "-b:a", "64k", "-f", "ogg"]),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loudness")
    return {
        (seconds, gain): speech_clip(folder / f"speech-{seconds}s-{gain}dB.wav", seconds, gain_db=gain)
        for seconds in (2, 30)
        for gain in (-18, 6)
    }


@pytest.mark.parametrize("seconds", [2, 30])
@pytest.mark.parametrize("gain", [-18, 6])
@pytest.mark.parametrize("codec", sorted(CODECS))
def test_a_clip_lands_at_the_target_under_the_true_peak_limit(clips, tmp_path, seconds, gain, codec):
    source = clips[(seconds, gain)]
    sample_rate, encode_args = CODECS[codec]
    target = tmp_path / f"out.{codec}"
    result = audio.normalise_loudness(
        source, target, target_lufs=-16.0, encode_args=encode_args, sample_rate=sample_rate, channels=1
    )
    integrated, true_peak = loudness(target)
    assert integrated == pytest.approx(-16.0, abs=1.5), (integrated, result)
    assert true_peak <= -1.0, (true_peak, result)
    assert audio.probe(target).duration == pytest.approx(seconds, abs=0.1)
    # What the engine reports is what was delivered.
    assert result.delivered.integrated == pytest.approx(integrated, abs=0.2)
    assert result.source.integrated == pytest.approx(loudness(source)[0], abs=0.2)


def test_other_targets_are_honoured(clips, tmp_path):
    target = tmp_path / "quiet.mp3"
    audio.normalise_loudness(clips[(2, 6)], target, target_lufs=-23.0, encode_args=CODECS["mp3"][1], sample_rate=22050)
    assert loudness(target)[0] == pytest.approx(-23.0, abs=1.5)


def test_measure_loudness_of_a_known_tone(tmp_path):
    # A 997 Hz sine at full scale measures -3.0 LUFS (BS.1770); at 0.1 of full scale, -23.0.
    path = tone(tmp_path / "tone.wav", seconds=5, frequency=997)
    measured = audio.measure_loudness(path)
    full_scale = measured.integrated + 20 * math.log10(1 / 0.125)  # lavfi's sine is 1/8 of full scale
    assert full_scale == pytest.approx(-3.0, abs=0.3)
    assert measured.true_peak == pytest.approx(20 * math.log10(0.125), abs=0.3)


def test_silence_is_delivered_silent_without_error(tmp_path):
    import subprocess

    silence = tmp_path / "silence.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "2", str(silence)],
        check=True,
        timeout=60,
    )
    result = audio.normalise_loudness(
        silence, tmp_path / "out.mp3", target_lufs=-16.0, encode_args=CODECS["mp3"][1], sample_rate=22050
    )
    assert result.gain_db == 0 and result.encodings == 1
    # ebur128 reports its absolute gate for silence, and a true peak of -inf (stored as null).
    assert result.delivered.integrated <= audio.SILENCE_LUFS
    assert result.delivered.as_details()["true_peak_dbtp"] is None
