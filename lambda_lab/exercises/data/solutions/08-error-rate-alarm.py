# Exercise 08-error-rate-alarm: page on the share of failing calls, not their number.
ALARM = {
    "Metrics": [
        {
            "Id": "errors",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "checkout"}],
                },
                "Period": 60,
                "Stat": "Sum",
            },
            "ReturnData": False,
        },
        {
            "Id": "calls",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": "checkout"}],
                },
                "Period": 60,
                "Stat": "Sum",
            },
            "ReturnData": False,
        },
        {"Id": "rate", "Expression": "100 * errors / calls", "Label": "error rate (%)"},
    ],
    "EvaluationPeriods": 1,
    "Threshold": 10,
    "ComparisonOperator": "GreaterThanThreshold",
}
