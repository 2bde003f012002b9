"""The catalogue: category tree, several barcodes per product, unit
conversions, lot tracking and shelf life.

``product.barcode`` moves to ``product_barcode``: a valid GTIN is stored in
its normalised form (UPC-A with a leading 0, a GTIN-14 with indicator 0 without
it); anything else is kept as it was, so no data is lost — the product API then
asks for a valid barcode the next time that product's barcodes are changed.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _normalised(code: str) -> str:
    """The GS1 normal form of ``code`` (frozen copy of domain/barcodes.py)."""
    text = code.strip()
    if not (text.isascii() and text.isdigit() and len(text) in (8, 12, 13, 14)):
        return code
    body, check = text[:-1], int(text[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        return code
    if len(text) == 12:
        return "0" + text
    if len(text) == 14 and text[0] == "0":
        return text[1:]
    return text


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Uuid(),
                  sa.ForeignKey("category.id", name="fk_category_parent_id_category")),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index("ix_category_code", "category", ["code"], unique=True)
    op.create_index("ix_category_parent_id", "category", ["parent_id"])

    op.add_column("product", sa.Column("category_id", sa.Uuid(), nullable=True))
    op.create_foreign_key("fk_product_category_id_category", "product", "category",
                          ["category_id"], ["id"])
    op.create_index("ix_product_category_id", "product", ["category_id"])
    op.add_column("product", sa.Column("lot_tracked", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.alter_column("product", "lot_tracked", server_default=None)
    op.add_column("product", sa.Column("shelf_life_days", sa.Integer(), nullable=True))

    op.create_table(
        "product_barcode",
        sa.Column("barcode", sa.String(64), primary_key=True),
        sa.Column("product_id", sa.Uuid(),
                  sa.ForeignKey("product.id", ondelete="CASCADE",
                                name="fk_product_barcode_product_id_product"),
                  nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
    )
    op.create_index("ix_product_barcode_product_id", "product_barcode", ["product_id"])
    op.create_table(
        "product_unit",
        sa.Column("product_id", sa.Uuid(),
                  sa.ForeignKey("product.id", ondelete="CASCADE",
                                name="fk_product_unit_product_id_product"),
                  primary_key=True),
        sa.Column("unit", sa.String(20), primary_key=True),
        sa.Column("factor", sa.Numeric(18, 6), nullable=False),
    )

    bind = op.get_bind()
    legacy = bind.execute(sa.text(
        "SELECT id, unit, barcode FROM product WHERE barcode IS NOT NULL ORDER BY sku")).all()
    # Values already in normal form keep it; another that normalises to one of
    # them stays as it was (a normal form is never 12 digits or 0 + 13).
    taken = {row.barcode for row in legacy if _normalised(row.barcode) == row.barcode}
    moved = []
    for row in legacy:
        code = _normalised(row.barcode)
        if code != row.barcode:
            if code in taken:
                code = row.barcode
            taken.add(code)
        moved.append({"barcode": code, "product_id": row.id, "unit": row.unit, "position": 0})
    if moved:
        bind.execute(sa.text(
            "INSERT INTO product_barcode (barcode, product_id, unit, position) "
            "VALUES (:barcode, :product_id, :unit, :position)"), moved)
    op.drop_column("product", "barcode")


def downgrade() -> None:
    op.add_column("product", sa.Column("barcode", sa.String(64), unique=True))
    op.execute("UPDATE product SET barcode = b.barcode FROM product_barcode b "
               "WHERE b.product_id = product.id AND b.position = 0")
    op.drop_table("product_unit")
    op.drop_table("product_barcode")
    op.drop_column("product", "shelf_life_days")
    op.drop_column("product", "lot_tracked")
    op.drop_index("ix_product_category_id", table_name="product")
    op.drop_constraint("fk_product_category_id_category", "product", type_="foreignkey")
    op.drop_column("product", "category_id")
    op.drop_table("category")
