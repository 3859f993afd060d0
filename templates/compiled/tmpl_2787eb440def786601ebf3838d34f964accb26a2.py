from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_protocol.py.jinja'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_header = resolve('header')
    l_0_plan = resolve('plan')
    l_0_protocol_typing_names = resolve('protocol_typing_names')
    l_0_runtime_is_relative = resolve('runtime_is_relative')
    l_0_runtime = resolve('runtime')
    l_0_subscribe_methods = resolve('subscribe_methods')
    l_0_base_error = resolve('base_error')
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
        t_3 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_4 = environment.filters['map']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'map' found.")
    try:
        t_5 = environment.filters['pyliteral']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'pyliteral' found.")
    try:
        t_6 = environment.filters['pyrepr']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No filter named 'pyrepr' found.")
    try:
        t_7 = environment.filters['pytuple']
    except KeyError:
        @internalcode
        def t_7(*unused):
            raise TemplateRuntimeError("No filter named 'pytuple' found.")
    try:
        t_8 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_8(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield str(environment.finalize((undefined(name='header') if l_0_header is missing else l_0_header)))
    yield '\n"""The wire description of '
    yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'title'))))
    yield ', read by the runtime."""\n\nfrom __future__ import annotations\n\n'
    if (undefined(name='protocol_typing_names') if l_0_protocol_typing_names is missing else l_0_protocol_typing_names):
        pass
        yield 'from typing import '
        yield str(environment.finalize(t_3((undefined(name='protocol_typing_names') if l_0_protocol_typing_names is missing else l_0_protocol_typing_names), ', ')))
        yield '\n\n'
    yield 'from pydantic import TypeAdapter\n'
    if (not (undefined(name='runtime_is_relative') if l_0_runtime_is_relative is missing else l_0_runtime_is_relative)):
        pass
        yield '\nfrom '
        yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
        yield ' import protocol as p\n'
    yield '\nfrom . import errors, models\n'
    if (undefined(name='runtime_is_relative') if l_0_runtime_is_relative is missing else l_0_runtime_is_relative):
        pass
        yield 'from ._runtime import protocol as p\n'
    if environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        pass
        yield 'from .channels import '
        yield str(environment.finalize(t_3(t_2(t_4(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'), attribute='class_name')), ', ')))
        yield '\n'
    yield 'SPEC_FINGERPRINT = '
    yield str(environment.finalize(t_6(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'fingerprint'))))
    yield '\n"""The content of the spec this package was generated from (comments and layout aside)."""\n'
    for l_1_r in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'requests'):
        _loop_vars = {}
        pass
        yield '\n'
        yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
        yield ': p.RequestSpec['
        yield str(environment.finalize(environment.getattr(l_1_r, 'result')))
        yield '] = p.RequestSpec(\n    name='
        yield str(environment.finalize(t_6(environment.getattr(l_1_r, 'name'))))
        yield ',\n    method='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
        yield ',\n    parse_result=TypeAdapter['
        yield str(environment.finalize(environment.getattr(l_1_r, 'result')))
        yield ']('
        yield str(environment.finalize(environment.getattr(l_1_r, 'result')))
        yield ').validate_python,\n    cost='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_r, 'source'), 'cost'))))
        yield ',\n    requires_auth='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_r, 'source'), 'requires_auth'))))
        yield ',\n    idempotent='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_r, 'source'), 'idempotent'))))
        yield ',\n    timeout='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_r, 'source'), 'timeout'))))
        yield ',\n'
        if environment.getattr(environment.getattr(l_1_r, 'source'), 'positional'):
            pass
            yield '    positional='
            yield str(environment.finalize(t_7(t_4(context, environment.getattr(l_1_r, 'params'), attribute='wire'))))
            yield ',\n'
        if environment.getattr(environment.getattr(l_1_r, 'source'), 'params_array'):
            pass
            yield '    params_array=True,\n'
        yield ')\n'
        if ((not t_8(environment.getattr(environment.getattr(l_1_r, 'source'), 'reply_when'))) and (not environment.getattr(environment.getattr(l_1_r, 'source'), 'correlated'))):
            pass
            yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
            yield '_REPLY = '
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_r, 'source'), 'reply_when'))))
            yield '\n"""How the reply of ``'
            yield str(environment.finalize(environment.getattr(l_1_r, 'name')))
            yield '`` is recognised (it carries no correlation id)."""\n'
    l_1_r = missing
    for l_1_c in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        _loop_vars = {}
        pass
        yield '\n'
        yield str(environment.finalize(environment.getattr(l_1_c, 'const')))
        yield ': p.ChannelSpec['
        yield str(environment.finalize(environment.getattr(l_1_c, 'message')))
        yield ', '
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield '] = p.ChannelSpec(\n    name='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_c, 'source'), 'name'))))
        yield ',\n    address='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_c, 'source'), 'address'))))
        yield ',\n    parameters='
        yield str(environment.finalize(t_7(t_4(context, environment.getattr(l_1_c, 'params'), attribute='wire'))))
        yield ',\n    fields='
        yield str(environment.finalize(t_7(t_4(context, environment.getattr(l_1_c, 'params'), attribute='name'))))
        yield ',\n    parse=TypeAdapter['
        yield str(environment.finalize(environment.getattr(l_1_c, 'message')))
        yield ']('
        yield str(environment.finalize(environment.getattr(l_1_c, 'message')))
        yield ').validate_python,\n    message_type='
        yield str(environment.finalize(environment.getattr(l_1_c, 'message')))
        yield ',\n    channel_type='
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield ',\n    hook='
        yield str(environment.finalize(t_6(environment.getattr(l_1_c, 'hook'))))
        yield ',\n    via='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_c, 'source'), 'subscription'))))
        yield ',\n'
        if (not t_8(environment.getattr(environment.getattr(l_1_c, 'source'), 'structured'))):
            pass
            yield '    structured='
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_c, 'source'), 'structured'))))
            yield ',\n'
        if (not t_8(environment.getattr(environment.getattr(l_1_c, 'source'), 'subscribe_params'))):
            pass
            yield '    subscribe_params='
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_c, 'source'), 'subscribe_params'))))
            yield ',\n'
        if (not t_8(environment.getattr(environment.getattr(l_1_c, 'source'), 'when'))):
            pass
            yield '    when='
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_c, 'source'), 'when'))))
            yield ',\n'
        if environment.getattr(environment.getattr(l_1_c, 'source'), 'route'):
            pass
            yield '    route='
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_c, 'source'), 'route'))))
            yield ',\n'
        if (not t_8(environment.getattr(environment.getattr(l_1_c, 'source'), 'sequence'))):
            pass
            yield '    sequence='
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_c, 'source'), 'sequence'))))
            yield ',\n'
        if (not t_8(environment.getattr(environment.getattr(l_1_c, 'source'), 'stale_after'))):
            pass
            yield '    stale_after='
            yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_c, 'source'), 'stale_after'))))
            yield ',\n'
        yield ')\n'
    l_1_c = missing
    for l_1_e in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'events'):
        _loop_vars = {}
        pass
        yield '\n'
        yield str(environment.finalize(environment.getattr(l_1_e, 'const')))
        yield ': p.EventSpec['
        yield str(environment.finalize(environment.getattr(l_1_e, 'message')))
        yield '] = p.EventSpec(\n    name='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_e, 'source'), 'name'))))
        yield ',\n    when='
        yield str(environment.finalize(t_5(environment.getattr(environment.getattr(l_1_e, 'source'), 'when'))))
        yield ',\n    payload='
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_e, 'source'), 'payload'))))
        yield ',\n    parse=TypeAdapter['
        yield str(environment.finalize(environment.getattr(l_1_e, 'message')))
        yield ']('
        yield str(environment.finalize(environment.getattr(l_1_e, 'message')))
        yield ').validate_python,\n    hook='
        yield str(environment.finalize(t_6(environment.getattr(l_1_e, 'hook'))))
        yield ',\n'
        if (environment.getattr(environment.getattr(l_1_e, 'source'), 'frame') != 'json'):
            pass
            yield '    frame='
            yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_e, 'source'), 'frame'))))
            yield ',\n'
        yield ')\n'
    l_1_e = missing
    yield '\nPROTOCOL = p.Protocol(\n    name='
    yield str(environment.finalize(t_6(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'name'))))
    yield ',\n    servers={ '
    l_1_loop = missing
    for l_1_s, l_1_loop in LoopContext(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'servers'), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(t_6(environment.getattr(l_1_s, 'name'))))
        yield ': '
        yield str(environment.finalize(t_6(environment.getattr(l_1_s, 'url'))))
        if (not environment.getattr(l_1_loop, 'last')):
            pass
            yield ', '
    l_1_loop = l_1_s = missing
    yield '},\n    default_server='
    yield str(environment.finalize(t_6(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'default_server'))))
    yield ',\n    envelope='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'envelope'))))
    yield ',\n    requests={ '
    l_1_loop = missing
    for l_1_r, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'requests'), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_r, 'source'), 'method'))))
        yield ': '
        yield str(environment.finalize(environment.getattr(l_1_r, 'const')))
        if (not environment.getattr(l_1_loop, 'last')):
            pass
            yield ', '
    l_1_loop = l_1_r = missing
    yield '},\n    channels=('
    for l_1_c in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        _loop_vars = {}
        pass
        yield str(environment.finalize(environment.getattr(l_1_c, 'const')))
        yield ','
    l_1_c = missing
    yield '),\n    subscribe_methods='
    yield str(environment.finalize(t_5((undefined(name='subscribe_methods') if l_0_subscribe_methods is missing else l_0_subscribe_methods))))
    yield ',\n    events=('
    for l_1_e in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'events'):
        _loop_vars = {}
        pass
        yield str(environment.finalize(environment.getattr(l_1_e, 'const')))
        yield ','
    l_1_e = missing
    yield '),\n    heartbeat='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'heartbeat'))))
    yield ',\n    auth='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'auth'))))
    yield ',\n    reconnect='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'reconnect'))))
    yield ',\n    rate_limit='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'rate_limit'))))
    yield ',\n    errors={ '
    l_1_loop = missing
    for l_1_e, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'errors'), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_e, 'source'), 'code'))))
        yield ': '
        yield str(environment.finalize(t_5(environment.getattr(l_1_e, 'source'))))
        if (not environment.getattr(l_1_loop, 'last')):
            pass
            yield ', '
    l_1_loop = l_1_e = missing
    yield '},\n    error_classes={ '
    l_1_loop = missing
    for l_1_e, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'errors'), undefined):
        _loop_vars = {}
        pass
        yield str(environment.finalize(t_6(environment.getattr(environment.getattr(l_1_e, 'source'), 'code'))))
        yield ': errors.'
        yield str(environment.finalize(environment.getattr(l_1_e, 'class_name')))
        if (not environment.getattr(l_1_loop, 'last')):
            pass
            yield ', '
    l_1_loop = l_1_e = missing
    yield '},\n    base_error=errors.'
    yield str(environment.finalize((undefined(name='base_error') if l_0_base_error is missing else l_0_base_error)))
    yield ',\n    max_lifetime='
    yield str(environment.finalize(t_6(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'max_lifetime'))))
    yield ',\n    subprotocols='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'subprotocols'))))
    yield ',\n    hello='
    yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'hello'))))
    yield ',\n'
    if (not t_8(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'init'))):
        pass
        yield '    init='
        yield str(environment.finalize(t_5(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'init'))))
        yield ',\n'
    yield ')\n'

blocks = {}
debug_info = '1=66&2=68&6=70&7=73&11=76&13=79&17=82&20=85&21=88&23=91&25=93&27=97&28=101&29=103&30=105&31=109&32=111&33=113&34=115&35=117&36=120&38=122&42=126&43=128&44=132&47=135&49=139&50=145&51=147&52=149&53=151&54=153&55=157&56=159&57=161&58=163&59=165&60=168&62=170&63=173&65=175&66=178&68=180&69=183&71=185&72=188&74=190&75=193&79=197&81=201&82=205&83=207&84=209&85=211&86=215&87=217&88=220&94=225&95=228&96=239&97=241&98=244&99=255&100=262&101=264&102=271&103=273&104=275&105=277&106=280&107=292&108=303&109=305&110=307&111=309&112=311&113=314'