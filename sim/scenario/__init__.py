"""Scenario files: safe YAML loading, the schema, `extends`, evidence ids."""
