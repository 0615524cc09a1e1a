"""The `/schedule` words: grammar (text → Command), the operations, and the router between them."""
