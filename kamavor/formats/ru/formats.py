"""Russian: day, then the month in the genitive: «2 декабря» (Django's own MONTH_DAY_FORMAT
gives the nominative)."""

from django.conf.locale.ru.formats import *  # noqa: F403

MONTH_DAY_FORMAT = "j E"
TIME_FORMAT = "H:i"
# Kamavor's own: a shift's start, with the weekday ("ср, 2 декабря, 10:00").
WEEKDAY_DATETIME_FORMAT = "D, j E, H:i"
