"""audit keyed chain, chain heads on sign-offs and documents, evidence names (integrity work)

Entries already written keep scheme "sha256" (plain hash); new ones are keyed (HMAC-SHA256)
and carry the digests of the rows they produced.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scheme", _str(length=16), nullable=False, server_default="sha256")
        )
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=True))
    for table in ("signoff", "document"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("chain_hash", _str(length=64), nullable=True))
    with op.batch_alter_table("checklistentry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_name", _str(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checklistentry", schema=None) as batch_op:
        batch_op.drop_column("evidence_name")
    for table in ("document", "signoff"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("chain_hash")
            batch_op.drop_column("chain_seq")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_column("state")
        batch_op.drop_column("scheme")
