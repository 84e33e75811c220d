"""Date and number formats per language (FORMAT_MODULE_PATH): Django ships none for Armenian,
and its Russian month-day format uses the nominative ("2 Декабрь")."""
