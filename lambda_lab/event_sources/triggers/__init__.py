"""Services that push events to a function: S3 notifications, SNS, EventBridge rules and schedules."""
