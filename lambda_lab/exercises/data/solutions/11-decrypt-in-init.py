# Exercise 11-decrypt-in-init: the payments function gets its database password in the
# environment variable DB_PASSWORD, encrypted with KMS (base64 text, encrypted with the
# encryption context {"LambdaFunctionName": <the function's name>}).
# Return {"password_length": <length of the plain password>}; call KMS as rarely as you can.
import base64
import os

import boto3

kms = boto3.client("kms")
# Init code: runs once per execution environment, so KMS is called once, not per request.
PASSWORD = kms.decrypt(
    CiphertextBlob=base64.b64decode(os.environ["DB_PASSWORD"]),
    EncryptionContext={"LambdaFunctionName": os.environ["AWS_LAMBDA_FUNCTION_NAME"]},
)["Plaintext"].decode()


def lambda_handler(event, context):
    return {"password_length": len(PASSWORD)}
