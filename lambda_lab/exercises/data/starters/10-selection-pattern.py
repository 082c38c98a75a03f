# Exercise 10-selection-pattern: GET /orders/{id} uses a Lambda custom (non-proxy) integration.
# For an unknown order the function raises LookupError("Not found: order <id>"). Clients
# should then get 404 with {"error": "<that message>"}; today they get 200.

INTEGRATION_RESPONSES = [
    {"statusCode": 200},
    {
        "statusCode": 404,
        "selectionPattern": "Not found",
        "responseTemplates": {"application/json": "{\"error\": \"$input.path('$.errorMessage')\"}"},
    },
]
