import copy

import pytest
from django.contrib.auth import get_user_model

from core.models import Role
from core.roles import set_role

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs a second per user on these machines; login behaviour is unchanged.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def evidence_store(settings, tmp_path):
    """Each test gets its own private evidence folder and upload temp folder."""
    storages = copy.deepcopy(settings.STORAGES)
    storages["evidence"]["OPTIONS"] = {
        "location": str(tmp_path / "evidence"), "base_url": None,
        "file_permissions_mode": 0o440, "directory_permissions_mode": 0o750,
    }
    settings.STORAGES = storages
    (tmp_path / "upload-tmp").mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    return tmp_path / "evidence"


def make_user(username: str, role: str | None, **extra):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )
    if role:
        set_role(user, role)
    return user


@pytest.fixture
def viewer(db):
    return make_user("vera", Role.VIEWER)


@pytest.fixture
def responder(db):
    return make_user("rico", Role.RESPONDER)


@pytest.fixture
def admin_user(db):
    return make_user("ada", Role.ADMIN)


@pytest.fixture
def client_for(client):
    """A logged-in test client for a given user (or anonymous for None)."""

    def _client(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client
