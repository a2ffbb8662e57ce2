# Canopy's one image: web, workers, beat, PgBouncer and Caddy all run from it, with the same commands `make serve`
# runs (python -m infra.serve run <process>; see compose.yaml and docs/deploy.md). Debian bookworm: its python3.11,
# caddy and pgbouncer packages are the ones `make serve` installs with apt.
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv caddy pgbouncer npm ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/canopy canopy

WORKDIR /app
# Dependencies first (pinned in pyproject.toml; the browser libraries in package-lock.json), so code changes reuse them.
COPY pyproject.toml ./
RUN python3.11 -m venv /app/.venv \
 && /app/.venv/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /app/.venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY . .

ENV PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/srv/static \
    MEDIA_ROOT=/srv/media \
    SERVE_STATE_DIR=/var/lib/canopy/serve \
    CADDY_CONFIG=/app/infra/Caddyfile \
    CADDY_HTTP_PORT=8080 \
    CADDY_HTTPS_PORT=8443 \
    CADDY_HTTPS_SUFFIX= \
    PLATFORM_PORT= \
    XDG_DATA_HOME=/var/lib/canopy/caddy \
    GUNICORN_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
# Static files are collected into the image (Caddy serves them from /srv/static); the secrets here exist only for
# this build step — the production settings refuse to start without real ones.
RUN SECRET_KEY=build-only-build-only-build-only-00 FIELD_ENCRYPTION_KEY=build-only-build-only-build-only-01 \
    DATABASE_URL=postgresql://build@127.0.0.1/build python manage.py collectstatic --noinput -v 0 \
 && mkdir -p /srv/media /var/lib/canopy/serve && chown -R canopy /srv/media /var/lib/canopy

USER canopy
EXPOSE 8000 8080 8443
ENTRYPOINT ["python", "-m", "infra.serve"]
CMD ["run", "web"]
