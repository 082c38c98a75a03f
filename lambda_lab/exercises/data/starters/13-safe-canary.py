# Exercise 13-safe-canary: release through a canary that an alarm can stop.
# Only the function's DeploymentPreference is missing; the alarm is there already.
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Release:
    Type: String
    Default: "1"
Resources:
  CheckoutFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      AutoPublishAlias: live
      Environment:
        Variables:
          RELEASE: !Ref Release
      InlineCode: |
        import os

        def handler(event, context):
            if os.environ["RELEASE"] == "broken":
                raise RuntimeError("this release is broken")
            return {"ok": True}

  CheckoutErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      Dimensions:
        - Name: FunctionName
          Value: !Ref CheckoutFunction
        - Name: Resource
          Value: !Sub "${CheckoutFunction}:live"
"""
