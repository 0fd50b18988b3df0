"""sharing's registration: registries and prefill/verification providers."""

from onewindow.common.registry import Domain


def _audit():
    from onewindow.common.audit_text import AuditVocabulary

    return AuditVocabulary(
        actions={"credit.record": "记入失信记录", "credit.repair": "信用修复", "registry.enterprise.register": "登记新设企业"},
        entities={"credit_record": "信用记录", "enterprise": "企业"},
        fields={"subject_kind": "主体类型", "subject_key": "主体证件号", "subject_name": "主体名称", "severity": "严重程度",
                "credit_record.reason": "失信事由", "source": "来源", "reference": "文号", "repaired_at": "修复时间",
                "enterprise.name": "企业名称", "legal_person": "法定代表人证件号"},
        values={"subject_kind": {"enterprise": "企业", "person": "个人"}})

DOMAIN = Domain(package="sharing", label="数据共享", models="models", api=("api",), pages=("pages",), audit=_audit)
