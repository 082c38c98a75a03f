# Exercise 10-order-model: the model POST /orders validates bodies against.
# An order is an object with "item" (a non-empty string) and "quantity" (a whole number
# from 1 to 10), and nothing else.

ORDER_MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Order",
    "type": "object",
    "required": ["item", "quantity"],
    "additionalProperties": False,
    "properties": {
        "item": {"type": "string", "minLength": 1},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 10},
    },
}
