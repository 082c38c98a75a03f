# Exercise 06-thumbnail: S3 upload -> thumbnail (<= 128 x 128, PNG) -> item in DynamoDB.
import io
import os
import urllib.parse

import boto3
from PIL import Image

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        image = Image.open(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        width, height = image.size
        image.thumbnail((128, 128))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        thumbnail_key = f"thumbnails/{key.rsplit('.', 1)[0]}.png"
        s3.put_object(Bucket=os.environ["THUMBNAIL_BUCKET"], Key=thumbnail_key,
                      Body=buffer.getvalue(), ContentType="image/png")
        table.put_item(Item={"key": key, "width": width, "height": height, "thumbnail": thumbnail_key})
    return {"thumbnails": len(event["Records"])}
