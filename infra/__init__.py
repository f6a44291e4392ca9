"""Clientele's infrastructure as code: one CDK stack per stage around the Chalice app (`make synth`)."""
