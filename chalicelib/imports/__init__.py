"""CSV imports and exports of customers and addresses: the runner (resumable past a Lambda deadline),
layouts of the systems merchants come from, value readers, previews, saved mappings, legacy password
hashes and the plaintext-password workers, CSV reading and writing, export layouts.
"""
