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
