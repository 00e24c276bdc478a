"""Masking of identity numbers and phones for roles that may not see them."""


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return value[:2] + "*" * (len(value) - 2)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# The ledger fields that hold an identity number or a phone, and how each is masked.
MASK_BY_FIELD = {"id_number": mask_id_number, "phone": mask_phone, "landlord_phone": mask_phone,
                 "contact_phone": mask_phone}


def mask_name(value: str) -> str:
    """A name as a role without the right to reveal sees it: 张三 → 张*, 欧阳小明 → 欧**明."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
