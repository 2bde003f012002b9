from jxc.platform.db.migrations import run_env
from jxc.supplier.adapters.tables import metadata

run_env(metadata)
