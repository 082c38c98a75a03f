# Exercise 10-jwt-authorizer: the shop's HTTP API, guarded by its Cognito user pool.
# Users sign in through the pool's app client WEB_CLIENT (the shop's web app). The same pool
# has a second app client, REPORTS_CLIENT (a reporting tool), whose tokens must not get in.
# The check creates the pool and both clients, then puts the real issuer URL and client IDs
# where the texts "ISSUER", "WEB_CLIENT" and "REPORTS_CLIENT" stand.

# CreateAuthorizer's JwtConfiguration (type JWT, identity source $request.header.Authorization)
JWT_CONFIGURATION = {
    "Issuer": "ISSUER",
    "Audience": ["WEB_CLIENT"],  # only the web app's tokens: aud (ID) or client_id (access)
}

# Each route's UpdateRoute settings (AuthorizationType NONE or JWT, and its scopes)
ROUTES = {
    "GET /orders": {"AuthorizationType": "JWT", "AuthorizationScopes": []},
    "POST /orders": {
        "AuthorizationType": "JWT",
        "AuthorizationScopes": ["aws.cognito.signin.user.admin"],  # access tokens only
    },
}
