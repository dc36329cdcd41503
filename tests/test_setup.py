"""Set-up and guard rails: settings from the environment, first admin, migrations, ruff, docs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _manage(*args, env=None, timeout=120):
    base = {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def test_the_local_default_generates_a_secret_key_once_and_keeps_it(tmp_path):
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"ABUSEDESK_DATA_DIR": str(tmp_path), "ABUSEDESK_ENV": "local"}
    first = _manage("shell", "-v", "0", "-c", script, env=env)
    second = _manage("shell", "-v", "0", "-c", script, env=env)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == second.stdout.strip()
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**_env_example(), "ABUSEDESK_DATA_DIR": str(tmp_path), "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when ABUSEDESK_ENV=production" in result.stderr


def test_debug_is_off_unless_asked(tmp_path):
    script = "from django.conf import settings; print(settings.DEBUG)"
    env = {"ABUSEDESK_DATA_DIR": str(tmp_path)}
    assert _manage("shell", "-v", "0", "-c", script, env=env).stdout.strip() == "False"
    debug = _manage("shell", "-v", "0", "-c", script, env={**env, "DEBUG": "true"})
    assert debug.stdout.strip() == "True"


def test_the_deploy_checks_pass_with_the_production_values_of_env_example(tmp_path):
    env = {**_env_example(), "ABUSEDESK_DATA_DIR": str(tmp_path)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_setting_is_documented_in_the_readme_and_in_env_example():
    settings_source = (ROOT / "abusedesk" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    read |= set(re.findall(r'_required\("([A-Z][A-Z0-9_]+)"\)', settings_source))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.MULTILINE))
    example = (ROOT / ".env.example").read_text()
    assert read - documented == set(), "settings missing from the README's table"
    assert documented - read - {"ABUSEDESK_ADMIN_EMAIL", "ABUSEDESK_ADMIN_PASSWORD",
                                "POSTGRES_PASSWORD", "ABUSEDESK_LISTEN"} == set()
    undocumented_in_example = {name for name in read if not re.search(rf"^#? ?{name}=", example,
                                                                       re.MULTILINE)}
    assert undocumented_in_example == set(), "settings missing from .env.example"


@pytest.mark.django_db
def test_the_first_admin_comes_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("ABUSEDESK_ADMIN_EMAIL", "noc@example.net")
    monkeypatch.setenv("ABUSEDESK_ADMIN_PASSWORD", "a-long-admin-password-1")
    call_command("ensure_admin")
    admin = get_user_model().objects.get()
    assert admin.email == "noc@example.net" and admin.is_superuser and admin.is_staff
    assert admin.check_password("a-long-admin-password-1")
    assert list(admin.groups.values_list("name", flat=True)) == ["admin"]
    assert "generated password" not in capsys.readouterr().out


@pytest.mark.django_db
def test_a_generated_admin_password_is_printed_once_and_a_second_run_changes_nothing(
        monkeypatch, capsys):
    monkeypatch.delenv("ABUSEDESK_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("ABUSEDESK_ADMIN_EMAIL", raising=False)
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = re.search(r"generated password is: (\S+)", out).group(1)
    assert get_user_model().objects.get().check_password(password)
    call_command("ensure_admin")
    again = capsys.readouterr().out
    assert "nothing to do" in again and password not in again
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_code_is_ruff_clean():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
