FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY abusedesk abusedesk
COPY core core
COPY incidents incidents
COPY contacts contacts
COPY reports reports
RUN pip install .
COPY . .
# Static files are collected at build time; whitenoise serves them from STATIC_ROOT.
RUN ABUSEDESK_DATA_DIR=/tmp/build STATIC_ROOT=/app/staticfiles STATIC_MANIFEST=true python manage.py collectstatic --noinput \
    && rm -rf /tmp/build \
    && useradd --create-home --uid 1000 abusedesk && mkdir -p /data && chown abusedesk /data
ENV STATIC_ROOT=/app/staticfiles
USER abusedesk
EXPOSE 8000
CMD ["gunicorn", "abusedesk.wsgi"]
