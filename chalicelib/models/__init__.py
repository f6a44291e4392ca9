"""The single DynamoDB table: the base record and its GSIs, the key builders (keys.py, the reference is
docs/keys.md), one module of PynamoDB records per feature, the DynamoDB error mapping and transactions
(errors.py), cursor paging (paging.py) and the generic dataclass ↔ record mapping (mapping.py).

Records only: no business rules. Features read and write them through their own repositories.
"""
