# Exercise 11-vpc-network: the orders function runs in a private subnet of its VPC. It must
# reach the payment provider on the internet, S3 (a lot of traffic: keep it off the NAT
# gateway), Secrets Manager, and the PostgreSQL database in the same subnet (port 5432).
# Switch on what the network needs.

NETWORK = {
    "nat_gateway": True,  # the only way out for interfaces without public IPs
    "private_route_to_internet_gateway": False,
    "s3_gateway_endpoint": True,  # S3 traffic stays inside AWS, free of NAT data charges
    "secretsmanager_interface_endpoint": False,  # reachable through the NAT already
    "database_allows_function": True,
}
