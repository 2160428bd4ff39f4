# DataChat's image: one image, three processes (web, worker, beat: see Procfile and deploy/).
# docs/deploy.md says how to build it, what to set and how to run each process.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=datachat.settings.production \
    DATACHAT_DATA_DIR=/data \
    DATACHAT_STATIC_ROOT=/app/staticfiles \
    DATACHAT_STATIC_FROM_SOURCE=0 \
    PORT=8000

# pg_dump/pg_restore for `manage.py backup` and `restore` (a client at least as new as the server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# The assets step (plotly.min.js is generated from the pinned plotly package, never from a CDN),
# then the static files, collected at build time with throwaway settings: no secret is baked in.
RUN python -m datachat.assets
RUN DJANGO_SETTINGS_MODULE=datachat.settings.local DATACHAT_DATA_DIR=/tmp/build \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin datachat \
    && mkdir -p /data \
    && chown datachat /data
USER datachat
VOLUME ["/data"]
EXPOSE 8000

# The web process; the worker and beat run the same image with the Procfile's other commands.
CMD ["gunicorn", "--config", "datachat/gunicorn.conf.py", "datachat.wsgi:application"]
