# Exercise 02b-weighted-alias: 90 % of calls to version 1, 10 % to version 2.
ALIAS = {
    "Name": "live",
    "FunctionVersion": "2",
}
