"""Fuzzing the config front door (issue 21): `harness` generates and runs configs."""
