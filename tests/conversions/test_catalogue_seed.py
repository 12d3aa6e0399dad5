"""`manage.py seed_voices`: at least twelve distinct voices whose samples the engine renders, idempotently."""

import io
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from conversions import demo
from conversions.models import Accent, NarrationStyle, Voice
from core.media import vocoder
from core.storage import object_storage

pytestmark = pytest.mark.django_db


def test_seed_voices_renders_a_distinct_catalogue_once(local_storage, api):
    out = io.StringIO()
    call_command("seed_voices", stdout=out)
    voices = list(Voice.objects.prefetch_related("accents", "narration_styles", "tiers"))
    assert len(voices) >= 12
    assert "samples rendered" in out.getvalue()
    # Distinct where the engine makes voices differ.
    assert len({(v.pitch, v.formant_ratio) for v in voices}) == len(voices)
    assert all(v.active and v.tiers.exists() and v.accents.filter(is_default=True).count() == 1 for v in voices)
    samples = list(Accent.objects.values_list("sample_key", flat=True)) + list(
        NarrationStyle.objects.values_list("sample_key", flat=True)
    )
    assert all(samples) and all(object_storage.exists(key) for key in samples)

    # A sample sits at its voice's pitch (plus the accent's offset): the engine rendered it.
    aria = Voice.objects.get(slug="aria")
    british = aria.accents.get(short_name="GB")
    path = Path(object_storage.local_path(british.sample_key))
    measured = vocoder.estimate_f0(path).f0
    expected = aria.pitch * 2 ** (british.semitones / 12)
    assert abs(1200 * math.log2(measured / expected)) < 50

    # Idempotent: nothing new, nothing rendered again.
    before = sorted(samples)
    out = io.StringIO()
    demo.seed(out)
    assert "0 samples rendered" in out.getvalue()
    assert Voice.objects.count() == len(voices)
    assert (
        sorted(
            list(Accent.objects.values_list("sample_key", flat=True))
            + list(NarrationStyle.objects.values_list("sample_key", flat=True))
        )
        == before
    )
    assert api.get("/api/v2/voices").json()["pagination"]["count"] >= 12
