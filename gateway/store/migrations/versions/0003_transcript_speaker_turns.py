"""transcript speaker turns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Who spoke when, overlaps included: [{"start", "end", "speaker"}], empty where diarization did not run.
    with op.batch_alter_table("transcripts") as batch:
        batch.add_column(sa.Column("speaker_turns", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("transcripts") as batch:
        batch.drop_column("speaker_turns")
