# The production image: gunicorn + whitenoise for the web, the same image for Celery.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango; Tinos (fonts-croscore) has every Vietnamese glyph;
# postgresql-client gives `manage.py backup` / `restore` their pg_dump and pg_restore
# (bookworm's 15, the server's version in docker-compose.yml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-croscore gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY core core
COPY clusters clusters
COPY covenants covenants
COPY scoring scoring
RUN pip install .
COPY . .
RUN DEBUG=false SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 app && mkdir -p /app/var/media && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", "--keep-alive", "75"]
