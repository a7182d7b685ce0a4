# Retaguarda: one image for the web process (`retaguarda serve`, the default) and the job worker
# (`retaguarda worker`). See docker-compose.yml for the full mode (PostgreSQL + Redis).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src

# Pango for the invoice PDFs (WeasyPrint).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

# The pinned dependencies get a layer of their own, rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# What the wheel is built from (pyproject's [tool.hatch.build.targets.wheel]); README.md is the package's readme.
COPY README.md piccolo_conf.py ./
COPY platform ./platform
COPY tenants ./tenants
COPY staffing ./staffing
COPY billing ./billing

# Hatch leaves VCS-ignored files out of the wheel, and the compiled catalogs (*.mo) are gitignored: so the .po
# files travel in the wheel and are compiled inside the installed package. The check after it fails the build
# when a catalog, the templates or the static files did not make it into the installed package.
RUN pip install . \
 && cd / \
 && rm -rf /src \
 && locales="$(python -c 'from retaguarda.i18n.catalogs import LOCALES_DIR; print(LOCALES_DIR)')" \
 && pybabel compile -d "$locales" --statistics \
 && python -c "import sys; from importlib.util import find_spec; \
from retaguarda.i18n.catalogs import DEFAULT_LOCALE, LOCALES_DIR, SUPPORTED_LOCALES; \
from retaguarda.portal.rendering import STATIC_DIR, TEMPLATES_DIR; \
need = [LOCALES_DIR / loc / 'LC_MESSAGES' / 'messages.mo' for loc in SUPPORTED_LOCALES if loc != DEFAULT_LOCALE]; \
missing = [str(p) for p in [*need, TEMPLATES_DIR / 'base.html', STATIC_DIR] if not p.exists()]; \
missing += [] if find_spec('piccolo_conf') else ['piccolo_conf.py']; \
sys.exit('missing from the installed package: ' + ', '.join(missing) if missing else 0)"

RUN useradd --system --user-group --uid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin retaguarda \
 && mkdir -p /app/var \
 && chown retaguarda:retaguarda /app/var

WORKDIR /app
# Only used in embedded mode (no DATABASE_URL): the SQLite file lives here.
ENV RETAGUARDA_DATA_DIR=/app/var
USER retaguarda

EXPOSE 8000
CMD ["retaguarda", "serve", "--host", "0.0.0.0"]
