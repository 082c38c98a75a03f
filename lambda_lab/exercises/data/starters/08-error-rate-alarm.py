# Exercise 08-error-rate-alarm: page on the share of failing calls, not their number.
# This alarm counts errors. Quiet traffic with many failures never reaches 3, and busy
# traffic with a few failures passes it. Rewrite it as a metric math alarm (Metrics).
ALARM = {
    "Namespace": "AWS/Lambda",
    "MetricName": "Errors",
    "Dimensions": [{"Name": "FunctionName", "Value": "checkout"}],
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 3,
    "ComparisonOperator": "GreaterThanThreshold",
}
