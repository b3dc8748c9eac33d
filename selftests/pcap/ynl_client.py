#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""esp_mobility driven by the kernel's YNL Python library (tools/net/ynl of
linux-source-6.12, extracted to build/ynl by scripts/setup-ynl) and the
family's spec alone: nothing here knows an attribute number.

  ynl_client.py info
  ynl_client.py migrate JSON      a MIGRATE request in the spec's names;
                                  IPv4 addresses may be dotted strings
  ynl_client.py policy            the running module's policies against
                                  the spec, via the nlctrl spec's getpolicy

Prints one JSON object: the reply and the notifications it raised, or
{"errno": N, "msg": "..."} when the kernel refused.
"""
import ipaddress
import json
import os
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
YNL = os.path.join(TOP, 'build', 'ynl')
sys.path.insert(0, os.path.join(YNL, 'tools', 'net', 'ynl'))
from lib import YnlFamily, NlError  # noqa: E402

SPEC = os.path.join(TOP, 'Documentation', 'netlink', 'specs',
                    'esp_mobility.yaml')
SCHEMA = os.path.join(YNL, 'Documentation', 'netlink',
                      'genetlink-legacy.yaml')
NLCTRL = os.path.join(YNL, 'Documentation', 'netlink', 'specs',
                      'nlctrl.yaml')


def ipv4_ints(vals):
    """Dotted IPv4 strings to the integers YNL packs big endian."""
    if isinstance(vals, dict):
        return {k: (int(ipaddress.IPv4Address(v))
                    if k.endswith('-ipv4') and isinstance(v, str)
                    else ipv4_ints(v)) for k, v in vals.items()}
    return vals


def family():
    # process_unknown: 6.12's library cannot decode a 'pad' attribute (the
    # kernel adds one before an unaligned u64); it then keeps it as raw
    return YnlFamily(SPEC, SCHEMA, process_unknown=True)


def migrate(vals):
    # the notification listener has a socket of its own: 6.12's library
    # loses track of a request when a notification arrives on its socket
    # before the reply (the module multicasts first)
    listener = family()
    listener.ntf_subscribe('migrate')
    try:
        reply = family().do('migrate', ipv4_ints(vals))
    except NlError as e:
        return {'errno': -e.nl_msg.error, 'msg': e.nl_msg.extack.get('msg')}
    listener.check_ntf()
    return {'reply': reply, 'ntf': listener.async_msg_queue}


# nlctrl's policy attribute types (enum netlink_attribute_type)
NL_ATTR_TYPE = {'u8': 'u8', 'u16': 'u16', 'u32': 'u32', 'u64': 'u64',
                'binary': 'binary', 'nested': 'nest', 'flag': 'flag',
                'reject': 'reject'}


def running_policies():
    """{op name: {attr name: (type, min, max, length)}} of the top set, as
    the running module reports them, and the same from the spec."""
    import espmob_spec
    spec = espmob_spec.spec()
    top = spec.set('espmob')
    ctrl = YnlFamily(NLCTRL, process_unknown=True)	# its pad, as above
    msgs = ctrl.dump('getpolicy', {'family-name': 'esp_mobility'})
    # one message per op (op-policy: op-id, do, dump) and one per attribute
    # of each policy table (policy: policy-id, attr-id, type, ranges)
    op_policy, tables = {}, {}
    for m in msgs:
        if 'op-policy' in m:
            op_policy[m['op-policy']['op-id']] = m['op-policy'].get('do')
        if 'policy' in m:
            p = m['policy']
            tables.setdefault(p['policy-id'], {})[p['attr-id']] = p
    got, want = {}, {}
    for name, op in spec.ops.items():
        if 'do' not in op:
            continue
        idx = op_policy.get(op['value'])
        table = tables.get(idx, {})
        req = spec.request_attrs(name)
        got[name], want[name] = {}, {}
        for a in top:
            p = table.get(a.value, {})
            got[name][a.name] = [p.get('type'), p.get('min-value-u'),
                                 p.get('max-value-u')]
            if a.name not in req:
                # the kernel leaves refused (NLA_REJECT) types out of
                # the dump: what a command does not list, it does not take
                want[name][a.name] = [None, None, None]
                continue
            t = {'nest': 'nested', 'u32': 'u32', 'u8': 'u8', 'u16': 'u16',
                 'binary': 'binary'}[a.type]
            lo = a.checks.get('min')
            hi = a.checks.get('max')
            if t in ('u8', 'u16', 'u32'):
                # the kernel reports the range it enforces: the type's
                # own bounds where the policy sets none
                lo = 0 if lo is None else lo
                hi = {'u8': 0xff, 'u16': 0xffff,
                      'u32': 0xffffffff}[t] if hi is None else hi
                if 'flags-mask' in a.checks:
                    # a mask has no range (6.1 does not dump the mask)
                    lo, hi = None, None
            want[name][a.name] = [t, lo, hi]
    return got, want


def main():
    cmd = sys.argv[1]
    if cmd == 'info':
        out = family().do('get-info', {})
    elif cmd == 'migrate':
        out = migrate(json.loads(sys.argv[2]))
    elif cmd == 'policy':
        sys.path.insert(0, os.path.join(TOP, 'scripts'))
        got, want = running_policies()
        out = {'got': got, 'want': want}
    else:
        sys.exit('unknown command ' + cmd)
    json.dump(out, sys.stdout, default=str, sort_keys=True)
    print()


if __name__ == '__main__':
    main()
