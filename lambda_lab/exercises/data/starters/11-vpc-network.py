# Exercise 11-vpc-network: the orders function runs in a private subnet of its VPC. It must
# reach the payment provider on the internet, S3 (a lot of traffic: keep it off the NAT
# gateway), Secrets Manager, and the PostgreSQL database in the same subnet (port 5432).
# Switch on what the network needs.

NETWORK = {
    "nat_gateway": False,
    "private_route_to_internet_gateway": True,
    "s3_gateway_endpoint": False,
    "secretsmanager_interface_endpoint": False,
    "database_allows_function": False,
}
