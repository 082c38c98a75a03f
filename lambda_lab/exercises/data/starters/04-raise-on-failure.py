# Exercise 04-raise-on-failure: a bad order must count as a failure.


def lambda_handler(event, context):
    if "amount" not in event:
        return {"error": f"order {event.get('order')} has no amount"}
    return {"order": event["order"], "charged": event["amount"]}
