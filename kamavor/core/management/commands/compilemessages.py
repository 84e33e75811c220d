"""Compile translations without GNU gettext (replaces Django's command of the same name)."""

from django.core.management.base import BaseCommand

from kamavor.core.translations import catalogues, compile_catalogue


class Command(BaseCommand):
    help = "Compile Kamavor's .po catalogues into .mo files (pure Python)."

    def handle(self, *args, **options) -> None:
        for po_path in catalogues():
            mo_path = compile_catalogue(po_path)
            self.stdout.write(f"compiled {mo_path.parent.parent.name}: {mo_path.name}")
