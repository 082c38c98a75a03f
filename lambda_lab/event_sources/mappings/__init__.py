"""Event source mappings: pollers that read SQS and streams and invoke a function with batches."""
