"""schemathesis hooks for regcred's API fuzzing (loaded by schemathesis.mjs
through SCHEMATHESIS_HOOKS).

The served OpenAPI document names what a `.dockerconfigjson` string holds
with `format: dockerconfigjson`; this generates such documents, as JSON text
or base64 of it, so creates and modifies succeed and the stateful phase
follows the links to secrets that exist. Negative cases still come from
schemathesis's own mutations.

Every registry is a loopback address, which the login check refuses without
any I/O while REGCRED_ALLOW_HTTP_LOOPBACK is unset (and which would stay on
this machine even if it did not): the fuzzer names no other address.
"""

import base64
import json

import schemathesis
from hypothesis import strategies as st

REGISTRIES = st.sampled_from(
    [
        "127.0.0.1:5000",
        "http://127.0.0.1:5001/v2/",
        "[::1]:5000",
        "127.0.0.2:9",
        "127.0.0.3",
    ]
)
USERNAMES = st.from_regex(r"[a-z0-9][a-z0-9._@+-]{0,15}", fullmatch=True)
# Any text but lone surrogates (not encodable in the UTF-8 JSON body).
PASSWORDS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=24)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ENTRIES = st.one_of(
    st.builds(lambda u, p: {"auth": b64(f"{u}:{p}")}, USERNAMES, PASSWORDS),
    st.builds(lambda u, p: {"username": u, "password": p}, USERNAMES, PASSWORDS),
    st.builds(
        lambda u, p, e: {"username": u, "password": p, "email": e, "auth": b64(f"{u}:{p}")},
        USERNAMES,
        PASSWORDS,
        st.emails(),
    ),
)
DOCUMENTS = st.dictionaries(REGISTRIES, ENTRIES, min_size=1, max_size=3).map(
    lambda auths: json.dumps({"auths": auths})
)

schemathesis.openapi.format("dockerconfigjson", st.one_of(DOCUMENTS, DOCUMENTS.map(b64)))
