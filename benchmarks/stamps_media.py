"""VoiceStamps packaging and media figures.

- Packaging a stamp with BENCH_STAMPS_AUDIO_MB (default 200) MB of audio and 20 images: the whole
  packaging job (transcode to AAC and Opus, loudness-normalised, peaks, thumbnail, manifest, .vst) in a
  process of its own, its peak memory (goal under 150 MB); and the .vst writer alone against
  `zip -0` of the same files (time ratio and peak memory of each).
- Realtime factors on one core: the delivery transcode (both formats) and transcription (tiny.en int8).

Every figure runs in a fresh process on a throwaway data dir, so peak RSS is that work's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIO_MB = int(os.environ.get("BENCH_STAMPS_AUDIO_MB", "200"))
IMAGES = 20

# Runs in a Django shell: makes the stamp and queues its packaging job.
SETUP = r"""
import json, resource, subprocess, tempfile, time
from pathlib import Path
from django.db import transaction
from accounts.models import User
from stamps import services
from stamps.packaging import services as packaging_services
from stamps.models import Stamp, StampFile
from core.storage import new_key, object_storage
from tests.media import image_bytes

user = User.objects.create_user(email="bench-stamps@example.com", password="x")
stamp = services.create_stamp(owner=user, title="Bench")
scratch = Path(tempfile.mkdtemp())
seconds = AUDIO_MB * 1024 * 1024 / (48000 * 2 * 2)
wav = scratch / "long.wav"
subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
                "-ac", "2", "-ar", "48000", "-c:a", "pcm_s16le", str(wav)], check=True, timeout=900)
with wav.open("rb") as source:
    stored = object_storage.put(new_key(f"stamps/{stamp.pk}/audio", "wav"), source, "audio/wav")
StampFile.objects.create(stamp=stamp, role="audio", key=stored.key, filename=stored.key.rsplit("/", 1)[1],
                         content_type="audio/wav", size=stored.size, sha256=stored.sha256, duration=seconds,
                         details={"format": "wav"})
paths = [object_storage.local_path(stored.key)]
for index in range(IMAGES):
    data = image_bytes(1600, 1200, fmt="JPEG", color=(index * 10 % 255, 90, 160))
    item = object_storage.put_bytes(new_key(f"stamps/{stamp.pk}/images", "jpg"), data, "image/jpeg")
    StampFile.objects.create(stamp=stamp, role="image", key=item.key, filename=item.key.rsplit("/", 1)[1],
                             content_type="image/jpeg", size=item.size, sha256=item.sha256, width=1600,
                             height=1200, position=index)
    paths.append(object_storage.local_path(item.key))
wav.unlink()
with transaction.atomic():
    packaging_services._start_packaging(Stamp.objects.select_for_update().get(pk=stamp.pk))
print(json.dumps({"job": str(Stamp.objects.get(pk=stamp.pk).package_job_id), "stamp": stamp.pk,
                  "audio_seconds": seconds, "paths": paths}))
"""

# Runs the packaging job in a fresh process, as a worker would, and reports that process's peak RSS.
PACKAGING = r"""
import json, resource, time
from stamps import services
from stamps.packaging import services as packaging_services
from stamps.models import Stamp, StampFile
started = time.perf_counter()
packaging_services.run_packaging("JOB")
elapsed = time.perf_counter() - started
stamp = Stamp.objects.get(pk=STAMP)
package = StampFile.objects.filter(stamp=stamp, role="package").first()
print(json.dumps({"status": stamp.conversion_status, "reason": stamp.failure_reason, "seconds": elapsed,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "package_bytes": package.size if package else 0}))
"""

# The .vst writer alone on the same files, in a fresh process.
WRITER = r"""
import hashlib, json, resource, sys, time
from stamps.packaging import vst
paths = json.loads(sys.argv[1]); target = sys.argv[2]
entries = []
for index, path in enumerate(paths):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    entries.append(vst.PackageEntry(f"assets/{index}-{path.rsplit('/', 1)[1]}", path,
                                    __import__("os").path.getsize(path), digest.hexdigest()))
