"""A demo VoiceStamp for `make run`: a spoken sentence, a picture and two voice tags, sent to
packaging (the worker finishes it). Created once; an existing demo stamp is left as it is."""

import io
import tempfile
from pathlib import Path

from django.core.files import File
from PIL import Image, ImageDraw

from accounts.demo import DEMO_EMAIL
from accounts.models import User
from core.media import tts

from . import services
from .packaging import services as packaging
from .models import Stamp

TITLE = "Harbour walk (demo)"
SENTENCE = "Welcome to the harbour. The boats leave at nine, and the lighthouse is on your left."


def _picture() -> bytes:
    image = Image.new("RGB", (640, 400), (40, 110, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 280, 640, 400), fill=(20, 60, 100))
    draw.polygon([(420, 280), (450, 120), (480, 280)], fill=(235, 235, 235))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def seed(stdout):
    owner = User.objects.filter(email=DEMO_EMAIL).first()
    if owner is None or Stamp.objects.filter(owner=owner, title=TITLE).exists():
        return
    stamp = services.create_stamp(owner=owner, title=TITLE, description="A VoiceStamp made by seed_demo.")
    with tempfile.TemporaryDirectory() as workdir:
        speech = tts.synthesize(SENTENCE, Path(workdir) / "welcome.wav")
        with speech.open("rb") as handle:
            services.attach_audio(owner, stamp.pk, File(handle, name="welcome.wav"))
    services.attach_image(owner, stamp.pk, File(io.BytesIO(_picture()), name="harbour.jpg"))
    packaging.complete_package(
        owner,
        stamp.pk,
        voice_tags=[
            {"timestamp": 0.5, "x": 320, "y": 340, "note": "The harbour"},
            {"timestamp": 3.0, "x": 450, "y": 200, "note": "The lighthouse"},
        ],
    )
    stdout.write(f"VoiceStamps: demo stamp {stamp.pk} created and sent to packaging")
