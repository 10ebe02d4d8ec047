"""Evidence: what a lead's page was, captured when it was found.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

- captures: one per captured page of a lead's target (listing, shop or ad), with the body's
  hash, when, and the hash and path of its manifest.
- capture_files: the capture's files (body as served, WARC, screenshots, manifest), each with
  its SHA-256, size and media type; the files lie content-addressed in the data directory.
- custody_head: the seq and hash of the custody log's newest line (one row).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0001 = importlib.import_module("store.migrations.versions.0001_initial")


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), nullable=False),
        *_0001._target("captures"),
        sa.Column("sweep_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("page_sha256", sa.String(length=64), nullable=False),
        sa.Column("captured_at", _0001.TIMESTAMP, nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("manifest_path", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_captures"),
        sa.ForeignKeyConstraint(["sweep_id"], ["sweeps.id"], name="fk_captures_sweep_id_sweeps"),
    )
    for column in ("listing_id", "shop_id", "ad_id", "sweep_id", "page_sha256"):
        op.create_index(f"ix_captures_{column}", "captures", [column])
    op.create_table(
        "capture_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_capture_files"),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["captures.id"],
            name="fk_capture_files_capture_id_captures",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("capture_id", "role", name="uq_capture_files_capture_id_role"),
    )


    op.create_table(
        "custody_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", _0001.TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custody_head"),
    )


def downgrade() -> None:
    op.drop_table("custody_head")
    op.drop_table("capture_files")
    op.drop_table("captures")
