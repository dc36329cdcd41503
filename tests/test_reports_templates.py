"""Report templates: sandboxed placeholders, checked when saved, one active per category and language."""

import pytest
from django.urls import reverse

from incidents.models import Category, Event
from reports.default_templates import default_templates
from reports.models import ReportTemplate
from reports.templating import TemplateProblem, check, render, sample_context

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ contact.__class__ }}",
    "{{ contact.emails.__class__.__base__ }}",
    "{{ offenders[0].__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace() }}",
    "{{ range(10) | list }}",
    "{{ dict(a=1) }}",
    "{{ settings.SECRET_KEY }}",
    "{{ request.user }}",
    "{{ report.incident.owner.password }}",
    "{% include 'base.html' %}",
    "{% import 'x' as x %}",
    "{% extends 'base.html' %}",
    "{{ contact.emails.append('attacker@example.com') }}",
    "{{ contact.update({'name': 'x'}) }}",
    "{{ ''.format.__self__ }}",
    "{{ 'x'.__len__() }}",
    "{{ self._TemplateReference__context }}",
    "{% for x in offenders %}{{ loop.__class__ }}{% endfor %}",
    "{{ undefined_name }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_a_template_cannot_reach_beyond_its_placeholders(source):
    with pytest.raises(TemplateProblem):
        render(source, sample_context())


def test_the_sandbox_leaves_the_values_a_template_is_given_unchanged():
    context = sample_context()
    with pytest.raises(TemplateProblem):
        render("{{ contact.emails.append('x') }}{{ contact.emails.pop() }}", context)
    assert context["contact"]["emails"] == ["abuse@example.net"]


def test_a_template_that_loops_without_end_is_stopped_by_the_output_cap():
    source = "{% for o in offenders %}" * 6 + "{{ 'x' * 100000 }}" + "{% endfor %}" * 6
    with pytest.raises(TemplateProblem, match="grows beyond"):
        render(source, {**sample_context(), "offenders": [1] * 50})


def test_string_formatting_cannot_reach_attributes_either():
    with pytest.raises(TemplateProblem):
        render("{{ '{0.__class__}'.format(contact) }}", sample_context())


def test_every_shipped_template_renders_with_the_documented_placeholders():
    for values in default_templates():
        assert check(values["subject"], values["body"]) == []
        text = render(values["body"], sample_context())
        assert "ABD-2026-0001" in text and "UTC" in text and "Europe/Berlin" in text
        assert "SHA-256" in text and "follow up" in text and "Jane Admin" in text


def test_a_template_ships_for_every_incident_category_in_english(db):
    shipped = set(ReportTemplate.objects.filter(active=True, language="en")
                  .values_list("category", flat=True))
    assert shipped == set(Category.values)


def test_the_template_for_a_report_falls_back_from_language_to_english_and_to_any_category(db):
    german = ReportTemplate.objects.create(name="Login DE", category=Category.LOGIN_ATTACK,
                                           language="de", subject="s", body="b")
    general_fr = ReportTemplate.objects.create(name="Any FR", category="", language="fr",
                                               subject="s", body="b")
    english_login = ReportTemplate.objects.get(category=Category.LOGIN_ATTACK, language="en")
    assert ReportTemplate.for_report(Category.LOGIN_ATTACK, "de") == german
    assert ReportTemplate.for_report(Category.LOGIN_ATTACK, "nl") == english_login
    assert ReportTemplate.for_report(Category.LOGIN_ATTACK, "fr") == english_login
    assert ReportTemplate.for_report(Category.SPAM, "fr").category == Category.SPAM
    ReportTemplate.objects.filter(category=Category.SPAM).update(active=False)
    assert ReportTemplate.for_report(Category.SPAM, "fr") == general_fr
    assert ReportTemplate.for_report(Category.SPAM, "en") is None


# --- Pages -----------------------------------------------------------------------------------


def form_values(template, **changes):
    values = {"name": template.name, "category": template.category, "language": template.language,
              "subject": template.subject, "body": template.body, "active": "on"}
    values.update(changes)
    return values


def test_saving_a_template_that_does_not_render_shows_the_error_on_the_edit_page(client_for, admin_user):
    template = ReportTemplate.objects.get(category=Category.PORT_SCAN, language="en")
    response = client_for(admin_user).post(
        reverse("reports:template_edit", args=[template.pk]),
        form_values(template, body="Hello {{ contact.nmae }}\n{{ ''.__class__ }}"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Text: " in page and "contact.nmae" not in ReportTemplate.objects.get(pk=template.pk).body
    assert "has no attribute" in page or "undefined" in page.lower()


def test_an_admin_saves_a_template_and_the_change_is_audited(client_for, admin_user):
    template = ReportTemplate.objects.get(category=Category.PORT_SCAN, language="en")
    response = client_for(admin_user).post(
        reverse("reports:template_edit", args=[template.pk]),
        form_values(template, body="Dear {{ contact.name }}, see {{ reference }}.\n"))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "Dear {{ contact.name }}, see {{ reference }}.\n"
    event = Event.objects.get(action="template_edit", object_id=str(template.pk))
    assert event.before["body"] != event.after["body"] and event.actor == admin_user


def test_a_second_active_template_for_the_same_category_and_language_is_refused(client_for, admin_user):
    template = ReportTemplate.objects.get(category=Category.PORT_SCAN, language="en")
    response = client_for(admin_user).post(reverse("reports:template_new"),
                                           form_values(template, name="Another"))
    assert response.status_code == 200
    assert "Another active template has this category and language" in response.content.decode()
    assert ReportTemplate.objects.filter(category=Category.PORT_SCAN).count() == 1


def test_responders_read_templates_but_only_admins_change_them(client_for, responder, viewer):
    template = ReportTemplate.objects.first()
    assert client_for(viewer).get(reverse("reports:templates")).status_code == 200
    for user in (responder, viewer):
        client = client_for(user)
        assert client.get(reverse("reports:template_edit", args=[template.pk])).status_code == 403
        assert client.post(reverse("reports:template_new"), form_values(template)).status_code == 403


def test_the_template_list_documents_every_placeholder(client_for, viewer):
    page = client_for(viewer).get(reverse("reports:templates")).content.decode()
    for name in ("contact.name", "offenders", "first_seen_utc", "follow_up_at", "reporter.phone"):
        assert f'<td class="mono">{name}</td>' in page
