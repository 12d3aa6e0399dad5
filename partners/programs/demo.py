"""A ready-to-try program for a new partner: three talents with spoken demos and a sample job.

Demos are synthesised with espeak-ng and encoded to MP3, then stored through the same
service staff use in the admin (checked by content, streamed to storage).
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.media import audio, tts

from partners.account.models import Partner
from partners.jobs.models import Job, JobEvent
from partners.talents import services as talent_services
from partners.talents.models import Talent

from .models import Program

TALENTS = [
    {
        "first_name": "Avery",
        "last_name": "Stone",
        "gender": Talent.Gender.FEMALE,
        "languages": ["English"],
        "feedback": "Warm, clear and quick to turn around.",
        "voice": "en-us",
        "pitch": 70,
        "tags": ["warm", "commercial"],
        "text": "Hi, I'm Avery. Let me tell your story with a warm, friendly voice.",
    },
    {
        "first_name": "Bastien",
        "last_name": "Moreau",
        "gender": Talent.Gender.MALE,
        "languages": ["French", "English"],
        "feedback": "Deep narration voice; great for documentaries.",
        "voice": "fr-fr",
        "pitch": 35,
        "tags": ["narration", "documentary"],
        "text": "Bonjour, je suis Bastien. Voici ma voix de narrateur.",
    },
    {
        "first_name": "Charlie",
        "last_name": "Reid",
        "gender": Talent.Gender.NON_BINARY,
        "languages": ["English"],
        "feedback": "Energetic and versatile.",
        "voice": "en-gb",
        "pitch": 50,
        "tags": ["upbeat", "explainer"],
        "text": "Hello! I'm Charlie, and I make explainer videos sound exciting.",
    },
]


def _demo_mp3(spec: dict, workdir: Path) -> Path:
    wav = tts.synthesize(spec["text"], workdir / f"{spec['first_name']}.wav", voice=spec["voice"], pitch=spec["pitch"])
    return audio.transcode(wav, workdir / f"{spec['first_name']}.mp3", ["-c:a", "libmp3lame", "-b:a", "64k"])


def create_demo_program(partner: Partner, *, manager_email: str) -> Program:
    """An active program for ``partner`` with three talents, their demos and one sample job."""
    today = timezone.localdate()
    with tempfile.TemporaryDirectory(prefix="partner-demo-") as workdir:
        # Synthesis happens before the transaction: it is slow and writes nothing to the database.
        recordings = [_demo_mp3(spec, Path(workdir)) for spec in TALENTS]
        with transaction.atomic():
            program = Program.objects.create(
                partner=partner,
                name="Demo program",
                description="A program to try the Partner API with.",
                unit_price=Decimal("25.00"),
                start_date=today - timedelta(days=1),
                end_date=today + timedelta(days=365),
                edit_limit=2,
                max_edits=5,
                manager_email=manager_email,
            )
            talents = []
            for spec, recording in zip(TALENTS, recordings, strict=True):
                talent = Talent.objects.create(
                    **{key: spec[key] for key in ("first_name", "last_name", "gender", "languages", "feedback")}
                )
                with recording.open("rb") as demo_file:
                    talent_services.add_demo(talent, demo_file, title=f"{spec['first_name']}'s demo", tags=spec["tags"])
                talents.append(talent)
            program.talents.set(talents)
            # The sample job is free (not charged): it exists to be read, approved and edited in the API.
            job = Job.objects.create(
                program=program,
                talent=talents[0],
                sample_script=TALENTS[0]["text"],
                job_description="Sample job: a 30-second explainer, warm and friendly.",
            )
            JobEvent.objects.create(job=job, kind=JobEvent.Kind.CREATED, actor="create_partner")
    return program
