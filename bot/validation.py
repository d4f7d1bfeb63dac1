"""Validation errors in Danish: one readable sentence per pydantic error, for plans and settings."""

from typing import Any

_MESSAGES = {
    "missing": "mangler",
    "extra_forbidden": "ukendt felt",
    "int_parsing": "skal være et heltal",
    "int_type": "skal være et heltal",
    "int_from_float": "skal være et heltal",
    "string_type": "skal være tekst",
    "list_type": "skal være en liste",
    "model_type": "skal være en tabel",
    "dict_type": "skal være en tabel",
    "bool_parsing": "skal være true eller false",
    "bool_type": "skal være true eller false",
    "enum": "skal være en af: {expected}",
    "literal_error": "skal være en af: {expected}",
    "greater_than": "skal være større end {gt:g}",
    "greater_than_equal": "skal være mindst {ge}",
    "float_parsing": "skal være et tal",
    "float_type": "skal være et tal",
    "less_than_equal": "må højst være {le}",
    "string_pattern_mismatch": "har et ugyldigt format (tilladt: {pattern})",
    "string_too_short": "må ikke være tom",
    "string_too_long": "må højst være {max_length} tegn",
    "too_short": "skal have mindst {min_length} element(er)",
    "too_long": "må højst have {max_length} elementer",
    "url_parsing": "er ikke en gyldig adresse",
    "url_scheme": "skal være en http- eller https-adresse",
    "url_type": "er ikke en gyldig adresse",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("people", 2, "email")`` → ``"people.2.email"``."""
    return ".".join(str(part) for part in loc)


def danish(error: Any) -> str:
    """The Danish sentence for one entry of ``ValidationError.errors()``."""
    template = _MESSAGES.get(error["type"])
    if template is None:
        return str(error["msg"]).removeprefix("Value error, ")
    context = dict(error.get("ctx", {}))
    if "expected" in context:  # pydantic lists the choices in English: "'console', 'gatewayapi' or 'twilio'"
        context["expected"] = str(context["expected"]).replace(" or ", " eller ")
    return template.format(**context)
