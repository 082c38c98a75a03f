# Exercise 07-provisioned: 2 provisioned environments behind the alias "live".


def setup(client):
    client.put_provisioned_concurrency_config(
        FunctionName="catalog", Qualifier="$LATEST", ProvisionedConcurrentExecutions=2
    )
