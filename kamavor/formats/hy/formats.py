"""Armenian: the month comes first, in the genitive, then the day: «դեկտեմբերի 2»
(E is the genitive month name, translated in Kamavor's catalogue under "alt. month")."""

DATE_FORMAT = "Y թ. E j"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y թ. E j, H:i"
YEAR_MONTH_FORMAT = "F Y թ."
MONTH_DAY_FORMAT = "E j"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
# Kamavor's own: a shift's start, with the weekday ("չորեքշաբթի, դեկտեմբերի 2, 10:00").
WEEKDAY_DATETIME_FORMAT = "l, E j, H:i"
