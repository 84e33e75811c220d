"""The ISO 4217 currencies, as data (kamavor.lib.currencies)."""

from django.db import migrations

from kamavor.lib.currencies import ISO_4217


def add_currencies(apps, schema_editor):
    Currency = apps.get_model("money", "Currency")
    known = set(Currency.objects.values_list("code", flat=True))
    Currency.objects.bulk_create(
        Currency(code=code, exponent=exponent)
        for code, exponent in ISO_4217.items()
        if code not in known
    )


class Migration(migrations.Migration):
    dependencies = [("money", "0001_initial")]

    operations = [migrations.RunPython(add_currencies, migrations.RunPython.noop)]
