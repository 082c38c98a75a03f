aws lambda invoke --function-name demo-lambda --invocation-type Event --payload '{"key1": "value1"}' response.json
