from jxc.crm.adapters.tables import metadata
from jxc.platform.db.migrations import run_env

run_env(metadata)
