from gridguard.accounts.scope import scope_for


def scope(request):  # type: ignore[no-untyped-def]
    return {"scope": scope_for(getattr(request, "user", None))}
