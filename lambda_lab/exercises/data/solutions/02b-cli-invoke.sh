aws lambda invoke --function-name demo-lambda --payload '{"key1": "value1"}' response.json
