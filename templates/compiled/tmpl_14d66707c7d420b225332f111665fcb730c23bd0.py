from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'channels.py.jinja'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_header = resolve('header')
    l_0_channel_typing_names = resolve('channel_typing_names')
    l_0_channels_use_models = resolve('channels_use_models')
    l_0_plan = resolve('plan')
    try:
        t_1 = environment.filters['docstring']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'docstring' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    pass
    yield str(environment.finalize((undefined(name='header') if l_0_header is missing else l_0_header)))
    yield '\n"""Typed channel addresses: one frozen dataclass per channel family."""\n\nfrom __future__ import annotations\n\nfrom dataclasses import dataclass\n'
    if (undefined(name='channel_typing_names') if l_0_channel_typing_names is missing else l_0_channel_typing_names):
        pass
        yield 'from typing import '
        yield str(environment.finalize(t_2((undefined(name='channel_typing_names') if l_0_channel_typing_names is missing else l_0_channel_typing_names), ', ')))
        yield '\n'
    yield '\n'
    if (undefined(name='channels_use_models') if l_0_channels_use_models is missing else l_0_channels_use_models):
        pass
        yield 'from . import models\n'
    yield '\n__all__ = ['
    for l_1_c in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        _loop_vars = {}
        pass
        yield '"'
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield '", '
    l_1_c = missing
    yield ']\n'
    for l_1_c in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'channels'):
        _loop_vars = {}
        pass
        yield '\n\n@dataclass(frozen=True, slots=True)\nclass '
        yield str(environment.finalize(environment.getattr(l_1_c, 'class_name')))
        yield ':\n    """The channel ``'
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_c, 'source'), 'address'))))
        yield '``."""\n'
        for l_2_prm in environment.getattr(l_1_c, 'params'):
            _loop_vars = {}
            pass
            yield '    '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'name')))
            yield ': '
            yield str(environment.finalize(environment.getattr(l_2_prm, 'annotation')))
            yield '\n'
        l_2_prm = missing
        if (not environment.getattr(l_1_c, 'params')):
            pass
            yield '    pass\n'
    l_1_c = missing

blocks = {}
debug_info = '1=27&7=29&8=32&11=35&15=39&16=47&20=51&21=53&22=55&23=59&25=64'