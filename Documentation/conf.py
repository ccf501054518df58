# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for kasync's Documentation/.  Build it with
# `make htmldocs` (scripts/htmldocs): that finds the kernel source the
# kernel-doc extension comes from and passes it in KASYNC_KERNEL_SRC.

import os
import subprocess
import sys

from sphinx.errors import ConfigError

top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
ksrc = os.environ.get('KASYNC_KERNEL_SRC')
if not ksrc:
    raise ConfigError('KASYNC_KERNEL_SRC (a kernel source tree) is not set; '
                      'build with make htmldocs')

# The kernel's own kernel-doc extension (Documentation/sphinx/kerneldoc.py
# and kernellog.py) runs the kernel's scripts/kernel-doc on kasync's files.
# Importing them must not write __pycache__ into the kernel tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = top          # .. kernel-doc:: paths are from the repo root
# A kernel-doc warning makes kernel-doc fail, which the extension reports as
# a Sphinx warning: with -W, the build fails.
os.environ['KDOC_WERROR'] = '1'

project = 'kasync'
copyright = 'The kasync authors'
author = 'The kasync authors'
try:
    release = subprocess.run(['git', '-C', top, 'describe', '--always', '--dirty'],
                             capture_output=True, text=True,
                             check=True).stdout.strip()
except (OSError, subprocess.CalledProcessError):
    release = ''
version = release

master_doc = 'index'
source_suffix = '.rst'
# primitives.rst pulls these in with .. include::; they are no documents
# of their own.
exclude_patterns = ['primitives-*.rst']
primary_domain = 'c'
highlight_language = 'none'
pygments_style = 'sphinx'

# Kernel attributes that Sphinx's C parser does not know (as the kernel's
# own conf.py lists them); kernel-doc leaves some in the prototypes.
c_id_attributes = [
    '__init', '__exit', '__iomem', '__user', '__rcu', '__percpu', '__force',
    '__must_check', '__always_inline', '__maybe_unused', '__printf',
    '__cold', '__pure', '__packed', '__aligned', 'notrace', 'noinline',
    'asmlinkage',
]

html_theme = 'alabaster'
html_title = 'kasync ' + release if release else 'kasync'
html_show_sourcelink = False

# Sphinx's C domain keeps struct tags and ordinary identifiers in one
# namespace, so a struct named like a function or macro (struct
# kasync_chan_info and kasync_chan_info()) is a "Duplicate C declaration".
# The kernel-doc directive below puts these structs in a C namespace "tag",
# which the pages do not show, and points &struct references there.
kasync_tag_structs = [
    'kasync_blocking', 'kasync_blocking_stats', 'kasync_chan_info',
    'kasync_file_stats', 'kasync_group_wait', 'kasync_sock_connect',
]


def setup(app):
    import re
    from docutils.statemachine import ViewList
    from kerneldoc import KernelDocDirective

    names = '|'.join(map(re.escape, kasync_tag_structs))
    decl = re.compile(r'\.\. c:(struct|union|enum):: (%s)\s*$' % names)
    ref = re.compile(r'(:c:type:`[^`<]*<)(%s>`)' % names)

    class KasyncKernelDoc(KernelDocDirective):
        def do_parse(self, result, node):
            out = ViewList()
            in_tag = False
            for src, off, line in result.xitems():
                if in_tag and line and not line[0].isspace():
                    out.append('.. c:namespace-pop::', src, off)
                    out.append('', src, off)
                    in_tag = False
                if decl.match(line):
                    out.append('.. c:namespace-push:: tag', src, off)
                    out.append('', src, off)
                    in_tag = True
                out.append(ref.sub(r'\1tag.\2', line), src, off)
            if in_tag:
                out.append('', src, off)
                out.append('.. c:namespace-pop::', src, off)
            super().do_parse(out, node)

    app.add_directive('kernel-doc', KasyncKernelDoc, override=True)
