"""Complaints, suggestions and information requests, with a public tracking code."""
