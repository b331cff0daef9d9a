"""accounts, password hashes, API tokens, failed log-in counters (the identity work)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", _str(), nullable=False, server_default=""))
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("meaning", _str(length=16), nullable=False, server_default="approved")
        )
        batch_op.add_column(sa.Column("signer_name", _str(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signer_title", _str(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("proven_by", _str(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scan_sha256", _str(length=64), nullable=True))
        batch_op.add_column(sa.Column("scan_path", _str(), nullable=True))
        batch_op.create_foreign_key(
            "fk_signoff_recorded_by_id_person", "person", ["recorded_by_id"], ["id"]
        )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", _str(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_pmo", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("password_changed_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_person_id"), ["person_id"], unique=True)

    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", _str(length=64), nullable=False),
        sa.Column("kind", _str(length=16), nullable=False),
        sa.Column("token_sha256", _str(length=64), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("expires_at", _ts, nullable=False),
        sa.Column("revoked_at", _ts, nullable=True),
        sa.Column("last_used_at", _ts, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apitoken_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_apitoken_token_sha256"), ["token_sha256"], unique=True)

    op.create_table(
        "loginthrottle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", _str(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _ts, nullable=True),
        sa.Column("blocked_until", _ts, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loginthrottle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loginthrottle_handle"), ["handle"], unique=True)


def downgrade() -> None:
    for table, indexes in (
        ("loginthrottle", ["ix_loginthrottle_handle"]),
        ("apitoken", ["ix_apitoken_token_sha256", "ix_apitoken_person_id"]),
        ("account", ["ix_account_person_id"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_constraint("fk_signoff_recorded_by_id_person", type_="foreignkey")
        for column in (
            "scan_path", "scan_sha256", "recorded_by_id", "proven_by", "signer_title",
            "signer_name", "meaning",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("title")
