# Exercise 14-fan-out-filters: each subscriber of the topic gets only the messages it needs.
# Message attributes: event (String), amount (Number), country (String).
FILTER_POLICIES: dict[str, dict] = {
    "billing": {},
    "warehouse": {},
}
