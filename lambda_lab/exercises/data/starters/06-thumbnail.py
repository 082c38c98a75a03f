# Exercise 06-thumbnail: S3 upload -> thumbnail (<= 128 x 128, PNG) -> item in DynamoDB.
import io
import os
import urllib.parse

import boto3
from PIL import Image


def lambda_handler(event, context):
    for record in event["Records"]:
        print("new object:", record["s3"]["object"]["key"])
        # TODO: read the image, make the thumbnail, store it, record it in the table
    return {"thumbnails": 0}
