"""The other AWS services a function talks to (S3, SQS, SNS, DynamoDB, Kinesis, EventBridge,
CloudWatch Logs), served by moto on one loopback endpoint that also answers Lambda itself.

:class:`~lambda_lab.aws.endpoint.LabEndpoint` is the endpoint; ``lab.client("s3")`` and
every worker's ``boto3.client(...)`` reach it. :mod:`.delivery` sends the Lab's own messages
(dead letters, destination records, rule targets) through it.
"""
