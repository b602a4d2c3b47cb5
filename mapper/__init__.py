"""grcim.mapper: scheduling of workload graphs onto chips, pricing, results and reports."""
