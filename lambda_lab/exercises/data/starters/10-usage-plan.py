# Exercise 10-usage-plan: the usage plan of the catalog API's basic partners.
# Each partner may send a burst of at most 5 requests at once, then 2 a second,
# and at most 100 requests a day. Requests without a partner's API key are refused.

USAGE_PLAN = {
    "throttle": {"rateLimit": 100, "burstLimit": 2},
    "quota": {"limit": 100, "period": "MONTH"},
}

API_KEY_REQUIRED = False  # the GET /products method's apiKeyRequired
