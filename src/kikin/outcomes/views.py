"""Pages of filings, money that comes back, final evaluations and practical use."""
