"""Shared-data registries, applications, cases, tasks, commitments, post-checks, e-licence keys,
the notification outbox and leases for periodic work.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:06:48.160092
"""

import sqlalchemy as sa
from alembic import op

import onewindow.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_key", sa.String(length=18), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("repaired_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
    )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index("ix_credit_records_subject", ["subject_kind", "subject_key"], unique=False)

    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=False),
        sa.Column("registered_capital_fen", sa.BigInteger(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("legal_person_name", sa.String(length=64), nullable=False),
        sa.Column("legal_person_id_number", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("tax_credit_grade", sa.String(length=2), nullable=True),
        sa.Column("tax_paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("insured_employees", sa.Integer(), nullable=False),
        sa.Column("certifications", sa.JSON(), nullable=False),
        sa.Column("updated_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprises_uscc")),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprises_industry_code"), ["industry_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enterprises_legal_person_id_number"), ["legal_person_id_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enterprises_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_region_code"), ["region_code"], unique=False)

    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "shared_data_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("registry_kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_data_reads")),
    )
    with op.batch_alter_table("shared_data_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_data_reads_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shared_data_reads_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_shared_data_reads_at"), ["at"], unique=False)

    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "licences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("licence_type", sa.String(length=100), nullable=False),
        sa.Column("holder_kind", sa.String(length=12), nullable=False),
        sa.Column("holder_key", sa.String(length=18), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("issuer_department_id", sa.Integer(), nullable=True),
        sa.Column("case_code", sa.String(length=40), nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("revoked_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("created_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_department_id"],
            ["departments.id"],
            name=op.f("fk_licences_issuer_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
        sa.UniqueConstraint("code", name=op.f("uq_licences_code")),
    )
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licences_case_code"), ["case_code"], unique=False)
        batch_op.create_index(
            "ix_licences_holder", ["holder_kind", "holder_key", "licence_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_licences_licence_type"), ["licence_type"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("authorisation", sa.JSON(), nullable=True),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_key", sa.String(length=18), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("form_data", sa.JSON(), nullable=False),
        sa.Column("prefilled", sa.JSON(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notice", sa.JSON(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_applications_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_applications_idempotency"),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_status"), ["status"], unique=False)
        batch_op.create_index("ix_applications_status_submitted", ["status", "submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_subject_key"), ["subject_key"], unique=False)

    op.create_table(
        "enterprise_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_members_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_enterprise_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_members")),
        sa.UniqueConstraint("enterprise_id", "user_id", name="uq_enterprise_members_pair"),
    )
    with op.batch_alter_table("enterprise_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_members_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enterprise_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_outbox_messages_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_outbox_messages_recipient_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("gender", sa.String(length=2), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("household_registration", sa.String(length=300), nullable=False),
        sa.Column("marital_status", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_persons_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_number", name=op.f("uq_persons_id_number")),
        sa.UniqueConstraint("user_id", name=op.f("uq_persons_user_id")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("acceptance_mode", sa.String(length=20), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=False),
        sa.Column("limit_days", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_estimated", sa.Boolean(), nullable=False),
        sa.Column("sla_state", sa.String(length=8), nullable=False),
        sa.Column("completed_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivery_method", sa.String(length=8), nullable=False),
        sa.Column("delivery_address", sa.String(length=300), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.Column("delivered_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["users.id"], name=op.f("fk_cases_accepted_by_id_users")),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_cases_application_id_applications")
        ),
        sa.ForeignKeyConstraint(
            ["lead_department_id"], ["departments.id"], name=op.f("fk_cases_lead_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("application_id", name=op.f("uq_cases_application_id")),
        sa.UniqueConstraint("code", name=op.f("uq_cases_code")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_accepted_at", ["accepted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_lead_department_id"), ["lead_department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)
        batch_op.create_index("ix_cases_status_sla", ["status", "sla_state", "deadline"], unique=False)

    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("material_codes", sa.JSON(), nullable=False),
        sa.Column("signed_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("fulfilled_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_commitments_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitments_due_on"), ["due_on"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("commitment", sa.Boolean(), nullable=False),
        sa.Column("limit_days", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_estimated", sa.Boolean(), nullable=False),
        sa.Column("sla_state", sa.String(length=8), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("supplement_request", sa.Text(), nullable=True),
        sa.Column("result_data", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("activated_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_started_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_tasks_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_tasks_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["service_items.id"], name=op.f("fk_tasks_item_id_service_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_tasks_department_status", ["department_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_item_code"), ["item_code"], unique=False)
        batch_op.create_index("ix_tasks_status_sla", ["status", "sla_state", "deadline"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_case_events_application_id_applications")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_case_events_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_case_events_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_application_id"), ["application_id"], unique=False)

    op.create_table(
        "clock_suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("procedure", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_clock_suspensions_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_suspensions")),
    )
    with op.batch_alter_table("clock_suspensions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clock_suspensions_task_id"), ["task_id"], unique=False)

    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("material_code", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", onewindow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_uploads_application_id_applications")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_uploads_task_id_tasks")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_uploads_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_application_id"), ["application_id"], unique=False)

    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("licence_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("checked_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("rectification_due_on", sa.Date(), nullable=True),
        sa.Column("rectified_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", onewindow.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_verifications_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["checked_by_id"], ["users.id"], name=op.f("fk_verifications_checked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_verifications_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licences.id"], name=op.f("fk_verifications_licence_id_licences")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_verifications_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
        sa.UniqueConstraint("task_id", name=op.f("uq_verifications_task_id")),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verifications_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_verifications_department_status", ["department_id", "status", "due_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index("ix_verifications_department_status")
        batch_op.drop_index(batch_op.f("ix_verifications_case_id"))

    op.drop_table("verifications")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_application_id"))

    op.drop_table("uploads")
    with op.batch_alter_table("clock_suspensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clock_suspensions_task_id"))

    op.drop_table("clock_suspensions")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_application_id"))

    op.drop_table("case_events")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_status_sla")
        batch_op.drop_index(batch_op.f("ix_tasks_item_code"))
        batch_op.drop_index("ix_tasks_department_status")
        batch_op.drop_index(batch_op.f("ix_tasks_case_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_due_on"))
        batch_op.drop_index(batch_op.f("ix_commitments_case_id"))

    op.drop_table("commitments")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_sla")
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_lead_department_id"))
        batch_op.drop_index("ix_cases_accepted_at")

    op.drop_table("cases")
    op.drop_table("persons")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_sent_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_department_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_created_at"))

    op.drop_table("outbox_messages")
    with op.batch_alter_table("enterprise_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_enterprise_members_enterprise_id"))

    op.drop_table("enterprise_members")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_subject_key"))
        batch_op.drop_index("ix_applications_status_submitted")
        batch_op.drop_index(batch_op.f("ix_applications_status"))
        batch_op.drop_index(batch_op.f("ix_applications_applicant_id"))

    op.drop_table("applications")
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licences_licence_type"))
        batch_op.drop_index("ix_licences_holder")
        batch_op.drop_index(batch_op.f("ix_licences_case_code"))

    op.drop_table("licences")
    op.drop_table("signing_keys")
    with op.batch_alter_table("shared_data_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_data_reads_at"))
        batch_op.drop_index(batch_op.f("ix_shared_data_reads_application_id"))
        batch_op.drop_index(batch_op.f("ix_shared_data_reads_actor_id"))

    op.drop_table("shared_data_reads")
    op.drop_table("leases")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_region_code"))
        batch_op.drop_index(batch_op.f("ix_enterprises_name"))
        batch_op.drop_index(batch_op.f("ix_enterprises_legal_person_id_number"))
        batch_op.drop_index(batch_op.f("ix_enterprises_industry_code"))

    op.drop_table("enterprises")
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_records_subject")

    op.drop_table("credit_records")
