# Exercise 02-warm-counter: return {"calls": N}, N counting this environment's calls.


def lambda_handler(event, context):
    calls = 0
    calls += 1
    return {"calls": calls}
