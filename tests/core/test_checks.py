import pytest
from django.core.checks import run_checks


def _reported() -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True) if not m.is_silenced()}


def test_it_finds_the_pages_csrf_middleware():
    reported = _reported()
    assert "kamavor.E001" not in reported
    assert "security.W003" not in reported  # silenced: ours stands for it


def test_it_errs_without_csrf_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("Csrf")]
    assert "kamavor.E001" in _reported()


@pytest.mark.django_db
def test_it_warns_where_postgresqls_autovacuum_is_off():
    from django.db import connection

    reported = {m.id for m in run_checks(tags=["database"], databases=["default"])}
    if connection.vendor != "postgresql":
        assert "kamavor.W001" not in reported
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        off = cursor.fetchone()[0] != "on"
    assert ("kamavor.W001" in reported) is off
