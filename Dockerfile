# syntax=docker/dockerfile:1
# Sigap API image. Build: docker build -t sigap .   Run: see README ("Container").
# Stage 1 builds a virtualenv with the service installed; stage 2 copies only that and the migrations.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY app ./app
RUN /opt/venv/bin/pip install --upgrade pip && /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SIGAP_ENV=production \
    SIGAP_ALEMBIC_DIR=/srv/sigap/alembic \
    PORT=8000
RUN groupadd --system sigap && useradd --system --gid sigap --home-dir /srv/sigap --shell /usr/sbin/nologin sigap
WORKDIR /srv/sigap
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY alembic ./alembic
# The classifier's numba functions are compiled once here, into a cache the service user may refresh.
ENV NUMBA_CACHE_DIR=/srv/sigap/numba-cache
RUN mkdir -p /srv/sigap/data "$NUMBA_CACHE_DIR" \
    && python -c "from app.classification.compiled import compile_kernels; compile_kernels()" \
    && chown -R sigap:sigap /srv/sigap
USER sigap
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/readyz', timeout=4)" || exit 1
# Configuration comes from the environment: SIGAP_DATABASE_URL, SIGAP_SECRET_KEY (required in production),
# optionally SIGAP_BOOTSTRAP_ADMIN_KEY. Migrations run first; `sigap serve` never migrates in production.
CMD ["sh", "-c", "sigap migrate && exec sigap serve --host 0.0.0.0 --port \"$PORT\""]
