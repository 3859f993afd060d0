from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'errors.py.jinja'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_header = resolve('header')
    l_0_plan = resolve('plan')
    l_0_runtime = resolve('runtime')
    l_0_base_error = resolve('base_error')
    try:
        t_1 = environment.filters['docstring']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'docstring' found.")
    try:
        t_2 = environment.filters['pyrepr']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'pyrepr' found.")
    pass
    yield str(environment.finalize((undefined(name='header') if l_0_header is missing else l_0_header)))
    yield '\n"""Errors '
    yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'title'))))
    yield ' replies with, one class per documented code."""\n\nfrom __future__ import annotations\n\nfrom '
    yield str(environment.finalize((undefined(name='runtime') if l_0_runtime is missing else l_0_runtime)))
    yield ' import ServerError\n\n__all__ = ["'
    yield str(environment.finalize((undefined(name='base_error') if l_0_base_error is missing else l_0_base_error)))
    yield '", '
    for l_1_e in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'errors'):
        _loop_vars = {}
        pass
        yield '"'
        yield str(environment.finalize(environment.getattr(l_1_e, 'class_name')))
        yield '", '
    l_1_e = missing
    yield ']\n\n\nclass '
    yield str(environment.finalize((undefined(name='base_error') if l_0_base_error is missing else l_0_base_error)))
    yield '(ServerError):\n    """An error reply from '
    yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'api'), 'title'))))
    yield '; ``code``, ``message`` and ``data`` say which."""\n'
    for l_1_e in environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'errors'):
        l_1_actions = resolve('actions')
        _loop_vars = {}
        pass
        yield '\n\nclass '
        yield str(environment.finalize(environment.getattr(l_1_e, 'class_name')))
        yield '('
        yield str(environment.finalize((undefined(name='base_error') if l_0_base_error is missing else l_0_base_error)))
        yield '):\n    """Code '
        yield str(environment.finalize(t_1(t_2(environment.getattr(environment.getattr(l_1_e, 'source'), 'code')))))
        yield ', ``'
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_e, 'source'), 'name'))))
        yield '``'
        if environment.getattr(environment.getattr(l_1_e, 'source'), 'description'):
            pass
            yield ': '
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr(l_1_e, 'source'), 'description'))))
        else:
            pass
            yield '.'
        yield '\n\n    What the client does: '
        yield str(environment.finalize(environment.getitem((undefined(name='actions') if l_1_actions is missing else l_1_actions), environment.getattr(environment.getattr(l_1_e, 'source'), 'action'))))
        yield '\n    """\n'
    l_1_e = l_1_actions = missing

blocks = {}
debug_info = '1=27&2=29&6=31&8=33&11=43&12=45&13=47&16=52&17=56&19=68'