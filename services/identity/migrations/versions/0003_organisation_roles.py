"""The organisation tree (branches), roles bundling permissions and the
users' roles in place of a permission list on each user; users get a version,
a temporary-password flag and MFA columns. The built-in roles are created
here: admin, warehouse_clerk, buyer, sales_rep, accountant, manager, auditor.

Revision ID: 0003
Revises: 0002
"""

import json
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLE_NAMESPACE = uuid.UUID("6f1c9a52-3f0e-4c55-9d55-6a0c2f7e1b01")
BUILTIN_ROLES = {  # a snapshot: later changes to the defaults need a migration of their own
    "admin": ("Everything, including users, roles and keys", [
        "*"]),
    "warehouse_clerk": ("Receives, issues, counts and moves stock", [
        "inventory:read", "inventory:post", "inventory:adjust", "inventory:transfer",
        "procurement:read", "procurement:receive", "sales:read", "sales:ship"]),
    "buyer": ("Buys from suppliers", [
        "procurement:read", "procurement:write", "procurement:submit", "procurement:receive",
        "procurement:return", "supplier:read", "supplier:write", "inventory:read",
        "reporting:read"]),
    "sales_rep": ("Sells to customers", [
        "sales:read", "sales:write", "sales:confirm", "sales:cancel", "sales:return",
        "crm:read", "crm:write", "inventory:read", "reporting:read"]),
    "accountant": ("Keeps the books", [
        "finance:read", "finance:post", "finance:invoice", "finance:pay", "finance:close",
        "sales:read", "procurement:read", "crm:read", "supplier:read", "reporting:read",
        "reporting:export"]),
    "manager": ("Approves, sets credit and prices, sees everything of the business", [
        "inventory:read", "inventory:export", "procurement:read", "procurement:approve",
        "sales:read", "sales:price_override", "finance:read", "finance:credit", "crm:read",
        "supplier:read", "reporting:read", "reporting:export", "identity:read"]),
    "auditor": ("Reads everything and the audit trail; changes nothing", [
        "identity:read", "identity:audit", "inventory:read", "procurement:read", "sales:read",
        "finance:read", "crm:read", "supplier:read", "reporting:read"]),
}


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "branch",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), sa.ForeignKey("branch.id")),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
    )
    op.create_index("ix_branch_code", "branch", ["code"], unique=True)
    op.create_index("ix_branch_parent_id", "branch", ["parent_id"])

    role = op.create_table(
        "role",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("permissions", JSONB(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(),
                  nullable=False),
    )
    op.create_index("ix_role_name", "role", ["name"], unique=True)
    op.bulk_insert(role, [
        {"id": uuid.uuid5(ROLE_NAMESPACE, name), "name": name, "description": description,
         "permissions": permissions, "builtin": True, "version": 1}
        for name, (description, permissions) in BUILTIN_ROLES.items()])

    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("role_id", sa.Uuid(), sa.ForeignKey("role.id", ondelete="RESTRICT"),
                  primary_key=True),
    )
    op.create_index("ix_user_role_role_id", "user_role", ["role_id"])

    # Each user's permission list becomes roles: "*" is the admin role, any
    # other list a role of its own.
    bind = op.get_bind()
    admin_id = uuid.uuid5(ROLE_NAMESPACE, "admin")
    users = bind.execute(sa.text("SELECT id, username, permissions FROM app_user")).all()
    for user_id, username, permissions in users:
        permissions = sorted(set(permissions or []))
        if not permissions:
            continue
        if permissions == ["*"]:
            role_id = admin_id
        else:
            role_id = uuid.uuid4()
            bind.execute(sa.text(
                "INSERT INTO role (id, name, description, permissions, builtin, version) "
                "VALUES (:id, :name, :description, CAST(:permissions AS jsonb), false, 1)"),
                {"id": role_id, "name": f"legacy-{str(user_id)[:8]}",
                 "description": f"permissions {username} held before roles existed",
                 "permissions": json.dumps(permissions)})
        bind.execute(sa.text("INSERT INTO user_role (user_id, role_id) VALUES (:u, :r)"),
                     {"u": user_id, "r": role_id})

    for name, column in (
        ("must_change_password", sa.Column("must_change_password", sa.Boolean(),
                                           server_default=sa.false(), nullable=False)),
        ("mfa_enabled", sa.Column("mfa_enabled", sa.Boolean(), server_default=sa.false(),
                                  nullable=False)),
        ("version", sa.Column("version", sa.Integer(), server_default="1", nullable=False)),
    ):
        op.add_column("app_user", column)
        op.alter_column("app_user", name, server_default=None)
    op.add_column("app_user", sa.Column("password_changed_at", sa.DateTime(timezone=True)))
    op.add_column("app_user", sa.Column("mfa_secret", sa.String(64)))
    op.add_column("app_user", sa.Column("mfa_pending_secret", sa.String(64)))
    op.add_column("app_user", sa.Column("mfa_last_step", sa.BigInteger()))
    op.add_column("app_user", sa.Column("updated_at", sa.DateTime(timezone=True),
                                        server_default=_now(), nullable=False))
    op.drop_column("app_user", "permissions")


def downgrade() -> None:
    op.add_column("app_user", sa.Column("permissions", JSONB(), server_default="[]",
                                        nullable=False))
    op.execute("""
        UPDATE app_user u SET permissions = COALESCE((
            SELECT jsonb_agg(DISTINCT p) FROM user_role ur JOIN role r ON r.id = ur.role_id,
                   jsonb_array_elements_text(r.permissions) p
            WHERE ur.user_id = u.id), '[]'::jsonb)
    """)
    op.alter_column("app_user", "permissions", server_default=None)
    for column in ("updated_at", "mfa_last_step", "mfa_pending_secret", "mfa_secret",
                   "password_changed_at", "version", "mfa_enabled", "must_change_password"):
        op.drop_column("app_user", column)
    op.drop_table("user_role")
    op.drop_table("role")
    op.drop_table("branch")
