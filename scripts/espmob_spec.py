# SPDX-License-Identifier: GPL-2.0
"""The esp_mobility family as Documentation/netlink/specs/esp_mobility.yaml
describes it: attribute numbers, types and checks, command numbers, and the
C names uapi/linux/esp_mobility.h must define, by YNL's naming rules.

The Python clients (selftests/pcap, debug/) take every number from here, so
the spec is the single description of the family; scripts/ynl-check holds
the uapi header and the module's policy tables to it.
"""
import os
import sys

try:
    import yaml
except ImportError:
    # python3 -S (the selftests start Python so, to boot faster under TCG)
    # leaves out Debian's dist-packages, where python3-yaml lives
    sys.path.append('/usr/lib/python3/dist-packages')
    import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(TOP, 'Documentation', 'netlink', 'specs',
                    'esp_mobility.yaml')


def c_upper(name):
    return name.upper().replace('-', '_')


class Attr:
    """One attribute of an attribute set."""

    def __init__(self, yml, value, c_name):
        self.name = yml['name']
        self.value = value
        self.c_name = c_name
        self.type = yml['type']
        self.checks = yml.get('checks', {})
        self.nested = yml.get('nested-attributes')
        self.multi = yml.get('multi-attr', False)
        self.byte_order = yml.get('byte-order')


class AttrSet:
    def __init__(self, yml):
        self.name = yml['name']
        self.prefix = yml['name-prefix']
        self.enum_name = yml.get('enum-name')
        self.attrs = {}
        value = 1
        for a in yml['attributes']:
            value = a.get('value', value)
            self.attrs[a['name']] = Attr(a, value,
                                         c_upper(self.prefix + a['name']))
            value += 1
        self.max_name = c_upper(self.prefix + 'max')
        self.max_value = value - 1

    def __getitem__(self, name):
        return self.attrs[name]

    def __iter__(self):
        return iter(self.attrs.values())


class Spec:
    def __init__(self, path=SPEC):
        with open(path) as f:
            self.yaml = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader',
                                                    yaml.SafeLoader))
        y = self.yaml
        self.name = y['name']
        self.version = y.get('version', 1)
        self.sets = {s['name']: AttrSet(s) for s in y['attribute-sets']}
        ops = y['operations']
        self.op_prefix = ops['name-prefix']
        self.ops = {}
        value = 1
        for op in ops['list']:
            value = op.get('value', value)
            self.ops[op['name']] = dict(op, value=value,
                                        c_name=c_upper(self.op_prefix +
                                                       op['name']))
            value += 1
        self.op_max_value = value - 1
        self.consts = {}
        for d in y.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d['value']
        self.mcgrps = y.get('mcast-groups', {}).get('list', [])

    def set(self, name):
        return self.sets[name]

    def attr(self, set_name, name):
        return self.sets[set_name][name]

    def op(self, name):
        return self.ops[name]['value']

    def request_attrs(self, op_name):
        """Names of the attributes an operation's do request takes."""
        op = self.ops[op_name]
        return op.get('do', {}).get('request', {}).get('attributes', [])

    def c_names(self):
        """Every name the uapi header must define, with its value (an int,
        or a string for the family and group names)."""
        y = self.yaml
        names = {
            c_upper(y['c-family-name']): self.name,
            c_upper(y['c-version-name']): self.version,
        }
        for d in y.get('definitions', []):
            prefix = d.get('name-prefix', self.name + '-')
            if d['type'] == 'const':
                # ynl-gen-c 6.12 ignores a const's name-prefix in uapi
                # mode; the header follows the prefix, as for the enums
                names[c_upper(prefix + d['name'])] = d['value']
                continue
            value = d.get('value-start', 0)
            mask = 0
            for i, e in enumerate(d['entries']):
                ename = e if isinstance(e, str) else e['name']
                if d['type'] == 'flags':
                    v = 1 << (value + i)
                    mask |= v
                else:
                    v = value + i
                names[c_upper(prefix + ename)] = v
            if d.get('render-max'):
                if d['type'] == 'flags':
                    names[c_upper(prefix + 'mask')] = mask
                else:
                    n = value + len(d['entries'])
                    names['__' + c_upper(prefix + 'max')] = n
                    names[c_upper(prefix + 'max')] = n - 1
        for s in self.sets.values():
            for a in s:
                names[a.c_name] = a.value
            names['__' + s.max_name] = s.max_value + 1
            names[s.max_name] = s.max_value
        for op in self.ops.values():
            names[op['c_name']] = op['value']
        names['__' + c_upper(self.op_prefix + 'max')] = self.op_max_value + 1
        names[c_upper(self.op_prefix + 'max')] = self.op_max_value
        for g in self.mcgrps:
            names[c_upper(g['c-define-name'])] = g['name']
        return names


_default = None


def spec():
    """The spec of this tree, loaded once."""
    global _default
    if _default is None:
        _default = Spec()
    return _default
