"""The account API (`/api/v1`): sign-up, the account, its keys, its usage, its cloud instances."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class SignupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email_preferences: dict[str, bool] = Field(
        description='Which emails the account wants, e.g. {"product_updates": false, "usage_alerts": true}'
    )


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="default", min_length=1, max_length=100)


class AccountBrief(BaseModel):
    id: int
    email: str
    plan: str


class AccountInfo(AccountBrief):
    email_preferences: dict[str, bool]
    created_at: str
    credits: int = Field(description="Credits left (paid plan: 1 credit = 1 started minute)")
    minutes_remaining: int | None = Field(
        default=None, description="Free plan: audio minutes left this month"
    )
    minutes_per_month: int | None = Field(default=None, description="Free plan: the monthly allowance")


class KeyInfo(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    created_at: str
    last_used_at: str | None
    revoked: bool


class NewKey(BaseModel):
    api_key: str = Field(description="The raw key: shown in this answer only")
    key: KeyInfo


class Signup(BaseModel):
    account: AccountBrief
    api_key: str = Field(description="The raw key: shown in this answer only")
    key: KeyInfo
    note: str


class Keys(BaseModel):
    keys: list[KeyInfo]


class UsageDay(BaseModel):
    date: str
    transcriptions: int
    minutes: int


class UsageReport(BaseModel):
    usage: list[UsageDay] = Field(description="The last 30 days, oldest first")


class CloudInstances(BaseModel):
    instances: list[dict[str, str]] = Field(
        description="Dedicated instances (none are attached by this gateway)"
    )


class WebhookSecret(BaseModel):
    secret: str = Field(description="Signs the account's webhooks (HMAC-SHA256); shown in this answer only")
