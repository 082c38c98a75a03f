# Exercise 05-serve-png: answer the ALB with this PNG image.
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAE0lEQVR4nGP8P5MBK2DCLjxYJQBDpgGosFNuyQAAAABJRU5ErkJggg=="


def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": PNG_BASE64,
        "isBase64Encoded": True,
    }
