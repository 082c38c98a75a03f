# Exercise 14-retry-catch: retry what can pass on a second try, catch what cannot.
# The functions: charge (arn:aws:lambda:us-east-1:123456789012:function:charge) raises
# ConnectionError when the payment service is down and ValueError for a declined card;
# refund (arn:...:function:refund) gives the money back.
DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
            "Retry": [
                {
                    "ErrorEquals": ["ConnectionError"],
                    "IntervalSeconds": 1,
                    "MaxAttempts": 3,
                    "BackoffRate": 1.0,
                }
            ],
            "Catch": [
                {"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Refund"}
            ],
            "End": True,
        },
        "Refund": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:refund",
            "End": True,
        },
    },
}