manifest = {"format": "vst", "format_version": "1.0",
            "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in entries]}
started = time.perf_counter()
with open(target, "wb") as sink:
    vst.write_package(sink, manifest, entries, lambda key: open(key, "rb"))
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# `zip -0` of the same files, measured from a parent that reports its child's peak RSS.
ZIP = r"""
import json, resource, subprocess, sys, time
paths = json.loads(sys.argv[1]); target = sys.argv[2]
started = time.perf_counter()
subprocess.run(["zip", "-0", "-q", "-j", target, *paths], check=True)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

# Realtime factors on one core, in a Django shell.
REALTIME = r"""
import json, subprocess, tempfile, time
from pathlib import Path
from django.conf import settings
from core.media import asr, audio
from stamps.packaging.services import DELIVERY_FORMATS
scratch = Path(tempfile.mkdtemp())
text = " ".join(["The quick brown fox jumps over the lazy dog while the children play in the garden."] * 6)
speech = scratch / "speech.wav"
subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(speech), text], check=True, timeout=120)
duration = audio.probe(speech).duration
started = time.perf_counter()
for role, (extension, _, sample_rate, codec_args) in DELIVERY_FORMATS.items():
    audio.normalise_loudness(speech, scratch / f"out{extension}", target_lufs=settings.STAMPS_LOUDNESS_LUFS,
                             sample_rate=sample_rate, encode_args=["-threads", "1", *codec_args])
transcode_seconds = time.perf_counter() - started
asr.transcribe(speech)  # loads the model; the timed run below is the steady state
started = time.perf_counter()
asr.transcribe(speech)
asr_seconds = time.perf_counter() - started
print(json.dumps({"duration": duration, "transcode": transcode_seconds, "asr": asr_seconds}))
"""


def _env(data_dir: str) -> dict:
    env = {**os.environ, "VOICEPLATFORM_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING", "ASR_CPU_THREADS": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("AWS_STORAGE_BUCKET_NAME", None)
    return env


def _shell(code: str, env: dict) -> dict:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=3600,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _script(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="vp-bench-stamps-") as data_dir:
        env = _env(data_dir)
        setup = _shell(SETUP.replace("AUDIO_MB", str(AUDIO_MB)).replace("IMAGES", str(IMAGES)), env)
        packaged = _shell(PACKAGING.replace("JOB", setup["job"]).replace("STAMP", str(setup["stamp"])), env)
        if packaged["status"] != "completed":
            raise RuntimeError(f"packaging failed: {packaged['reason']}")
        rows.append(
            {
                "name": f"stamps: packaging job peak memory ({AUDIO_MB} MB audio + {IMAGES} images)",
                "value": round(packaged["peak_rss_mb"], 1),
                "unit": "MB",
                "baseline": 150,
                "ratio": round(packaged["peak_rss_mb"] / 150, 2),
                "note": f"goal < 150 MB; whole job incl. Django, transcode of {setup['audio_seconds']:.0f} s "
                f"audio, in {packaged['seconds']:.1f} s",
            }
        )
        paths = json.dumps(setup["paths"])
        writer = _script(WRITER, paths, str(Path(data_dir) / "bench.vst"))
        zipped = _script(ZIP, paths, str(Path(data_dir) / "bench.zip"))
        rows.append(
            {
                "name": "stamps: .vst writer time vs zip -0",
                "value": round(writer["seconds"], 2),
                "unit": "s",
                "baseline": round(zipped["seconds"], 2),
                "ratio": round(writer["seconds"] / zipped["seconds"], 2),
                "note": "same files; writer also verifies every checksum",
            }
        )
        rows.append(
            {
                "name": "stamps: .vst writer peak memory vs zip -0",
                "value": round(writer["peak_rss_mb"], 1),
                "unit": "MB",
                "baseline": round(zipped["peak_rss_mb"], 1),
                "ratio": round(writer["peak_rss_mb"] / zipped["peak_rss_mb"], 2),
                "note": "python process (interpreter included) vs the zip process",
            }
        )
        realtime = _shell(REALTIME, env)
        for name, key in (
            ("delivery transcode (AAC + Opus, loudnorm)", "transcode"),
            ("transcription (faster-whisper tiny.en int8)", "asr"),
        ):
            factor = realtime[key] / realtime["duration"]
            rows.append(
                {
                    "name": f"stamps: realtime factor, {name}",
                    "value": round(factor, 3),
                    "unit": "x",
                    "baseline": 1.0,
                    "ratio": round(factor, 3),
                    "note": f"{realtime[key]:.2f} s for {realtime['duration']:.1f} s of speech, one core",
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
