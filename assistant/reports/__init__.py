"""Reports: evaluation, fitting and calibration, ablations, coverage and insights for policy staff, batch
runs, benchmarks. Clients of the Assistant (assistant/service.py); nothing in the answer path imports them."""
