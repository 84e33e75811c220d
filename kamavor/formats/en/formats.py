"""English, written the way the rest of the network writes dates: day before month."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1
# Kamavor's own: a shift's start, with the weekday ("Wed 2 December, 10:00").
WEEKDAY_DATETIME_FORMAT = "D j F, H:i"
