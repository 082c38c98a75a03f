"""What it costs: AWS's price table, metered usage, exact bills, and power tuning."""
