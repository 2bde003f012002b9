from jxc.platform.db.migrations import run_env
from jxc.procurement.adapters.tables import metadata

run_env(metadata)
