# Exercise 05-serve-png: answer the ALB with this PNG image.
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAE0lEQVR4nGP8P5MBK2DCLjxYJQBDpgGosFNuyQAAAABJRU5ErkJggg=="


def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "body": PNG_BASE64,
    }
