# Exercise 10-token-authorizer: a TOKEN authorizer for the shop API.
# Valid tokens are "Bearer ana" and "Bearer ben" (a stand-in for checking a real JWT).

USERS = {"ana", "ben"}


def lambda_handler(event, context):
    token = event["authorizationToken"]
    user = token.removeprefix("Bearer ")
    effect = "Allow" if user in USERS else "Deny"
    return {
        "principalId": user,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
    }
