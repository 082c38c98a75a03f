#!/bin/bash
# Exercise 02b-bash-runtime: a bootstrap for provided.al2023. Make it answer each event.
set -uo pipefail
source "$LAMBDA_TASK_ROOT/function.sh"                 # defines handler(), which prints the result
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(sed -n 's/^Lambda-Runtime-Aws-Request-Id: *//Ip' "$HEADERS" | tr -d '\r')
  RESULT=$(handler "$EVENT")
  curl -sS -X POST "$API/invocation/$ID/response" -d "$RESULT" > /dev/null
  rm -f "$HEADERS"
done
