from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'client.py.jinja'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_header = resolve('header')
    l_0_plan = resolve('plan')
    l_0_methods = resolve('methods')
    l_0_typing_names = resolve('typing_names')
    l_0_uses_type_adapter = resolve('uses_type_adapter')
    l_0_runtime_is_relative = resolve('runtime_is_relative')
    l_0_runtime = resolve('runtime')
    l_0_runtime_imports = resolve('runtime_imports')
    l_0_handshake = resolve('handshake')
    l_0_handshake_imports = resolve('handshake_imports')
    l_0_uses_dump_params = resolve('uses_dump_params')
    l_0_params_imports = resolve('params_imports')
    l_0_sends_imports = resolve('sends_imports')
    l_0_reply_consts = resolve('reply_consts')
    l_0_server_literal = resolve('server_literal')
    l_0_credentials = resolve('credentials')
    l_0_handshake_fields = resolve('handshake_fields')
    l_0_users = resolve('users')
    l_0_passwords = resolve('passwords')
    l_0_handshake_secrets = resolve('handshake_secrets')
    try:
        t_1 = environment.filters['docstring']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'docstring' found.")
    try:
        t_2 = environment.filters['importorder']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'importorder' found.")
    try:
        t_3 = environment.filters['indent']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'indent' found.")
    try:
        t_4 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_5 = environment.filters['list']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'list' found.")
    try:
        t_6 = environment.filters['map']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No filter named 'map' found.")
    try:
        t_7 = environment.filters['pyrepr']
    except KeyError:
        @internalcode
        def t_7(*unused):
            raise TemplateRuntimeError("No filter named 'pyrepr' found.")
    try:
        t_8 = environment.filters['rejectattr']
    except KeyError:
        @internalcode
        def t_8(*unused):
            raise TemplateRuntimeError("No filter named 'rejectattr' found.")
    try:
        t_9 = environment.filters['selectattr']
    except KeyError:
        @internalcode
        def t_9(*unused):
            raise TemplateRuntimeError("No filter named 'selectattr' found.")
    try:
        t_10 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_10(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield str(environment.finalize((undefined(name='header') if l_0_header is missing else l_0_header)))
    yield '\n"""The '
    yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'title'))))
    yield ' client: '
    if ((undefined(name='methods') if l_0_methods is missing else l_0_methods) and environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels')):
        pass
        yield 'one typed method per request and channel'
    elif (undefined(name='methods') if l_0_methods is missing else l_0_methods):
        pass
        yield 'one typed method per request'
    elif environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        pass
        yield 'one typed subscribe method per channel'
    else:
        pass
        yield 'the API has nothing to call; what the server sends goes to the handlers'
    yield '."""\n\nfrom __future__ import annotations\n\n'
    if (undefined(name='typing_names') if l_0_typing_names is missing else l_0_typing_names):
        pass
        yield 'from typing import '
        yield str(environment.finalize(t_4((undefined(name='typing_names') if l_0_typing_names is missing else l_0_typing_names), ', ')))
        yield '\n\n'
    if (undefined(name='uses_type_adapter') if l_0_uses_type_adapter is missing else l_0_uses_type_adapter):
        pass
        yield 'from pydantic import TypeAdapter\n\n'
    if (not (undefined(name='runtime_is_relative') if l_0_runtime_is_relative is missing else l_0_runtime_is_relative)):
        pass
        yield 'from '
        yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
        yield ' import '
        yield str(environment.finalize(t_4((undefined(name='runtime_imports') if l_0_runtime_imports is missing else l_0_runtime_imports), ', ')))
        yield '\n'
        if (undefined(name='handshake') if l_0_handshake is missing else l_0_handshake):
            pass
            yield 'from '
            yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
            yield '.handshake import '
            yield str(environment.finalize(t_4((undefined(name='handshake_imports') if l_0_handshake_imports is missing else l_0_handshake_imports), ', ')))
            yield '\n'
        if (undefined(name='uses_dump_params') if l_0_uses_dump_params is missing else l_0_uses_dump_params):
            pass
            yield 'from '
            yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
            yield '.params import '
            yield str(environment.finalize(t_4((undefined(name='params_imports') if l_0_params_imports is missing else l_0_params_imports), ', ')))
            yield '\n'
        yield '\n'
        if (undefined(name='sends_imports') if l_0_sends_imports is missing else l_0_sends_imports):
            pass
            yield 'from '
            yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
            yield '.sends import '
            yield str(environment.finalize(t_4((undefined(name='sends_imports') if l_0_sends_imports is missing else l_0_sends_imports), ', ')))
            yield '\n'
        yield '\n'
    yield 'from . import models\nfrom ._protocol import (\n'
    for l_1_name in t_2((((['PROTOCOL'] + t_5(context.eval_ctx, t_6(context, (undefined(name='methods') if l_0_methods is missing else l_0_methods), attribute='const'))) + t_5(context.eval_ctx, t_6(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'), attribute='const'))) + (undefined(name='reply_consts') if l_0_reply_consts is missing else l_0_reply_consts))):
        _loop_vars = {}
        pass
        yield '    '
        yield str(environment.finalize(l_1_name))
        yield ',\n'
    l_1_name = missing
    yield ')\n'
    if (undefined(name='runtime_is_relative') if l_0_runtime_is_relative is missing else l_0_runtime_is_relative):
        pass
        yield 'from ._runtime import '
        yield str(environment.finalize(t_4((undefined(name='runtime_imports') if l_0_runtime_imports is missing else l_0_runtime_imports), ', ')))
        yield '\n'
        if (undefined(name='handshake') if l_0_handshake is missing else l_0_handshake):
            pass
            yield 'from ._runtime.handshake import '
            yield str(environment.finalize(t_4((undefined(name='handshake_imports') if l_0_handshake_imports is missing else l_0_handshake_imports), ', ')))
            yield '\n'
        if (undefined(name='uses_dump_params') if l_0_uses_dump_params is missing else l_0_uses_dump_params):
            pass
            yield 'from ._runtime.params import '
            yield str(environment.finalize(t_4((undefined(name='params_imports') if l_0_params_imports is missing else l_0_params_imports), ', ')))
            yield '\n'
        if (undefined(name='sends_imports') if l_0_sends_imports is missing else l_0_sends_imports):
            pass
            yield 'from ._runtime.sends import '
            yield str(environment.finalize(t_4((undefined(name='sends_imports') if l_0_sends_imports is missing else l_0_sends_imports), ', ')))
            yield '\n'
    if environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        pass
        yield 'from .channels import '
        yield str(environment.finalize(t_4(t_2(t_6(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'), attribute='class_name')), ', ')))
        yield '\n'
    yield 'from .handlers import '
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
    yield '\n\n__all__ = ["'
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'client_class')))
    yield '"]\n\n\nclass '
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'client_class')))
    yield '(BaseClient['
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
    yield ']):\n    """'
    yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'title'))))
    if environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'version'):
        pass
        yield ' (API version '
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'version'))))
        yield ')'
    yield '.\n\n'
    if environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'description'):
        pass
        yield '    '
        yield str(environment.finalize(t_3(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'description')), 4)))
        yield '\n\n'
    yield '    Open a connection with :meth:`connect`::\n\n        async with '
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'client_class')))
    yield '.connect('
    if environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'default_server'):
        pass
        yield 'server='
        yield str(environment.finalize(t_1(t_7(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'default_server')))))
    yield ') as client:\n            ...\n    """\n\n    @classmethod\n    def connect(\n        cls,\n        *,\n'
    def t_11(fiter):
        for l_1_cp in fiter:
            if t_10(environment.getattr(l_1_cp, 'default')):
                yield l_1_cp
    for l_1_cp in t_11(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params')):
        _loop_vars = {}
        pass
        yield '        '
        yield str(environment.finalize(environment.getattr(l_1_cp, 'name')))
        yield ': '
        yield str(environment.finalize(environment.getattr(l_1_cp, 'annotation')))
        yield ',\n'
    l_1_cp = missing
    yield '        server: '
    yield str(environment.finalize((undefined(name='server_literal') if l_0_server_literal is missing else l_0_server_literal)))
    yield ' | None = None,\n        url: str | None = None,\n        handlers: '
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
    yield ' | None = None,\n        request_timeout: float = 10.0,\n'
    for l_1_cred in (undefined(name='credentials') if l_0_credentials is missing else l_0_credentials):
        _loop_vars = {}
        pass
        yield '        '
        yield str(environment.finalize(environment.getattr(l_1_cred, 'name')))
        yield ': str | CredentialProvider | None = None,\n'
    l_1_cred = missing
    def t_12(fiter):
        for l_1_cp in fiter:
            if (not t_10(environment.getattr(l_1_cp, 'default'))):
                yield l_1_cp
    for l_1_cp in t_12(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params')):
        _loop_vars = {}
        pass
        yield '        '
        yield str(environment.finalize(environment.getattr(l_1_cp, 'name')))
        yield ': '
        yield str(environment.finalize(environment.getattr(l_1_cp, 'annotation')))
        yield ' = '
        yield str(environment.finalize(environment.getattr(l_1_cp, 'default')))
        yield ',\n'
    l_1_cp = missing
    yield '        options: ConnectOptions | None = None,\n    ) -> Connector['
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'client_class')))
    yield ']:\n        """Connect to a named ``server`` (default '
    yield str(environment.finalize(t_1(t_7(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'default_server')))))
    yield ') or to ``url``.\n\n        Use the result as ``async with`` (closes on exit) or ``await`` it.\n'
    for l_1_cred in (undefined(name='credentials') if l_0_credentials is missing else l_0_credentials):
        _loop_vars = {}
        pass
        yield '        ``'
        yield str(environment.finalize(environment.getattr(l_1_cred, 'name')))
        yield '`` defaults to the environment variable ``'
        yield str(environment.finalize(t_1(environment.getattr(l_1_cred, 'env'))))
        yield '``.\n'
    l_1_cred = missing
    if ('CredentialProvider' in (undefined(name='runtime_imports') if l_0_runtime_imports is missing else l_0_runtime_imports)):
        pass
        yield '        A credential may be a callable returning it (or an awaitable of it): it is asked again before every connection attempt.\n'
    if (undefined(name='handshake') if l_0_handshake is missing else l_0_handshake):
        pass
        if (not environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'servers')):
            pass
            yield '        The document names no WebSocket server: pass ``url``.\n'
        if environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'address'):
            pass
            yield '        The channel address ``'
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'address'))))
            yield '`` is appended to the server URL (or ``url``).\n'
        if environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params'):
            pass
            yield '\n        Args:\n'
            for l_1_cp in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params'):
                l_1_kind_docs = resolve('kind_docs')
                _loop_vars = {}
                pass
                yield '            '
                yield str(environment.finalize(environment.getattr(l_1_cp, 'name')))
                yield ': '
                yield str(environment.finalize(environment.getitem((undefined(name='kind_docs') if l_1_kind_docs is missing else l_1_kind_docs), environment.getattr(environment.getattr(l_1_cp, 'source'), 'kind'))))
                yield ' ``'
                yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_cp, 'source'), 'name'))))
                yield '``'
                if environment.getattr(environment.getattr(l_1_cp, 'source'), 'description'):
                    pass
                    yield '. '
                    yield str(environment.finalize(t_3(t_1(environment.getattr(environment.getattr(l_1_cp, 'source'), 'description')), 16)))
                if environment.getattr(environment.getattr(l_1_cp, 'source'), 'env'):
                    pass
                    yield ' Defaults to the environment variable ``'
                    yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_cp, 'source'), 'env'))))
                    yield '``.'
                yield '\n'
            l_1_cp = l_1_kind_docs = missing
        yield '        """\n        handshake = Handshake(\n            address='
        yield str(environment.finalize(t_7(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'address'))))
        yield ',\n'
        l_1_loop = missing
        for (l_1_kind, l_1_field), l_1_loop in LoopContext((undefined(name='handshake_fields') if l_0_handshake_fields is missing else l_0_handshake_fields), undefined):
            l_1_items = missing
            _loop_vars = {}
            pass
            l_1_items = t_5(context.eval_ctx, t_9(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params'), 'source.kind', 'equalto', l_1_kind))
            _loop_vars['items'] = l_1_items
            if (undefined(name='items') if l_1_items is missing else l_1_items):
                pass
                yield '            '
                yield str(environment.finalize(l_1_field))
                yield '={ '
                l_2_loop = missing
                for l_2_cp, l_2_loop in LoopContext((undefined(name='items') if l_1_items is missing else l_1_items), undefined):
                    _loop_vars = {}
                    pass
                    yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_2_cp, 'source'), 'name'))))
                    yield ': '
                    yield str(environment.finalize(environment.getattr(l_2_cp, 'value')))
                    if (not environment.getattr(l_2_loop, 'last')):
                        pass
                        yield ', '
                l_2_loop = l_2_cp = missing
                yield ' },\n'
        l_1_loop = l_1_kind = l_1_field = l_1_items = missing
        def t_13(fiter):
            for l_1_cp in fiter:
                if (environment.getattr(environment.getattr(l_1_cp, 'source'), 'kind') == 'bearer'):
                    yield l_1_cp
        for l_1_cp in t_13(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params')):
            _loop_vars = {}
            pass
            yield '            bearer='
            yield str(environment.finalize(environment.getattr(l_1_cp, 'value')))
            yield ',\n'
        l_1_cp = missing
        l_0_users = t_5(context.eval_ctx, t_9(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params'), 'source.kind', 'equalto', 'basic_user'))
        context.vars['users'] = l_0_users
        context.exported_vars.add('users')
        l_0_passwords = t_5(context.eval_ctx, t_9(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'connect_params'), 'source.kind', 'equalto', 'basic_password'))
        context.vars['passwords'] = l_0_passwords
        context.exported_vars.add('passwords')
        if (undefined(name='users') if l_0_users is missing else l_0_users):
            pass
            yield '            basic=('
            yield str(environment.finalize(environment.getattr(environment.getitem((undefined(name='users') if l_0_users is missing else l_0_users), 0), 'value')))
            yield ', '
            if (undefined(name='passwords') if l_0_passwords is missing else l_0_passwords):
                pass
                yield str(environment.finalize(environment.getattr(environment.getitem((undefined(name='passwords') if l_0_passwords is missing else l_0_passwords), 0), 'value')))
            else:
                pass
                yield 'None'
            yield '),\n'
        if (undefined(name='handshake_secrets') if l_0_handshake_secrets is missing else l_0_handshake_secrets):
            pass
            yield '            secrets=('
            l_1_loop = missing
            for l_1_name, l_1_loop in LoopContext((undefined(name='handshake_secrets') if l_0_handshake_secrets is missing else l_0_handshake_secrets), undefined):
                _loop_vars = {}
                pass
                yield str(environment.finalize(t_7(l_1_name)))
                yield ','
                if (not environment.getattr(l_1_loop, 'last')):
                    pass
                    yield ' '
            l_1_loop = l_1_name = missing
            yield '),\n'
        yield '        )\n        return Connector(\n            cls,\n            PROTOCOL,\n            server=server,\n            url=url,\n            handlers=handlers if handlers is not None else '
        yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
        yield '(),\n            request_timeout=request_timeout,\n            credentials={ '
        l_1_loop = missing
        for l_1_cred, l_1_loop in LoopContext((undefined(name='credentials') if l_0_credentials is missing else l_0_credentials), undefined):
            _loop_vars = {}
            pass
            yield str(environment.finalize(t_7(environment.getattr(l_1_cred, 'wire'))))
            yield ': '
            yield str(environment.finalize(environment.getattr(l_1_cred, 'name')))
            if (not environment.getattr(l_1_loop, 'last')):
                pass
                yield ', '
        l_1_loop = l_1_cred = missing
        yield '},\n            options=options,\n            handshake=handshake,\n        )\n'
    else:
        pass
        yield '        """\n        return Connector(\n            cls,\n            PROTOCOL,\n            server=server,\n            url=url,\n            handlers=handlers if handlers is not None else '
        yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
        yield '(),\n            request_timeout=request_timeout,\n            credentials={ '
        l_1_loop = missing
        for l_1_cred, l_1_loop in LoopContext((undefined(name='credentials') if l_0_credentials is missing else l_0_credentials), undefined):
            _loop_vars = {}
            pass
            yield str(environment.finalize(t_7(environment.getattr(l_1_cred, 'wire'))))
            yield ': '
            yield str(environment.finalize(environment.getattr(l_1_cred, 'name')))
            if (not environment.getattr(l_1_loop, 'last')):
                pass
                yield ', '
        l_1_loop = l_1_cred = missing
        yield '},\n            options=options,\n        )\n'
    l_1_loop = missing
    for l_1_r, l_1_loop in LoopContext((undefined(name='methods') if l_0_methods is missing else l_0_methods), undefined):
        l_1_asked = l_1_described = missing
        _loop_vars = {}
        pass
        yield '\n    async def '
        yield str(environment.finalize(environment.getattr(l_1_r, 'name')))
        yield '(\n        self,\n'
        l_1_asked = t_5(context.eval_ctx, t_8(context, environment.getattr(l_1_r, 'params'), 'fixed'))
        _loop_vars['asked'] = l_1_asked
        if ((undefined(name='asked') if l_1_asked is missing else l_1_asked) or environment.getattr(l_1_r, 'awaits_reply')):
            pass
            yield '        *,\n'
        for l_2_prm in (undefined(name='asked') if l_1_asked is missing else l_1_asked):
            _loop_vars = {}
            pass
            yield '        '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            yield ': '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'annotation')))
            if (not environment.getattr(l_2_prm, 'required')):
                pass
                if (not (context.call(environment.getattr(environment.getattr(l_2_prm, 'annotation'), 'endswith'), ' | None', _loop_vars=_loop_vars) or (environment.getattr(l_2_prm, 'annotation') == 'None'))):
                    pass
                    yield ' | None'
                yield ' = None'
            yield ',\n'
        l_2_prm = missing
        if environment.getattr(l_1_r, 'awaits_reply'):
            pass
            yield '        timeout: float | None = None,\n    ) -> '
            yield str(environment.finalize(environment.getattr(l_1_r, 'result')))
            yield ':\n'
        else:
            pass
            yield '    ) -> None:\n'
        yield '        """'
        if environment.getattr(environment.getattr(l_1_r, 'source'), 'summary'):
            pass
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'summary'))))
        else:
            pass
            yield 'Send '
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield '.'
        yield '\n\n'
        if environment.getattr(environment.getattr(l_1_r, 'source'), 'description'):
            pass
            yield '        '
            yield str(environment.finalize(t_3(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'description')), 8)))
            yield '\n\n'
        if (environment.getattr(environment.getattr(l_1_r, 'source'), 'body') == 'binary'):
            pass
            yield '        Sends ``payload`` as one binary frame, its bytes as they are (message ``'
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield '``).\n'
        elif (environment.getattr(environment.getattr(l_1_r, 'source'), 'body') == 'text'):
            pass
            yield '        Sends ``payload`` as one text frame, as it is (message ``'
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield '``).\n'
        elif environment.getattr(environment.getattr(l_1_r, 'source'), 'body'):
            pass
            yield '        Sends ``payload`` as the whole frame, in JSON (message ``'
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield '``).\n'
        elif t_10(environment.getattr(environment.getattr(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'envelope'), 'request'), 'method')):
            pass
            yield '        Sends message ``'
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield "``: the arguments are the frame's fields.\n"
        else:
            pass
            yield '        Wire method ``'
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield '``.'
            if environment.getattr(environment.getattr(l_1_r, 'source'), 'requires_auth'):
                pass
                yield ' Needs an authenticated connection.'
            yield '\n'
        def t_14(fiter):
            for l_2_prm in fiter:
                if environment.getattr(l_2_prm, 'fixed'):
                    yield l_2_prm
        for l_2_prm in t_14(environment.getattr(l_1_r, 'params')):
            _loop_vars = {}
            pass
            yield '        Sets ``'
            yield str(environment.finalize(t_1(environment.getattr(l_2_prm, 'wire'))))
            yield '`` to ``'
            yield str(environment.finalize(t_1(environment.getattr(l_2_prm, 'fixed'))))
            yield '``, the only value the spec allows.\n'
        l_2_prm = missing
        if (not environment.getattr(l_1_r, 'awaits_reply')):
            pass
            yield '        Sent without waiting: the API does not reply to it'
            if environment.getattr(environment.getattr(l_1_r, 'source'), 'reply'):
                pass
                yield ' (the spec has no rule that recognises a reply)'
            yield '.\n'
        elif (not environment.getattr(environment.getattr(l_1_r, 'source'), 'correlated')):
            pass
            yield '        The reply carries no correlation id: this returns the next frame that is a reply of this kind.\n'
        yield '\n'
        l_1_described = t_5(context.eval_ctx, t_9(context, (undefined(name='asked') if l_1_asked is missing else l_1_asked), 'description'))
        _loop_vars['described'] = l_1_described
        if (undefined(name='described') if l_1_described is missing else l_1_described):
            pass
            yield '        Args:\n'
            for l_2_prm in (undefined(name='described') if l_1_described is missing else l_1_described):
                _loop_vars = {}
                pass
                yield '            '
                yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
                yield ': '
                yield str(environment.finalize(t_3(t_1(environment.getattr(l_2_prm, 'description')), 16)))
                yield '\n'
            l_2_prm = missing
        yield '        """\n'
        if (environment.getattr(environment.getattr(l_1_r, 'source'), 'body') == 'json'):
            pass
            yield '        frame = dump_payload(TypeAdapter['
            yield str(environment.finalize(environment.getattr(environment.getitem(environment.getattr(l_1_r, 'params'), 0), 'annotation')))
            yield ']('
            yield str(environment.finalize(environment.getattr(environment.getitem(environment.getattr(l_1_r, 'params'), 0), 'annotation')))
            yield '), '
            yield str(environment.finalize(t_7(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
            yield ', '
            yield str(environment.finalize(environment.getattr(environment.getitem(environment.getattr(l_1_r, 'params'), 0), 'name')))
            yield ')\n'
        elif environment.getattr(environment.getattr(l_1_r, 'source'), 'body'):
            pass
            yield '        frame = '
            yield str(environment.finalize(environment.getattr(environment.getitem(environment.getattr(l_1_r, 'params'), 0), 'name')))
            yield '\n'
        elif environment.getattr(l_1_r, 'params_model'):
            pass
            yield '        wire_params = dump_params(\n            models.'
            yield str(environment.finalize(environment.getattr(l_1_r, 'params_model')))
            yield ',\n            { '
            l_2_loop = missing
            for l_2_prm, l_2_loop in LoopContext(environment.getattr(l_1_r, 'params'), undefined):
                _loop_vars = {}
                pass
                yield str(environment.finalize(t_7(environment.getattr(l_2_prm, 'wire'))))
                yield ': '
                yield str(environment.finalize((environment.getattr(l_2_prm, 'fixed') or environment.getattr(l_2_prm, 'name'))))
                if (not environment.getattr(l_2_loop, 'last')):
                    pass
                    yield ', '
            l_2_loop = l_2_prm = missing
            yield '},\n        )\n'
        else:
            pass
            yield '        wire_params: dict[str, object] = {}\n'
        if (environment.getattr(environment.getattr(l_1_r, 'source'), 'body') and (not environment.getattr(l_1_r, 'awaits_reply'))):
            pass
            yield '        await send_frame(self, '
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield ', frame)\n'
        elif environment.getattr(environment.getattr(l_1_r, 'source'), 'body'):
            pass
            yield '        return await request_next(self, '
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield ', {}, '
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield '_REPLY, timeout=timeout, frame=frame)\n'
        elif (not environment.getattr(l_1_r, 'awaits_reply')):
            pass
            yield '        await send_only(self, '
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield ', wire_params)\n'
        elif (not environment.getattr(environment.getattr(l_1_r, 'source'), 'correlated')):
            pass
            yield '        return await request_next(self, '
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield ', wire_params, '
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield '_REPLY, timeout=timeout)\n'
        else:
            pass
            yield '        return await self._request('
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield ', wire_params, timeout=timeout)\n'
    l_1_loop = l_1_r = l_1_asked = l_1_described = missing
    l_1_loop = missing
    for l_1_c, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'), undefined):
        l_1_described = missing
        _loop_vars = {}
        pass
        yield '\n    def '
        yield str(environment.finalize(environment.getattr(l_1_c, 'subscribe')))
        yield '(\n        self,\n'
        if environment.getattr(l_1_c, 'params'):
            pass
            yield '        *,\n'
        for l_2_prm in environment.getattr(l_1_c, 'params'):
            _loop_vars = {}
            pass
            yield '        '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            yield ': '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'annotation')))
            if (not t_10(environment.getattr(l_2_prm, 'default'))):
                pass
                yield ' = '
                yield str(environment.finalize(environment.getattr(l_2_prm, 'default')))
            yield ',\n'
        l_2_prm = missing
        yield '    ) -> Subscription['
        yield str(environment.finalize(environment.getattr(l_1_c, 'message')))
        yield ', '
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield ']:\n        """Subscribe to ``'
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_c, 'source'), 'address'))))
        yield '``'
        if environment.getattr(environment.getattr(l_1_c, 'source'), 'summary'):
            pass
            yield ': '
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_c, 'source'), 'summary'))))
        else:
            pass
            yield '.'
        yield "\n\n        Iterate the result for typed messages, await it to wait for the server's ack,\n        or use it as ``async with`` to unsubscribe on exit.\n"
        l_1_described = t_5(context.eval_ctx, t_9(context, environment.getattr(l_1_c, 'params'), 'description'))
        _loop_vars['described'] = l_1_described
        if (undefined(name='described') if l_1_described is missing else l_1_described):
            pass
            yield '\n        Args:\n'
            for l_2_prm in (undefined(name='described') if l_1_described is missing else l_1_described):
                _loop_vars = {}
                pass
                yield '            '
                yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
                yield ': '
                yield str(environment.finalize(t_3(t_1(environment.getattr(l_2_prm, 'description')), 16)))
                yield '\n'
            l_2_prm = missing
        yield '        """\n        return self._subscribe(\n            '
        yield str(environment.finalize(environment.getattr(l_1_c, 'const')))
        yield ',\n            '
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield '('
        l_2_loop = missing
        for l_2_prm, l_2_loop in LoopContext(environment.getattr(l_1_c, 'params'), undefined):
            _loop_vars = {}
            pass
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            yield '='
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            if (not environment.getattr(l_2_loop, 'last')):
                pass
                yield ', '
        l_2_loop = l_2_prm = missing
        yield '),\n        )\n\n    async def '
        yield str(environment.finalize(environment.getattr(l_1_c, 'unsubscribe')))
        yield '(\n        self,\n'
        if environment.getattr(l_1_c, 'params'):
            pass
            yield '        *,\n'
        for l_2_prm in environment.getattr(l_1_c, 'params'):
            _loop_vars = {}
            pass
            yield '        '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            yield ': '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'annotation')))
            if (not t_10(environment.getattr(l_2_prm, 'default'))):
                pass
                yield ' = '
                yield str(environment.finalize(environment.getattr(l_2_prm, 'default')))
            yield ',\n'
        l_2_prm = missing
        yield '    ) -> None:\n        """Unsubscribe from ``'
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_c, 'source'), 'address'))))
        yield '`` and end its iterators."""\n        await self._unsubscribe(\n            '
        yield str(environment.finalize(environment.getattr(l_1_c, 'const')))
        yield ',\n            '
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield '('
        l_2_loop = missing
        for l_2_prm, l_2_loop in LoopContext(environment.getattr(l_1_c, 'params'), undefined):
            _loop_vars = {}
            pass
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            yield '='
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            if (not environment.getattr(l_2_loop, 'last')):
                pass
                yield ', '
        l_2_loop = l_2_prm = missing
        yield '),\n        )\n'
    l_1_loop = l_1_c = l_1_described = missing

blocks = {}
debug_info = '1=91&2=93&6=108&7=111&10=113&14=116&15=119&16=123&17=126&19=130&20=133&23=138&24=141&30=147&31=151&34=155&35=158&36=160&37=163&39=165&40=168&42=170&43=173&46=175&47=178&49=181&51=183&54=185&55=189&57=196&61=202&69=209&71=223&73=225&75=227&77=234&80=250&81=252&84=254&86=263&89=266&90=268&93=271&94=274&96=276&99=279&100=284&105=302&106=305&107=309&108=311&109=314&112=329&113=337&115=340&116=343&117=346&118=349&120=358&121=362&129=373&131=376&142=390&144=393&148=405&150=410&152=412&153=414&156=417&158=432&160=435&164=441&166=450&167=453&170=455&171=458&172=460&173=463&174=465&175=468&176=470&177=473&179=478&181=484&182=492&184=497&185=500&186=504&190=508&191=510&193=513&194=517&198=523&199=534&200=539&201=542&202=545&206=559&207=562&208=564&209=567&210=571&211=574&212=576&213=579&215=586&218=590&220=595&222=597&225=600&226=614&227=618&231=628&232=630&235=633&236=637&241=643&242=645&245=659&247=661&250=664&252=678&254=680&255=682'