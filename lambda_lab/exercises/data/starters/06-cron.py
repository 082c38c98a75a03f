# Exercise 06-cron: 08:30 UTC, Monday to Friday.
SCHEDULE = "cron(30 8 * * MON-FRI *)"
