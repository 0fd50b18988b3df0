"""API shapes of the knowledge base. Values are checked by the service (fields.py), which names each
field in Chinese; these models give the API its shape and bounds."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from onewindow.common.schemas import MAX_ID


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(max_length=32, description="主题分类")
    department: str | None = Field(None, max_length=32, description="主管部门编码")
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="主管部门（编号，可代替编码）")
    title: str = Field(max_length=200, description="标题")
    body: str = Field(max_length=20000, description="答复内容")
    keywords: list[str] = Field(default_factory=list, max_length=30, description="关键词")
    valid_from: date | None = Field(None, description="生效日期")
    valid_to: date | None = Field(None, description="失效日期")


class ArticleEditIn(ArticleIn):
    expected_version: int | None = Field(None, ge=1, le=9999, description="乐观锁：读到的最新版本号")


class ArticlePublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_from: date | None = Field(None, description="生效日期，缺省为今天")


class ArticleOut(BaseModel):
    id: int
    code: str = Field(description="知识编号")
    version: int = Field(description="版本")
    status: str = Field(description="状态（draft/published/retired）")
    status_label: str = Field(description="状态（中文）")
    in_force: bool = Field(description="今天是否有效（已发布且在有效期内）")
    topic: str
    department: str | None = Field(description="主管部门编码")
    department_id: int
    department_name: str
    title: str
    body: str
    keywords: list[str]
    valid_from: date | None
    valid_to: date | None
    published_at: datetime | None


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    total: int
    page: int
    per_page: int


class SuggestionOut(BaseModel):
    id: int
    code: str
    version: int
    title: str
    topic: str
    department_name: str
    snippet: str = Field(description="答复内容中与输入相关的片段")


class KnowledgeImportOut(BaseModel):
    written: int = Field(description="写入的版本数")
    unchanged: int = Field(description="未变化而未写入的版本数")
    sha256: str
