"""In-memory fakes of the repository ports, one module per feature. Not shipped to Lambda.

Each fake runs the same contract tests as its DynamoDB twin (tests/contract), so a service tested
against the fake behaves the same against the table.
"""
