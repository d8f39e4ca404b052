"""The gateway's own routes: login, token refresh, staff users and employer API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.deps import SessionDep
from anju_common.errors import NotFoundError
from anju_common.problems import Problem
from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from gateway import repository as repo
from gateway import service
from gateway.auth import rate_limit
from gateway.deps import AdminDep, PrincipalDep, RtDep, client_ip
from gateway.models import ApiKey, StaffUser
from gateway.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    RefreshRequest,
    TokenResponse,
    UserCreate,
    UserPublic,
    UserUpdate,
    WhoAmI,
)

router = APIRouter(prefix="/api/v1")
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


def user_public(user: StaffUser) -> UserPublic:
    """Response shape of a user."""
    return UserPublic.model_validate(user, from_attributes=True)


def key_public(key: ApiKey) -> ApiKeyPublic:
    """Response shape of an API key (no secret)."""
    return ApiKeyPublic.model_validate(key, from_attributes=True)


# ------------------------------------------------------------------ auth
@router.post("/auth/token", response_model=TokenResponse, tags=["auth"])
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    rt: RtDep,
) -> TokenResponse:
    """OAuth2 password grant for staff: a short-lived access token and a refresh token."""
    ip = client_ip(request)
    rate_limit(rt, rt.limit_ip, "ip", ip)
    rate_limit(rt, rt.limit_login, "login-ip", ip)
    if not form.username or not form.password:
        raise Problem(422, "username and password are required", code="validation-error")
    return service.login(session, rt, form.username, form.password)


@router.post("/auth/refresh", response_model=TokenResponse, tags=["auth"])
def refresh(body: RefreshRequest, request: Request, session: SessionDep, rt: RtDep) -> TokenResponse:
    """Exchange a refresh token for new tokens (the old refresh token stops working)."""
    rate_limit(rt, rt.limit_login, "login-ip", client_ip(request))
    return service.refresh(session, rt, body.refresh_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def logout(body: RefreshRequest, request: Request, session: SessionDep, rt: RtDep) -> Response:
    """Revoke a refresh token and the access tokens issued with it (send the access token as Bearer too to
    revoke that one whatever login it came from)."""
    rate_limit(rt, rt.limit_ip, "ip", client_ip(request))
    service.logout(session, rt, body.refresh_token, request.headers.get("authorization"))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=WhoAmI, tags=["auth"])
def me(principal: PrincipalDep) -> WhoAmI:
    """Who the gateway thinks is calling."""
    return WhoAmI(
        sub=principal.sub,
        role=principal.role,
        site_ids=principal.site_ids,
        employer_id=principal.employer_id,
    )


# ------------------------------------------------------------------ users
@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic, tags=["users"])
def create_user(body: UserCreate, session: SessionDep, rt: RtDep, admin: AdminDep) -> UserPublic:
    """Create an administrator or an office staff member scoped to sites (administrators only)."""
    service.check_sites_exist(rt, body.site_ids)
    return user_public(service.create_user(session, body, admin.sub))


@router.get("/users", response_model=list[UserPublic], tags=["users"])
def list_users(
    session: SessionDep,
    _: AdminDep,
    site_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[UserPublic]:
    """Staff users, optionally of one site (administrators only)."""
    return [user_public(u) for u in repo.list_users(session, site_id, limit, offset)]


@router.get("/users/{user_id}", response_model=UserPublic, tags=["users"])
def get_user(user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> UserPublic:
    """One user: administrators see everyone, staff only themselves."""
    user = repo.get_user(session, user_id)
    if user is None or not (principal.role == "admin" or principal.sub == f"user:{user_id}"):
        raise NotFoundError("user", user_id)
    return user_public(user)


@router.patch("/users/{user_id}", response_model=UserPublic, tags=["users"])
def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: SessionDep, rt: RtDep, _: AdminDep
) -> UserPublic:
    """Change a user's sites, password, name or active flag (administrators only)."""
    if body.site_ids:
        service.check_sites_exist(rt, body.site_ids)
    return user_public(service.update_user(session, rt, user_id, body))


# ------------------------------------------------------------------ API keys
@router.post(
    "/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated, tags=["api-keys"]
)
def create_api_key(
    body: ApiKeyCreate, session: SessionDep, rt: RtDep, principal: PrincipalDep
) -> ApiKeyCreated:
    """Create an API key for an employer in your scope; the key is in this response only."""
    key, secret = service.create_api_key(session, rt, body, principal)
    return ApiKeyCreated(**key_public(key).model_dump(), key=secret)


@router.get("/api-keys", response_model=list[ApiKeyPublic], tags=["api-keys"])
def list_api_keys(
    session: SessionDep,
    principal: PrincipalDep,
    employer_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ApiKeyPublic]:
    """API keys in your scope (never their secrets)."""
    return [key_public(k) for k in service.list_api_keys(session, principal, employer_id, limit, offset)]


@router.get("/api-keys/{key_id}", response_model=ApiKeyPublic, tags=["api-keys"])
def get_api_key(key_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> ApiKeyPublic:
    """One API key, with its last use."""
    return key_public(service.visible_key(session, key_id, principal))


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["api-keys"])
def revoke_api_key(key_id: uuid.UUID, session: SessionDep, rt: RtDep, principal: PrincipalDep) -> Response:
    """Revoke an API key; it stops working at once."""
    service.revoke_api_key(session, rt, key_id, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
