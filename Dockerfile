FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml setup.py README.md ./
COPY abusedesk abusedesk
COPY core core
COPY incidents incidents
COPY contacts contacts
COPY reports reports
COPY replies replies
# The code runs from /app: the parsers are compiled in place there (setup.py), with a C
# compiler that leaves the image again in the same layer.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && ABUSEDESK_PURE_PYTHON=1 pip install . \
    && pip install "Cython>=3.1" "setuptools>=69" && python setup.py --quiet build_ext --inplace \
    && pip uninstall -y Cython setuptools && rm -rf build \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY . .
# Static files are collected at build time; whitenoise serves them from STATIC_ROOT.
RUN ABUSEDESK_DATA_DIR=/tmp/build STATIC_ROOT=/app/staticfiles STATIC_MANIFEST=true python manage.py collectstatic --noinput \
    && rm -rf /tmp/build \
    && useradd --create-home --uid 1000 abusedesk && mkdir -p /data && chown abusedesk /data
ENV STATIC_ROOT=/app/staticfiles
USER abusedesk
EXPOSE 8000
CMD ["gunicorn", "abusedesk.wsgi"]
