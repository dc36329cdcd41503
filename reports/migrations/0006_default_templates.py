from django.db import migrations


def seed(apps, schema_editor):
    from reports.default_templates import default_templates

    ReportTemplate = apps.get_model("reports", "ReportTemplate")
    for values in default_templates():
        if not ReportTemplate.objects.filter(category=values["category"], language=values["language"],
                                             active=True).exists():
            ReportTemplate.objects.create(**values)


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_report_composing")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
