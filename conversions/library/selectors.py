"""Reads of the studio library. Everything is scoped to what the caller may see:
projects they own and projects of the teams they belong to."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower, TruncMonth
from django.utils import timezone

from accounts.models import Team
from core.db import CompiledLookup
from core.errors import DomainError

from .models import Folder, Note, Project, Recording, TtsVoice

STATS_PREVIOUS_MONTHS = 12


def _not_found():
    return DomainError("not_found")


def accessible_projects(user) -> QuerySet[Project]:
    teams = Team.objects.filter(memberships__user=user).values("id")
    return Project.objects.filter(Q(owner_user=user) | Q(owner_team__in=teams))


def order_projects(projects: QuerySet[Project], *, sort: str, direction: str) -> QuerySet[Project]:
    # Projects without recordings sort last either way; id breaks ties so pages are stable.
    # Names sort as people read them, whatever their case (SQLite and PostgreSQL collate differently).
    column = Lower("name") if sort == "name" else F(sort)
    key = column.asc(nulls_last=True) if direction == "asc" else column.desc(nulls_last=True)
    tie = F("id").asc() if direction == "asc" else F("id").desc()
    return projects.order_by(key, tie)


def get_project(user, project_id) -> Project:
    # Every folder and recording list checks its project: read by a lookup compiled once, then the
    # caller's access is checked on the row (a team's project costs one more query).
    project = _PROJECT_BY_ID.first(project_id)
    if project is None or not _may_access(user, project):
        raise _not_found()
    return project


_PROJECT_BY_ID = CompiledLookup(Project, "id")


def _may_access(user, project: Project) -> bool:
    """What accessible_projects selects, for one project."""
    if project.owner_user_id is not None and project.owner_user_id == user.pk:
        return True
    if project.owner_team_id is None:
        return False
    return Team.objects.filter(pk=project.owner_team_id, memberships__user=user).exists()


def get_project_by_slug(user, slug: str) -> Project:
    project = accessible_projects(user).filter(slug=slug).first()
    if project is None:
        raise _not_found()
    return project


def accessible_folders(user) -> QuerySet[Folder]:
    return Folder.objects.filter(project__in=accessible_projects(user).values("id"))


def get_folder(user, folder_id) -> Folder:
    folder = accessible_folders(user).select_related("project").filter(pk=folder_id).first()
    if folder is None:
        raise _not_found()
    return folder


def folder_tree_ids(folder: Folder) -> list:
    """The folder and every folder below it, one query per level of nesting."""
    found = [folder.pk]
    level = [folder.pk]
    while level:
        level = list(Folder.objects.filter(parent_id__in=level).values_list("id", flat=True))
        found.extend(level)
    return found


def accessible_recordings(user) -> QuerySet[Recording]:
    return Recording.objects.filter(project__in=accessible_projects(user).values("id"))


def listed_recordings(user) -> QuerySet[Recording]:
    """The recordings the caller may see, as the lists show them (with their notes)."""
    return accessible_recordings(user).select_related("note")


def order_by_creation(queryset: QuerySet, *, direction: str) -> QuerySet:
    """Newest first unless ``direction`` is asc; id breaks ties so pages are stable."""
    order = ("created_at", "id") if direction == "asc" else ("-created_at", "-id")
    return queryset.order_by(*order)


def get_recording(user, recording_id) -> Recording:
    recording = accessible_recordings(user).select_related("note", "project").filter(pk=recording_id).first()
    if recording is None:
        raise _not_found()
    return recording


def get_original(user, recording_id) -> Recording:
    recording = get_recording(user, recording_id)
    if recording.type != Recording.Type.ORIGINAL:
        raise DomainError("not_found", "Original recording not found")
    return recording


def notes_in_folder(folder: Folder) -> QuerySet[Note]:
    return Note.objects.filter(recording__parent_folder=folder).order_by("created_at", "id")


def export_recordings(recordings: QuerySet[Recording], *, starred_only: bool) -> QuerySet[Recording]:
    """The recordings an export contains: those with audio, in a stable order."""
    recordings = recordings.filter(state=Recording.State.DONE).exclude(audio_key="")
    if starred_only:
        recordings = recordings.filter(starred=True)
    return recordings.select_related("original").order_by("created_at", "id")


def visible_tts_voices(user) -> QuerySet[TtsVoice]:
    return TtsVoice.objects.filter(Q(visibility=TtsVoice.Visibility.PUBLIC) | Q(owner=user)).order_by(
        "language", "name", "id"
    )


def get_tts_voice(user, voice_id) -> TtsVoice:
    voice = visible_tts_voices(user).filter(pk=voice_id).first()
    if voice is None:
        raise DomainError("not_found", "TTS voice not found")
    return voice


def default_tts_voice(user, language_tag: str) -> TtsVoice | None:
    """The voice for a language tag: one of the tag's region when it names a region we have a voice
    for (``en-GB``: the espeak-ng voice ``en-gb``), else the language's default voice."""
    tag = language_tag.lower().replace("_", "-")
    language = tag.split("-")[0]
    voices = visible_tts_voices(user).filter(language=language).order_by("-is_default", "name", "id")
    if "-" in tag:
        regional = next((voice for voice in voices if voice.engine_voice.split("+")[0] == tag), None)
        if regional is not None:
            return regional
    return voices.first()


