"""Media engines behind small interfaces, one module each, so they can be swapped:
audio (ffmpeg/ffprobe), tts (espeak-ng), images (Pillow); later ones add asr
(faster-whisper), translation (Apertium) and vocoder (WORLD).

Every subprocess runs without a shell, with a timeout and, for ffmpeg on user
files, ``-protocol_whitelist file`` so a crafted file cannot reach other files or
the network.
"""


class MediaError(Exception):
    """The input is not acceptable media, or the engine failed on it. The message is client-safe."""
