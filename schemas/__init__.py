"""Record models and warehouse DDL."""
