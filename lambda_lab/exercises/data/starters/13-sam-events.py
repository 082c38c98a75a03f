# Exercise 13-sam-events: the worker should get every message of the queue.
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30

  OrderWorker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 10
      InlineCode: |
        import json

        def handler(event, context):
            for record in event["Records"]:
                print("order", json.loads(record["body"])["order"])
      Events:
        NewOrders:
          Type: SQS
          Properties:
            Queue: !Ref OrdersQueue
            BatchSize: 10
"""
