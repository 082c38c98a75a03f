# Exercise 02-warm-counter: return {"calls": N}, N counting this environment's calls.
calls = 0  # runs once per environment, at its cold start


def lambda_handler(event, context):
    global calls
    calls += 1
    return {"calls": calls}
