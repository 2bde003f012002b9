from jxc.platform.db.migrations import run_env
from jxc.reporting.adapters.tables import metadata

run_env(metadata)
