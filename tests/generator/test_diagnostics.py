"""Every diagnostic code: a small broken spec, the exact code, severity, line and column,
and what `nova-gen validate` prints for it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nova_gen.cli import main

from .conftest import BASE, add_section, diagnose, mutate, write_files

PARAMS = """    params:
      type: object
      required: [channels]
      properties:
        channels: { type: array, items: { type: string } }"""
TICKER_MSG = 'message: { $ref: "#/schemas/Ticker" }'


@dataclass(frozen=True)
class Case:
    id: str
    spec: str
    code: str
    severity: str = "error"
    hint: str = ""
    message: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    generate: bool = False
    """Only the full generator (rendering) can find it, not `validate`."""


CASES = [
    # -- loading ------------------------------------------------------------------------
    Case("001-flow", mutate('version: "1.0"', 'version@@: "1.0"', mutate("Example ticker API", "[a, b")),
         "NOVA001", message="invalid YAML: a [ ... ] list is not closed", hint="close the list with ']'"),
    Case("001-tab", mutate('version: "1.0"\n', 'version: "1.0"\n@@\tdescription: x\n'), "NOVA001",
         message="invalid YAML: a tab character", hint="YAML indents with spaces, never tabs"),
    Case("001-indent", mutate("    method: public/get_time\n", "    method: public/get_time\n   @@x: 1\n"),
         "NOVA001", message="indented differently from the lines above it", hint="same column"),
    Case("001-colon", mutate("title: Example ticker API", "title: Example@@: ticker API"), "NOVA001",
         message="a ':' where no key can start", hint='quote a value'),
    Case("001-python-tag", mutate("title: Example", "title: @@!!python/name:os.system Example"),
         "NOVA001", message="unsupported YAML"),
    Case("001-in-ref-file", mutate("#/schemas/Ticker", "common.yaml#/schemas/T"), "NOVA001",
         extra={"common.yaml": "schemas:\n  T: {type: [\n@@"}),
    Case("002-duplicate", mutate('version: "1.0"\n', 'version: "1.0"\n@@title: again\n'), "NOVA002",
         message="duplicate key 'title'", hint="YAML keeps only the last value"),
    Case("002-complex-key", mutate('version: "1.0"\n', 'version: "1.0"\n? @@[a, b]\n: 1\n'), "NOVA002",
         message="mapping keys must be scalars"),
    Case("003-unknown-key", mutate("title: Example", "@@titel: Example"), "NOVA003",
         message="unknown key 'titel'", hint="did you mean 'title'?"),
    Case("003-wrong-type", mutate("    summary: Current", "    timeout: @@soon\n    summary: Current"),
         "NOVA003", message="'soon' is not of type 'number'"),
    Case("003-missing-key", mutate("  get_time:\n    method: public/get_time\n", "  @@get_time:\n"),
         "NOVA003", message="'method' is a required property"),
    Case("003-missing-key-flow", mutate('  local: { url: "ws://127.0.0.1:8765/ws" }', "  @@local: { description: x }"),
         "NOVA003", message="'url' is a required property"),
    Case("006-a-list", "@@- nova\n- 1\n", "NOVA006",
         message="not a nova spec or an AsyncAPI document: the file is a list, not a mapping"),
    Case("006-empty", "@@", "NOVA006", message="not a nova spec or an AsyncAPI document: the file is empty",
         hint="a nova spec starts with `nova: 1`, an AsyncAPI document with `asyncapi: 3.0.0` (or 2.x)"),
    Case("006-openapi", 'info: {title: X, version: "1"}\n@@openapi: 3.0.0\npaths: {}\n', "NOVA006",
         message="the file is an OpenAPI document, which describes an HTTP API"),
    Case("006-other-yaml", "@@services:\n  web: {image: nginx}\nvolumes: {}\n", "NOVA006",
         message="the file is a mapping of 'services', 'volumes'"),
    Case("006-asyncapi-misspelt", "info: {title: X}\n@@asyncpai: 2.6.0\n", "NOVA006",
         hint="did you mean 'asyncapi'?"),
    Case("003-name-pattern", mutate("name: tickers", "name: @@Tickers"), "NOVA003",
         hint="lowercase identifier"),
    Case("004-version", mutate("nova: 1", "nova: @@2"), "NOVA004", hint="write `nova: 1`"),
    # -- limits (more in test_limits.py) ----------------------------------------------------------
    Case("060-file-size", mutate(TICKER_MSG, 'message: { $ref: "big.yaml#/T" }'), "NOVA060",
         message="big.yaml has 2MB, more than the limit of 2MB", hint="--max-file-size",
         extra={"big.yaml": "@@T: {type: object}\n" + "#" * 2_000_000 + "\n"}),
    Case("061-depth", mutate("title: Example", "title: " + "[" * 63 + "@@[" + "]" * 64), "NOVA061",
         message="nested more than 64 levels deep"),
    Case("062-alias-bomb", BASE + "  A: &a [x, x, x, x, x, x, x, x, x, x]\n"
         + "".join(f"  B{i}: &b{i} [{', '.join(['*a' if i == 0 else f'*b{i - 1}'] * 10)}]\n" for i in range(3))
         + "  C: [" + "*b2, " * 7 + "@@*b2, *b2]\n", "NOVA062", message="YAML aliases expand this file by more than 100000 nodes"),
    Case("062-alias-loop", BASE + "  A: &a { items: @@*a }\n", "NOVA062", message="inside its own anchor"),
    Case("063-number", mutate("price: 64000.5", "price: @@6" + "4" * 100_000), "NOVA063",
         message="a number of 100001 characters"),
    Case("064-ref-cycle", BASE + "  A: { $ref: '#/schemas/B' }\n  B: { allOf: [{ $ref: @@'#/schemas/A' }] }\n",
         "NOVA064", message="$ref cycle with no property or item in between: A -> B -> A", hint="describes no value"),
    Case("064-chain", BASE + "  C0: { allOf: [{ $ref: @@'#/schemas/C1' }] }\n"
         + "".join(f"  C{i}: {{ allOf: [{{ $ref: '#/schemas/C{i + 1}' }}] }}\n" for i in range(1, 65))
         + "  C65: { type: object }\n", "NOVA064",
         message="$ref chain of 66 schemas, each the same value as the next, is longer than the limit of 64"),
    Case("091-allof", BASE + "  @@A: { allOf: [{ $ref: '#/schemas/B' }, { properties: { type: { const: a } } }] }\n"
         + "  B: { type: object, properties: { type: { const: b } } }\n", "NOVA091",
         message="the allOf of schema 'A' gives property 'type' the constant \"b\" (in B) and the constant \"a\""),
    Case("064-expansion", BASE + "  E0: { anyOf: [{ $ref: @@'#/schemas/E1' }, { $ref: '#/schemas/E1' }] }\n"
         + "".join(f"  E{i}: {{ anyOf: [{{ $ref: '#/schemas/E{i + 1}' }}, {{ $ref: '#/schemas/E{i + 1}' }}] }}\n"
                   for i in range(1, 20))
         + "  E20: { type: object }\n", "NOVA064",
         message="schema 'E0' is the same value as more than 10000 schemas through its $refs"),
    Case("101-asyncapi-version", "asyncapi: @@'9.0.0'\ninfo: { title: x, version: '1' }\n", "NOVA101"),
    # -- references and schemas -------------------------------------------------------------
    Case("010-local", mutate(TICKER_MSG, 'message: { $ref: @@"#/schemas/Tickr" }'), "NOVA010",
         message="points to nothing", hint="did you mean #/schemas/Ticker?"),
    Case("010-other-file", mutate(TICKER_MSG, 'message: { $ref: @@"common.yaml#/schemas/Nope" }'),
         "NOVA010", hint="known names at common.yaml#/schemas: Other",
         extra={"common.yaml": "schemas:\n  Other: { type: string }\n"}),
    Case("010-not-a-string", mutate(TICKER_MSG, "message: { $ref: @@5 }"), "NOVA010",
         message="$ref must be a string"),
    Case("010-not-a-pointer", mutate(TICKER_MSG, 'message: { $ref: @@"#schemas/Ticker" }'), "NOVA010",
         message="is not a JSON pointer"),
    Case("011-ref-file", mutate(TICKER_MSG, 'message: { $ref: @@"missing.yaml#/schemas/Ticker" }'),
         "NOVA011", message="$ref file 'missing.yaml' not found"),
    Case("011-remote", mutate(TICKER_MSG, 'message: { $ref: @@"https://example.com/t.yaml#/T" }'),
         "NOVA011", message="is not fetched"),
    Case("012-named-schema", mutate("  Ticker:\n", "  @@Ticker:\n", mutate("type: number", "type: numbr")),
         "NOVA012", message="'numbr' is not valid", hint="type is one of string"),
    Case("012-inline", mutate("  get_time:", "  @@get_time:", mutate("type: integer", "type: strng")),
         "NOVA012", message="result of request 'get_time' is not valid JSON Schema"),
    # -- names ----------------------------------------------------------------------------------
    Case("020-duplicate-method", mutate("method: public/subscribe", "method: @@public/get_time"),
         "NOVA020", message="both use method 'public/get_time'"),
    Case("021-schemas", BASE + "  ticker_data: { type: string }\n  @@TickerData: { type: integer }\n",
         "NOVA021", message="both become the Python name 'TickerData'"),
    Case("021-request-vs-channel-method",
         mutate("  ticker:\n", "  @@ticker:\n", mutate("requests:\n", "requests:\n  subscribe_ticker:\n    method: x/sub\n")),
         "NOVA021", message="both become the Python name 'subscribe_ticker'"),
    Case("021-channel-hook-vs-event-hook",
         add_section("events:\n  @@ticker:\n    when: { equals: { /method: tick } }\n    message: { type: object }\n"),
         "NOVA021", message="both become the Python name 'on_ticker'"),
    Case("021-two-channels",
         mutate("channels:\n", 'channels:\n  ticker__x:\n    address: "a.b"\n    message: { type: string }\n'
                '  @@ticker_x:\n    address: "c.d"\n    message: { type: string }\n'),
         "NOVA021", message="both become the Python name 'TICKER_X_CHANNEL'"),
    Case("021-client-class", BASE + "  @@TickersClient: { type: string }\n", "NOVA021",
         message="collides with the client class 'TickersClient'"),
    Case("021-schema-in-two-files", mutate(TICKER_MSG, 'message: { $ref: "common.yaml#/schemas/Ticker" }'),
         "NOVA021", message="two different schemas are both named 'Ticker'",
         extra={"common.yaml": "schemas:\n  Ticker: @@{ type: string }\n"}),
    Case("021-error-names", BASE.replace("schemas:\n", "errors:\n  1: { name: too_many }\n  @@2: { name: TooMany }\n\nschemas:\n", 1),
         "NOVA021", message="both become the Python name 'TooMany'"),
    Case("022-not-snake", mutate("  get_time:", "  @@getTime:"), "NOVA022",
         message="'getTime' is not a usable Python name", hint="'get_time'"),
    Case("022-credential", BASE + 'auth:\n  request: get_time\n  credentials:\n    @@client-id: { env: X_ID }\n',
         "NOVA022", message="credential 'client-id'", hint="'client_id'"),
    # -- names that land on reserved ones are suffixed, with a warning ------------------------
    Case("070-keyword-request", mutate("  get_time:", "  @@import:"), "NOVA070", severity="warning",
         message="the Python name 'import' of request 'import' is reserved by generated code; it is named 'import_'"),
    Case("070-dunder-request", mutate("  get_time:", "  @@__slots__:"), "NOVA070", severity="warning",
         message="it is named '__slots___'"),
    Case("022-private-request", mutate("  get_time:", "  @@__secret:"), "NOVA022", message="'__secret'"),
    Case("070-close", mutate("  get_time:", "  @@close:"), "NOVA070", severity="warning", message="'close_'"),
    Case("070-close-nfkc", mutate("  get_time:", "  @@\uff43lose:"), "NOVA070", severity="warning",
         message="the Python name 'close' of request 'ｃlose' is reserved by generated code; it is named 'close_'"),
    Case("070-connect", mutate("  get_time:", "  @@connect:"), "NOVA070", severity="warning", message="'connect_'"),
    Case("070-base-model", BASE + "  @@BaseModel: { type: string }\n", "NOVA070", severity="warning",
         message="'BaseModelModel'"),
    Case("070-decimal", BASE + "  @@Decimal: { type: string }\n", "NOVA070", severity="warning",
         message="the Python name 'Decimal' of schema 'Decimal' is reserved by generated code; it is named 'DecimalModel'"),
    Case("070-event-error",
         add_section("events:\n  @@error:\n    when: { equals: { /method: oops } }\n    message: { type: object }\n"),
         "NOVA070", severity="warning", message="'on_error' of the hook of event 'error' is reserved"),
    Case("070-credential", BASE + 'auth:\n  request: get_time\n  credentials:\n    @@url: { env: X_URL }\n'
         '  params: { key: "{url}" }\n', "NOVA070", severity="warning", message="credential 'url'"),
    Case("070-param-models", mutate("  subscribe:", "  @@subscribe:", mutate(
        "        channels: {", "        models: { type: string }\n        channels: {")),
         "NOVA070", severity="warning", message="'models' of parameter 'models' of request 'subscribe' is reserved by generated code; it is named 'models_'"),
    Case("070-param-self-nfkc", mutate("  subscribe:", "  @@subscribe:", mutate(
        "        channels: {", "        \uff53elf: { type: string }\n        channels: {")),
         "NOVA070", severity="warning", message="it is named 'self_'"),
    Case("070-asyncapi-disconnect",
         "asyncapi: '2.6.0'\ninfo: { title: T, version: '1' }\nservers: { s: { url: 'ws://127.0.0.1:1', protocol: ws } }\n"
         "channels:\n  /:\n    subscribe:\n      message:\n        oneOf:\n          - $ref: '#/components/messages/disconnect'\n"
         "          - $ref: '#/components/messages/ok'\ncomponents:\n  messages:\n"
         "    @@disconnect: { payload: { type: object, properties: { type: { const: bye } } } }\n"
         "    ok: { payload: { type: object, properties: { type: { const: ok } } } }\n",
         "NOVA070", severity="warning", message="'on_disconnect_'"),
    Case("070-error-none", add_section("errors:\n  @@10028: { name: none }\n"), "NOVA070", severity="warning",
         message="the Python name 'None' of the class of error 10028 is reserved by generated code; it is named 'None_'"),
    Case("070-asyncapi-package",
         "asyncapi: '2.6.0'\ninfo: { title: @@JSON API, version: '1' }\n"
         "servers: { s: { url: 'ws://127.0.0.1:1', protocol: ws } }\n"
         "channels:\n  /:\n    subscribe:\n      message: { name: ok, payload: { type: object } }\n",
         "NOVA070", severity="warning", message="it is named 'json_api'"),
    Case("070-asyncapi-query",
         "asyncapi: '2.6.0'\ninfo: { title: T, version: '1' }\n"
         "servers: { s: { url: 'ws://127.0.0.1:1', protocol: ws } }\n"
         "channels:\n  /:\n    bindings:\n      ws:\n        query:\n          type: object\n          properties:\n"
         "            @@handlers: { type: string }\n"
         "    subscribe:\n      message: { name: ok, payload: { type: object } }\n",
         "NOVA070", severity="warning", message="the query argument 'handlers' of connect()"),
    Case("071-nfkc-params", mutate("  subscribe:", "  @@subscribe:", mutate(
        "        channels: {", "        \ufb01eld: { type: string }\n        field: { type: string }\n        channels: {")),
         "NOVA071", message="are the same Python name 'field' after NFKC normalisation"),
    Case("071-nfkc-fields", mutate("  Ticker:\n", "  @@Ticker:\n", mutate(
        "      symbol: { type: string }\n      price", "      symbol: { type: string }\n      \uff53ymbol: { type: string }\n      price")),
         "NOVA071", message="field 'symbol' of Ticker"),
    Case("073-surrogate", mutate("title: Example ticker API", 'title: @@"bad \\ud800 text"'), "NOVA073",
         message="lone surrogate"),
    Case("073-surrogate-key", mutate("  get_time:", '  @@"get_\\udfff":'), "NOVA073", message="lone surrogate"),
    Case("072-package-keyword", mutate("name: tickers", "name: @@import"), "NOVA072", message="'import'"),
    Case("072-package-dependency", mutate("name: tickers", "name: @@websockets"), "NOVA072",
         message="'websockets' would shadow"),
    Case("072-package-long", mutate("name: tickers", "name: @@" + "t" * 300), "NOVA072",
         message="package name of 300 characters"),
    # -- cross-references -------------------------------------------------------------------------
    Case("030-unused-parameter", mutate("      symbol: { type: string }",
                                        "      symbol: { type: string }\n      @@depth: { type: integer }"),
         "NOVA030", hint="write {depth} in the address"),
    Case("031-undeclared-placeholder", mutate('address: "ticker', 'address: @@"ticker', mutate("{interval}", "{interval}.{depth}")),
         "NOVA031", message="{depth}"),
    Case("032-events",
         add_section("events:\n  a:\n    when: { equals: { /method: tick } }\n    message: { type: object }\n"
                     "  @@b:\n    when: { equals: { /method: tick }, present: [/params] }\n    message: { type: object }\n"),
         "NOVA032", message="events 'a' and 'b' cannot be told apart"),
    Case("032-event-vs-notification",
         add_section("events:\n  @@a:\n    when: { present: [/params] }\n    message: { type: object }\n"),
         "NOVA032", message="channel notifications"),
    Case("032-channels",
         mutate("channels:\n", 'channels:\n  other:\n    address: "ticker.{a}.{b}"\n'
                "    parameters: { a: { type: string }, b: { type: string } }\n    message: { type: string }\n",
                mutate("  ticker:\n", "  @@ticker:\n")),
         "NOVA032", message="addresses that cannot be told apart"),
    Case("033-subscription", mutate("    subscribe: subscribe\n", "    subscribe: @@subscrib\n"), "NOVA033",
         hint="did you mean 'subscribe'?"),
    Case("033-auth", BASE + "auth:\n  request: @@login\n", "NOVA033", message="unknown request 'login'"),
    Case("033-heartbeat", BASE + "heartbeat:\n  on_connect:\n    request: @@set_heartbeat\n", "NOVA033"),
    Case("034-unknown", mutate("subscription: public", "subscription: @@privat"), "NOVA034", hint="known: public"),
    Case("034-missing",
         mutate("    subscription: public\n", "", mutate("  ticker:\n", "  @@ticker:\n", mutate(
             "subscriptions:\n", "subscriptions:\n  private:\n    subscribe: subscribe\n"))),
         "NOVA034", message="does not say which subscription method"),
    Case("035-route-not-object",
         mutate("channels:\n", 'channels:\n  book:\n    address: "book.x"\n    when: { equals: { /c: book } }\n'
                "    @@route: { c: /c }\n    message: { type: object }\n"),
         "NOVA035", message="its address is not an object"),
    Case("035-route-field",
         mutate("channels:\n", "channels:\n  book:\n    address: { c: book }\n    when: { equals: { /c: book } }\n"
                "    route: { c: /c, @@symbol: /data/0/symbol }\n    message: { type: object }\n"),
         "NOVA035", message="route field 'symbol' of channel 'book' is not a field of its address"),
    Case("035-route-without-when",
         mutate("channels:\n", "channels:\n  book:\n    address: { c: book }\n"
                "    @@route: { c: /c }\n    message: { type: object }\n"),
         "NOVA035", message="has a route but no `when`"),
    Case("036-channel-example", mutate("  ticker:\n", "  @@ticker:\n", mutate("price: 64000.5", "price: high")),
         "NOVA036", message="'high' is not of type 'number' (at /price)"),
    Case("036-request-example", mutate("  get_time:", "  @@get_time:", mutate("result: 1700000000000", "result: soon")),
         "NOVA036", message="result of example 1 of request 'get_time'"),
    Case("037-default-server", mutate("default_server: production", "default_server: @@staging"), "NOVA037",
         hint="known servers: production, local"),
    Case("038-url", mutate('{ url: "wss://api', '{ url: @@"https://api'), "NOVA038"),
    Case("039-params", mutate(PARAMS, "    params: @@{ type: string }"), "NOVA039"),
    Case("039-params-ref", mutate(PARAMS, '    params: { $ref: "#/schemas/Ticker/properties/symbol" }',
                                  mutate("symbol: { type: string }\n      price", "symbol: @@{ type: string }\n      price")),
         "NOVA039"),
    Case("040-credential", BASE + 'auth:\n  request: get_time\n  credentials:\n    client_id: { env: X_ID }\n'
         '  params: { id: "{client_id}", secret: @@"{client_secret}" }\n', "NOVA040", message="{client_secret}"),
    Case("065-signature-key", BASE + 'auth:\n  request: get_time\n  credentials:\n    key: { env: X_KEY }\n    secret: { env: X_SECRET, secret: true }\n'
         '  params: { k: "{key}", sig: "{sig}" }\n'
         '  signature: { into: sig, key: @@secrets, message: "{timestamp}" }\n', "NOVA065",
         message="key 'secrets' is not a credential", hint="declared: key, secret"),
    Case("066-signature-message", BASE + 'auth:\n  request: get_time\n  credentials:\n    key: { env: X_KEY }\n    secret: { env: X_SECRET, secret: true }\n'
         '  params: { sig: "{sig}" }\n'
         '  signature: { into: sig, key: secret, message: @@"{timestamp}GET{path}" }\n', "NOVA066",
         message="{path} in the signature's message"),
    Case("067-signature-unused", BASE + 'auth:\n  request: get_time\n  credentials:\n    key: { env: X_KEY }\n    secret: { env: X_SECRET, secret: true }\n'
         '  params: { k: "{key}", sign: "{sign}" }\n'
         '  signature: { into: @@sig, key: secret, message: "{nonce}" }\n', "NOVA067",
         message='auth.params never uses "{sig}"'),
    Case("068-signature-shadows", BASE + 'auth:\n  request: get_time\n  credentials:\n    key: { env: X_KEY }\n    secret: { env: X_SECRET, secret: true }\n'
         '  params: { k: "{key}", t: "{timestamp}" }\n'
         '  signature: { into: @@timestamp, key: secret, message: "{nonce}" }\n', "NOVA068",
         message="name 'timestamp' is already"),
    Case("069-recipe-and-signature", BASE + 'auth:\n  request: get_time\n  credentials:\n'
         '    secret_key: { env: X_SECRET, secret: true }\n'
         '  params: { sign: "{sign}" }\n  @@recipe: okx_login\n'
         '  signature: { into: sign, key: secret_key, message: "{timestamp}" }\n', "NOVA069",
         message="both a recipe and a signature"),
    Case("065-recipe-key", BASE + 'auth:\n  request: get_time\n  credentials:\n'
         '    api_key: { env: X_KEY }\n'
         '  params: { sign: "{sign}", at: "{timestamp}" }\n  recipe: @@okx_login\n', "NOVA065",
         message="key 'secret_key' is not a credential"),
    Case("042-empty-when", add_section("events:\n  @@anything:\n    when: {}\n    message: { type: object }\n"),
         "NOVA042", severity="warning", message="matches every frame"),
    Case("090-stale-after-nan", mutate("    subscription: public\n    message: { $ref: \"#/schemas/Ticker\" }",
                                       "    subscription: public\n    stale_after: @@.nan\n"
                                       "    message: { $ref: \"#/schemas/Ticker\" }"),
         "NOVA090", message="stale_after of channel 'ticker' is nan"),
    Case("003-stale-after-negative", mutate("    subscription: public\n    message: { $ref: \"#/schemas/Ticker\" }",
                                            "    subscription: public\n    stale_after: @@-1\n"
                                            "    message: { $ref: \"#/schemas/Ticker\" }"),
         "NOVA003"),
    Case("050-model-generator", "@@" + BASE + "  Odd: { oneOf: [{ type: object }], discriminator: 5 }\n", "NOVA050",
         message="datamodel-code-generator could not build models", generate=True),
    Case("080-reply-without-rule",
         mutate("  preset: jsonrpc2", "  request: { id: /id, method: /method, params: /params }",
                mutate("  get_time:\n", "  @@get_time:\n")),
         "NOVA080", severity="warning", message="nothing recognises one", hint="reply: false"),
    Case("081-plumbing", mutate("    addresses: /channels", '    addresses: /channels\n    subscription_id: ""',
                                mutate("  subscribe:\n    method: public/subscribe",
                                       "  @@subscribe:\n    method: public/subscribe\n    public: true")),
         "NOVA081", severity="warning", message="cannot be called on its own", hint="public: false"),
    Case("084-contradiction",
         mutate("  preset: jsonrpc2", "  request: { id: /id, method: /type, params: \"\" }\n"
                "  response:\n    @@when: { equals: { /type: result }, not: { /type: [result] } }\n"
                "    id: /id\n    result: /result"),
         "NOVA084", message="contradicts itself", hint="drop one of the two conditions"),
    Case("085-shadowed",
         mutate("  preset: jsonrpc2", "  request: { id: /id, method: /type, params: \"\" }\n"
                "  error:\n    when: { in: { /type: [result, failed] }, not: { /success: [true] } }\n"
                "  response:\n    @@when: { in: { /type: [result] } }\n    id: /id\n    result: /result"),
         "NOVA085", severity="warning", message="which the client tries first", hint="exclude each other"),
    Case("086-ping-pong-no-reply",
         add_section("heartbeat:\n  client_ping:\n    send: { request: get_time }\n"
                     "    pong: { equals: { /result: pong } }\n    interval: 20\n    timeout: 5\n",
                     mutate("  preset: jsonrpc2", "  request: { id: /id, method: /type, params: \"\" }\n"
                            "  response:\n    when: { equals: { /type: result } }\n    id: /id\n"
                            "    result: /result",
                            mutate("  get_time:\n", "  @@get_time:\n"))),
         "NOVA086", severity="warning", message="its method would wait for a reply that never comes",
         hint="reply: false"),
    Case("087-auth-token-pointer",
         add_section("auth:\n  request: get_time\n  credentials:\n    key: { env: X_KEY, secret: true }\n"
                     "  params: { key: \"{key}\" }\n  @@token: /access_token\n"),
         "NOVA087", severity="warning", message="cannot have: the client never finds one there",
         hint="leave the key out"),
    Case("094-max-batch", mutate("    addresses: /channels\n", "    addresses: /channels\n"
                                  "    batch: false\n    max_batch: @@10\n"),
         "NOVA094", severity="warning", message="max_batch has no effect"),
]


def _write(case: Case, folder: Path):
    where = write_files(folder, {"spec.yaml": case.spec, **case.extra})
    if where is None:  # the marker-less cases point at the start of the spec
        raise AssertionError("each case marks its position with @@")
    return folder / "spec.yaml", where


@pytest.mark.parametrize("case", [c for c in CASES if not c.generate], ids=lambda c: c.id)
def test_diagnostic_position(case: Case, in_tmp: Path) -> None:
    spec, where = _write(case, in_tmp)
    found = diagnose(spec).sorted()
    hits = [d for d in found if d.code == case.code]
    assert hits, [d.format() for d in found]
    d = hits[0]
    assert (d.severity, d.position.file, d.position.line, d.position.column) == (
        case.severity, where.file, where.line, where.column,
    ), d.format()
    assert case.message in d.message
    assert case.hint in d.hint
    if case.severity == "warning":
        assert not any(x.severity == "error" for x in found), [x.format() for x in found]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cli_prints_position(case: Case, in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec, where = _write(case, in_tmp)
    if case.generate:
        status = main([str(spec), "-o", str(in_tmp / "out")])
    else:
        status = main(["validate", str(spec)])
    out, err = capsys.readouterr()
    assert status == (0 if case.severity == "warning" else 2), out + err
    assert f"{where.file}:{where.line}:{where.column}: {case.severity} {case.code}: " in err, err
    if case.hint:
        assert "\n  hint: " in err
    assert "Traceback" not in out + err
    if case.generate:
        assert not (in_tmp / "out").exists()


def test_missing_spec_file(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nope.yaml"]) == 2
    err = capsys.readouterr().err
    assert "nope.yaml:1:1: error NOVA011: spec file 'nope.yaml' not found" in err


def test_every_code_is_covered_and_documented() -> None:
    import re

    root = Path(__file__).parents[2]
    emitted = {
        m for f in (root / "generator").rglob("*.py") for m in re.findall(r'"(NOVA\d{3})"', f.read_text("utf-8"))
    }
    # AsyncAPI codes (NOVA1xx, and NOVA074, NOVA082, NOVA083, NOVA095) have their cases in
    # tests/asyncapi/test_diagnostics.py.
    asyncapi_cases = (root / "tests" / "asyncapi" / "test_diagnostics.py").read_text("utf-8")
    covered = {c.code for c in CASES} | set(re.findall(r'Case\("\d+-[^"]*", .*?"(NOVA\d{3})"', asyncapi_cases, re.S))
    # NOVA2xx (--check) and NOVA3xx (breaking changes) are asserted by the tests of those commands.
    for name in ("test_error_format.py", "test_breaking.py"):
        covered |= set(re.findall(r'"(NOVA[23]\d\d)"', (root / "tests" / "generator" / name).read_text("utf-8")))
    assert emitted <= covered, sorted(emitted - covered)
    documented = re.findall(r"^\| `(NOVA\d{3})`", (root / "docs" / "diagnostics.md").read_text("utf-8"), re.M)
    assert documented == sorted(documented), "codes in numeric order"
    assert emitted <= set(documented), sorted(emitted - set(documented))


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "nova_gen"], [str(Path(sys.executable).parent / "nova-gen")]],
    ids=["python-m", "script"],
)
def test_subprocess_exit_status(command: list[str], in_tmp: Path) -> None:
    spec_text = mutate('version: "1.0"\n', 'version: "1.0"\ntitle: again\n', mutate("nova: 1", "nova: 2"))
    (in_tmp / "spec.yaml").write_text(spec_text, encoding="utf-8")
    (in_tmp / "bad.yaml").write_text("a: [1,\n", encoding="utf-8")
    proc = subprocess.run(
        [*command, "validate", "spec.yaml", "bad.yaml"], capture_output=True, text=True, cwd=in_tmp, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert "spec.yaml:1:7: error NOVA004: unsupported language version 2" in proc.stderr
    assert "spec.yaml:5:1: error NOVA002: duplicate key 'title'" in proc.stderr
    assert "bad.yaml:2:1: error NOVA001: invalid YAML" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
