"""Customer addresses: the service, its repository (port + DynamoDB), the address list's filters
and schemas."""
