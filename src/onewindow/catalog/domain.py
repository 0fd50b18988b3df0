"""catalog's registration: departments, service items and bundles."""

from onewindow.common.registry import Domain


def _audit():
    from onewindow.catalog.fields import BUNDLE, BUNDLE_ITEM, FORM_FIELD, ITEM, MATERIAL, STATUS_LABELS
    from onewindow.common.audit_text import AuditVocabulary

    # The field labels are the catalogue's own column headers, so the audit page reads as the Excel file.
    fields = {f"service_item.{c.key}": c.label for c in ITEM}
    fields |= {f"service_item.materials.{c.key}": c.label for c in MATERIAL}
    fields |= {f"service_item.form_fields.{c.key}": c.label for c in FORM_FIELD}
    fields |= {f"bundle.{c.key}": c.label for c in BUNDLE} | {f"bundle.items.{c.key}": c.label for c in BUNDLE_ITEM}
    fields |= {"service_item.materials": "申请材料", "service_item.form_fields": "表单字段", "bundle.items": "包含事项",
               "catalog.departments": "写入部门数", "catalog.items_written": "写入事项版本数",
               "catalog.items_unchanged": "未变事项数", "catalog.bundles": "写入一件事数", "sha256": "文件摘要（SHA-256）"}
    return AuditVocabulary(
        actions={"item.save_draft": "保存事项草稿", "item.publish": "发布事项", "bundle.save": "保存一件事",
                 "bundle.delete": "删除一件事", "catalog.import": "导入事项目录"},
        entities={"service_item": "办事事项", "bundle": "一件事", "catalog": "事项目录文件"},
        fields=fields, values={"service_item.status": STATUS_LABELS, "bundle.status": STATUS_LABELS},
        money=frozenset({"fee_fen"}))

def _measures():
    from onewindow.catalog import service

    return service.measure_providers()


DOMAIN = Domain(package="catalog", label="事项目录", models="models", api=("api",), pages=("pages", "edit_pages"),
                commands="commands", audit=_audit, measures=_measures)
