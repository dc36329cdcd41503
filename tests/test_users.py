"""Admins manage users and their one role; others cannot."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.roles import roles_of

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_responder_who_can_then_log_in(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("user_create"), {
        "username": "nina", "email": "nina@example.org", "first_name": "Nina",
        "last_name": "Noc", "is_active": "on", "role": "responder",
        "password": "a-sufficiently-long-passphrase",
    })
    assert response.status_code == 302
    nina = get_user_model().objects.get(username="nina")
    assert roles_of(nina) == {"responder"} and not nina.is_staff
    client.logout()
    assert client.login(username="nina", password="a-sufficiently-long-passphrase")
    assert client.get(reverse("incidents:create")).status_code == 200


def test_making_a_user_admin_opens_the_admin_site_and_a_weak_password_is_refused(
        client, admin_user, viewer):
    client.force_login(admin_user)
    form = {"username": viewer.username, "email": viewer.email, "is_active": "on",
            "role": "admin", "password": ""}
    client.post(reverse("user_edit", args=[viewer.pk]), form)
    viewer.refresh_from_db()
    assert viewer.is_staff and roles_of(viewer) == {"admin"}
    assert viewer.check_password(PASSWORD)  # an empty password field keeps the old one
    response = client.post(reverse("user_edit", args=[viewer.pk]), {**form, "password": "123"})
    assert response.status_code == 200 and "too short" in response.content.decode()


def test_a_deactivated_user_can_no_longer_log_in(client, admin_user, viewer):
    client.force_login(admin_user)
    client.post(reverse("user_edit", args=[viewer.pk]), {
        "username": viewer.username, "email": viewer.email, "role": "viewer", "password": ""})
    client.logout()
    assert not client.login(username=viewer.username, password=PASSWORD)


def test_logging_in_through_the_form_lands_on_the_dashboard(client, viewer):
    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "Log out" in response.content.decode()
    client.logout()
    bad = client.post(reverse("login"), {"username": viewer.username, "password": "nope"})
    assert "did not match" in bad.content.decode()