# --- statistics: aggregates computed by the database ------------------------------------
def _month_start(now: datetime.datetime) -> datetime.datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _months_before(month_start: datetime.datetime, months: int) -> datetime.datetime:
    index = month_start.year * 12 + (month_start.month - 1) - months
    return month_start.replace(year=index // 12, month=index % 12 + 1)


def _conversion_counts(prefix: str = "") -> dict:
    state = f"{prefix}state"
    converted = Q(**{f"{prefix}type": Recording.Type.CONVERTED})
    return {
        "total": Count("pk", filter=converted),
        "completed": Count("pk", filter=converted & Q(**{state: Recording.State.DONE})),
        "in_progress": Count("pk", filter=converted & Q(**{state: Recording.State.PROCESSING})),
        "failed": Count("pk", filter=converted & Q(**{state: Recording.State.ERROR})),
    }


def _converted_seconds(month_start) -> dict:
    done = Q(type=Recording.Type.CONVERTED, state=Recording.State.DONE)
    return {
        "time_total": Coalesce(Sum("duration", filter=done), 0.0),
        "time_current_month": Coalesce(Sum("duration", filter=done & Q(converted_at__gte=month_start)), 0.0),
    }


def account_stats(user) -> dict:
    """Conversions the caller ordered: time converted (total, this month, previous months),
    counts by state and per model. Four aggregate queries whatever the volume."""
    now = timezone.now()
    month_start = _month_start(now)
    mine = Recording.objects.filter(created_by=user)
    totals = mine.aggregate(**_conversion_counts(), **_converted_seconds(month_start))
    done = mine.filter(type=Recording.Type.CONVERTED, state=Recording.State.DONE)
    first_previous = _months_before(month_start, STATS_PREVIOUS_MONTHS)
    months = (
        done.filter(converted_at__gte=first_previous, converted_at__lt=month_start)
        .annotate(month=TruncMonth("converted_at"))
        .values("month")
        .annotate(seconds=Sum("duration"))
        .order_by("-month")
    )
    models = (
        mine.filter(type=Recording.Type.CONVERTED, model_id__isnull=False)
        .values("model_id")
        .annotate(
            conversions_count=Count("pk"),
            converted_time=Coalesce(Sum("duration", filter=Q(state=Recording.State.DONE)), 0.0),
            # The latest snapshot of a model's name wins if it was renamed between conversions.
            name=Max("model_name"),
        )
        .order_by("-conversions_count", "model_id")
    )
    return {
        "time_converted": {
            "total": round(totals["time_total"]),
            "current_month": round(totals["time_current_month"]),
            "previous_monthes": [
                {
                    "month": row["month"].date() if hasattr(row["month"], "date") else row["month"],
                    "duration": round(row["seconds"] or 0.0, 3),
                }
                for row in months
            ],
        },
        "conversions": {key: totals[key] for key in ("total", "completed", "in_progress", "failed")},
        "models": [
            {
                "id": row["model_id"],
                "name": row["name"],
                "conversions_count": row["conversions_count"],
                "converted_time": round(row["converted_time"], 3),
            }
            for row in models
        ],
    }


def project_stats(user, project_ids) -> list[dict]:
    """Stats of the caller's projects among ``project_ids`` (others are left out), one query."""
    month_start = _month_start(timezone.now())
    rows = (
        accessible_projects(user)
        .filter(pk__in=project_ids)
        .values("pk")
        .annotate(
            **{f"c_{k}": v for k, v in _conversion_counts("recordings__").items()},
            time_total=Coalesce(
                Sum(
                    "recordings__duration",
                    filter=Q(recordings__type=Recording.Type.CONVERTED, recordings__state=Recording.State.DONE),
                ),
                0.0,
            ),
            time_current_month=Coalesce(
                Sum(
                    "recordings__duration",
                    filter=Q(
                        recordings__type=Recording.Type.CONVERTED,
                        recordings__state=Recording.State.DONE,
                        recordings__converted_at__gte=month_start,
                    ),
                ),
                0.0,
            ),
        )
    )
    by_id = {row["pk"]: row for row in rows}
    return [
        {
            "project_id": pid,
            "time_converted": {
                "total": round(by_id[pid]["time_total"]),
                "current_month": round(by_id[pid]["time_current_month"]),
            },
            "conversions": {k: by_id[pid][f"c_{k}"] for k in ("total", "completed", "in_progress", "failed")},
        }
        for pid in dict.fromkeys(project_ids)
        if pid in by_id
    ]


def folder_stats(user, folder_ids) -> list[dict]:
    """Conversion counts of the caller's folders among ``folder_ids``, one query."""
    rows = (
        accessible_folders(user)
        .filter(pk__in=folder_ids)
        .values("pk")
        .annotate(**{f"c_{k}": v for k, v in _conversion_counts("recordings__").items()})
    )
    by_id = {row["pk"]: row for row in rows}
    return [
        {"folder_id": fid, "stats": {k: by_id[fid][f"c_{k}"] for k in ("total", "completed", "in_progress", "failed")}}
        for fid in dict.fromkeys(folder_ids)
        if fid in by_id
    ]
