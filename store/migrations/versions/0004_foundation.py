"""unit of work and phase runs: columns the foundation work needs (filled by it)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    _upgrade_phase_run_owner()


def downgrade() -> None:
    _downgrade_phase_run_owner()


# --- phase runs: the process that runs each (issue 7 part 6, stale runs marked Crashed) ---


def _upgrade_phase_run_owner() -> None:
    with op.batch_alter_table("phaserun", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", _str(length=255), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("process_start", _str(length=64), nullable=False, server_default="")
        )


def _downgrade_phase_run_owner() -> None:
    with op.batch_alter_table("phaserun", schema=None) as batch_op:
        batch_op.drop_column("process_start")
        batch_op.drop_column("pid")
        batch_op.drop_column("host")


# --- end of phase runs ---
