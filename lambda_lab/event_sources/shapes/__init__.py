"""The events AWS services hand to a function, and the records Lambda sends onward."""
