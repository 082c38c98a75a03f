# Exercise 11-decrypt-in-init: the payments function gets its database password in the
# environment variable DB_PASSWORD, encrypted with KMS (base64 text, encrypted with the
# encryption context {"LambdaFunctionName": <the function's name>}).
# Return {"password_length": <length of the plain password>}; call KMS as rarely as you can.
import base64
import os

import boto3

kms = boto3.client("kms")


def lambda_handler(event, context):
    blob = base64.b64decode(os.environ["DB_PASSWORD"])
    password = kms.decrypt(CiphertextBlob=blob)["Plaintext"].decode()
    return {"password_length": len(password)}
