# Capstone: an upload service. HTTP API -> S3 -> ingest -> DynamoDB -> SQS -> process (retries, DLQ).
import json

API = '''
import json


def lambda_handler(event, context):
    # POST /uploads {"name": ..., "content": ...}: store the content in S3 at uploads/<name>, answer 202 {"key": ...}
    # GET /uploads/{name}: answer 200 {"key", "status", "size"} from the table "files", or 404
    return {"statusCode": 501, "body": json.dumps({"message": "not built yet"})}
'''

INGEST = '''
def lambda_handler(event, context):
    # For each S3 record: put {"key", "size", "status": "received"} in "files", send {"bucket", "key"} to the work queue
    pass
'''

PROCESS = '''
def lambda_handler(event, context):
    # For each SQS record: read the object; content starting with "poison" fails (report it in batchItemFailures);
    # otherwise set the item's status to "processed"
    return {"batchItemFailures": []}
'''


def queue_arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def build(lab):
    """Create the whole application in `lab`; return its HTTP front door."""
    s3, sqs, dynamodb, client = (lab.client(name) for name in ("s3", "sqs", "dynamodb", "lambda"))
    s3.create_bucket(Bucket="uploads")
    # TODO: the table "files" (key "key", a string), the queues "work" and "work-dlq" (redrive after 3 receives)
    lab.deploy("api", API, Timeout=10)
    # TODO: deploy "ingest" (with QUEUE_URL) and "process"; S3 notification to ingest; SQS mapping to process
    return lab.http_api("uploads-api", {"POST /uploads": "api", "GET /uploads/{name}": "api"})
