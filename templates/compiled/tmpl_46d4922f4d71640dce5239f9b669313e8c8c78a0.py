from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'handlers.py.jinja'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_header = resolve('header')
    l_0_plan = resolve('plan')
    l_0_handler_typing_names = resolve('handler_typing_names')
    l_0_runtime_is_relative = resolve('runtime_is_relative')
    l_0_runtime = resolve('runtime')
    l_0_sequenced_channels = resolve('sequenced_channels')
    l_0_wire_methods = resolve('wire_methods')
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
    pass
    yield str(environment.finalize((undefined(name='header') if l_0_header is missing else l_0_header)))
    yield '\n"""Typed hooks for '
    yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'title'))))
    yield ': subclass and override what you need."""\n\nfrom __future__ import annotations\n\n'
    if (undefined(name='handler_typing_names') if l_0_handler_typing_names is missing else l_0_handler_typing_names):
        pass
        yield 'from typing import '
        yield str(environment.finalize(t_3((undefined(name='handler_typing_names') if l_0_handler_typing_names is missing else l_0_handler_typing_names), ', ')))
        yield '\n\n'
    if (not (undefined(name='runtime_is_relative') if l_0_runtime_is_relative is missing else l_0_runtime_is_relative)):
        pass
        yield 'from '
        yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
        yield ' import BaseHandlers, default_hook\n\n'
    yield 'from . import models\n'
    if (undefined(name='runtime_is_relative') if l_0_runtime_is_relative is missing else l_0_runtime_is_relative):
        pass
        yield 'from ._runtime import BaseHandlers, default_hook\n'
    if environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        pass
        yield 'from .channels import '
        yield str(environment.finalize(t_3(t_2(t_4(context, environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'), attribute='class_name')), ', ')))
        yield '\n'
    yield '\n__all__ = ["'
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
    yield '"]\n\n\nclass '
    yield str(environment.finalize(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'handlers_class')))
    yield '(BaseHandlers):\n    """Hooks called with typed messages. Every hook does nothing until you override it.\n\n    Hooks run in order, one at a time, outside the receive loop: a slow hook delays\n    other hooks, never the connection.\n    """\n'
    for l_1_c in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        _loop_vars = {}
        pass
        yield '\n    @default_hook\n    async def '
        yield str(environment.finalize(environment.getattr(l_1_c, 'hook')))
        yield '(self, message: '
        yield str(environment.finalize(environment.getattr(l_1_c, 'message')))
        yield ', channel: '
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield ') -> None:\n        """A message on ``'
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_c, 'source'), 'address'))))
        yield '``'
        if environment.getattr(environment.getattr(l_1_c, 'source'), 'summary'):
            pass
            yield ': '
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_c, 'source'), 'summary'))))
        else:
            pass
            yield '.'
        yield '"""\n'
    l_1_c = missing
    for l_1_e in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'events'):
        _loop_vars = {}
        pass
        yield '\n    @default_hook\n    async def '
        yield str(environment.finalize(environment.getattr(l_1_e, 'hook')))
        yield '(self, message: '
        yield str(environment.finalize(environment.getattr(l_1_e, 'message')))
        yield ') -> None:\n        """The server sent the event ``'
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_e, 'source'), 'name'))))
        yield '``'
        if environment.getattr(environment.getattr(l_1_e, 'source'), 'summary'):
            pass
            yield ': '
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_e, 'source'), 'summary'))))
        else:
            pass
            yield '.'
        yield '"""\n'
    l_1_e = missing
    if (undefined(name='sequenced_channels') if l_0_sequenced_channels is missing else l_0_sequenced_channels):
        pass
        yield '\n    @default_hook\n    async def on_sequence_gap(self, channel: '
        yield str(environment.finalize(t_3((undefined(name='sequenced_channels') if l_0_sequenced_channels is missing else l_0_sequenced_channels), ' | ')))
        yield ', expected: int, received: int) -> None:\n        """A channel\'s sequence check failed (spec ``sequence``): the frame carried\n        ``received`` where ``expected`` was due, so messages were missed. The messages keep\n        flowing; resubscribe for a fresh snapshot if the stream needs one."""\n'
    if (undefined(name='wire_methods') if l_0_wire_methods is missing else l_0_wire_methods):
        pass
        yield '\n    @default_hook\n    def sign(self, method: Literal['
        yield str(environment.finalize(t_3(t_4(context, (undefined(name='wire_methods') if l_0_wire_methods is missing else l_0_wire_methods), 'pyrepr'), ', ')))
        yield '], params: dict[str, Any]) -> dict[str, Any]:\n        """Sign what the spec cannot describe: return the params to send instead. ``method``\n        is the wire method of the request, login, subscribe or unsubscribe being framed."""\n        return params\n'

blocks = {}
debug_info = '1=42&2=44&6=46&7=49&10=51&11=54&15=57&18=60&19=63&22=66&25=68&31=70&34=74&35=80&37=91&40=95&41=99&43=110&46=113&51=115&54=118'