# Exercise 07-provisioned: 2 provisioned environments behind the alias "live".


def setup(client):
    version = client.publish_version(FunctionName="catalog")["Version"]
    client.create_alias(FunctionName="catalog", Name="live", FunctionVersion=version)
    client.put_provisioned_concurrency_config(
        FunctionName="catalog", Qualifier="live", ProvisionedConcurrentExecutions=2
    )
