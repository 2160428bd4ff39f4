"""English number formats: 1,234.56; unambiguous dates (Dec 31, 2024)."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y H:i"
