"""Contract tests: one suite per port, run against its in-memory fake and its AWS twin (moto)."""
