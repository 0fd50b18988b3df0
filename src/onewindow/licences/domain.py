"""licences' registration: e-licence issuing, signing and verification."""

from onewindow.common.registry import Domain


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.licences.templates import COMMON_LABELS, GENERIC, SPECIFIC

    # An approval's result (task.approve's after) is filled in by the licence templates' fields.
    results = {key: label for fields in [*(f for f, _ in SPECIFIC.values()), *GENERIC.values()] for key, label in fields}
    results |= COMMON_LABELS
    return AuditVocabulary(
        actions={"licence.issue": "签发电子证照", "licence.revoke": "注销电子证照"}, entities={"licence": "电子证照"},
        fields={"licence_type": "证照类型", "holder_kind": "持证主体类型", "holder_key": "持证主体证件号",
                "holder_name": "持证主体名称", "case_code": "办件编码", "item_code": "事项编码", "issued_on": "签发日期",
                "valid_until": "有效期至", "key_id": "签名密钥编号", "licence.status": "状态", "licence.reason": "注销原因",
                **{f"task.result.{key}": label for key, label in results.items()}},
        values={"holder_kind": {"enterprise": "企业", "person": "个人"},
                "licence.status": {"valid": "有效", "revoked": "已注销"}})

DOMAIN = Domain(package="licences", label="电子证照", models="models", api=("api",), pages=("pages",), audit=_audit)
