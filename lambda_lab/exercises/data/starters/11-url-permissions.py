# Exercise 11-url-permissions: the webhook function has a function URL with AuthType NONE,
# created after October 2025. Anyone on the internet must be able to call the URL, but
# nobody outside the account may call the function's Invoke API directly.
# PERMISSIONS holds the parameters of each AddPermission call (besides FunctionName and
# StatementId, which the check adds).

PERMISSIONS = [
    {"Action": "lambda:InvokeFunctionUrl", "Principal": "*", "FunctionUrlAuthType": "NONE"},
]
