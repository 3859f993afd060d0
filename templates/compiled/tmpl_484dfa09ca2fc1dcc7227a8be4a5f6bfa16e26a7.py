from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_runtime_check.py.jinja'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_header = resolve('header')
    l_0_runtime_missing = resolve('runtime_missing')
    l_0_runtime_requirement = resolve('runtime_requirement')
    l_0_package = resolve('package')
    pass
    yield str(environment.finalize((undefined(name='header') if l_0_header is missing else l_0_header)))
    yield '\n"""The nova-runtime versions this package works with, checked when it is imported.\n\n``__init__`` imports this module before anything else, so a runtime outside the range\nfails here, saying what to install, instead of later with a missing name.\n"""\n\ntry:\n    from nova_runtime.version import require_runtime\nexcept ImportError as error:\n    raise ImportError('
    yield str(environment.finalize((undefined(name='runtime_missing') if l_0_runtime_missing is missing else l_0_runtime_missing)))
    yield ') from error\n\nRUNTIME_REQUIREMENT = '
    yield str(environment.finalize((undefined(name='runtime_requirement') if l_0_runtime_requirement is missing else l_0_runtime_requirement)))
    yield '\n"""The nova-runtime versions (PEP 440 specifiers) this package was generated for."""\n\nrequire_runtime(RUNTIME_REQUIREMENT, '
    yield str(environment.finalize((undefined(name='package') if l_0_package is missing else l_0_package)))
    yield ')\n'

blocks = {}
debug_info = '1=15&11=17&13=19&16=21'