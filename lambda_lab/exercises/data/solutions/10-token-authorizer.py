# Exercise 10-token-authorizer: a TOKEN authorizer for the shop API.
# Valid tokens are "Bearer ana" and "Bearer ben" (a stand-in for checking a real JWT).

USERS = {"ana", "ben"}


def lambda_handler(event, context):
    token = event["authorizationToken"]
    user = token.removeprefix("Bearer ")
    if not token.startswith("Bearer ") or user not in USERS:
        raise Exception("Unauthorized")  # API Gateway answers 401
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> every method of the stage
    api_and_stage = event["methodArn"].split("/")[:2]
    every_method = "/".join(api_and_stage) + "/*"
    return {
        "principalId": user,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": every_method}],
        },
        "context": {"user": user},
    }
