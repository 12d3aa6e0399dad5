# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VOICEPLATFORM_DATA_DIR=/data
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg espeak-ng apertium apertium-en-es apertium-en-ca apertium-en-gl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN useradd --system --home /app voiceplatform && mkdir -p /data && chown voiceplatform /data
USER voiceplatform
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "voiceplatform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
