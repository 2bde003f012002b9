"""The built-in roles get procurement's newer permissions: buyers raise
requisitions, managers approve above the higher thresholds and set approval
rules. Only built-in roles are touched; a permission the role already holds
is not added twice, and the downgrade removes only what this added.

Revision ID: 0006
Revises: 0005
"""

import json

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ADDED = {
    "buyer": ["procurement:requisition"],
    "manager": ["procurement:approve_high", "procurement:manage"],
}


def upgrade() -> None:
    for name, permissions in ADDED.items():
        op.get_bind().execute(text(
            "UPDATE role SET permissions = (SELECT jsonb_agg(DISTINCT p ORDER BY p) FROM "
            "jsonb_array_elements_text(permissions || CAST(:added AS jsonb)) p), "
            "version = version + 1, updated_at = now() "
            "WHERE name = :name AND builtin AND NOT permissions @> CAST(:added AS jsonb)"),
            {"name": name, "added": json.dumps(permissions)})


def downgrade() -> None:
    for name, permissions in ADDED.items():
        op.get_bind().execute(text(
            "UPDATE role SET permissions = COALESCE((SELECT jsonb_agg(p ORDER BY p) FROM "
            "jsonb_array_elements_text(permissions) p WHERE p <> ALL(:removed)), '[]'), "
            "version = version + 1, updated_at = now() WHERE name = :name AND builtin"),
            {"name": name, "removed": permissions})
