"""API and event contracts: committed OpenAPI documents and JSON Schemas, and their tests."""
