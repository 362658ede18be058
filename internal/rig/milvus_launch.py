"""Start the embedded Milvus standalone of the PyPI package milvus (2.3.5)
on ports chosen by the caller, and stop it when stdin closes.

The package's own milvus-server command picks each port by probing upward
from a default (9091 for /healthz, 2379 for etcd, ...). Two servers on one
machine can so land on ports the caller did not expect. Its embedded etcd
always listens on localhost:2379 and 2380. This launcher sets every
port explicitly, points the embedded etcd at a config file with those
ports, and prints one JSON line with the ports actually used.

Usage: python milvus_launch.py --data-dir DIR --bin-dir DIR --ports JSON
           --ports-file FILE
           [--tls-mode N --server-pem F --server-key F --ca-pem F]
           [--authorization-enabled]
"""

import argparse
import fcntl
import json
import os
import signal
import sys
import threading

import milvus

# Port keys of the package's config template, each one a listener of the
# standalone process. index_coord_port is in the template but Milvus 2.3
# serves index coordination from the data coordinator, so it is not bound.
TEMPLATE_PORT_KEYS = (
    'etcd_port',
    'root_coord_port',
    'proxy_port',
    'proxy_internal_port',
    'query_coord_port',
    'query_node_port',
    'index_coord_port',
    'index_node_port',
    'data_coord_port',
    'data_node_port',
)

# Config sections whose "ip:" line sets the address a component registers
# in etcd. Without it Milvus registers the first non-loopback address.
COMPONENT_SECTIONS = ('rootCoord', 'proxy', 'queryCoord', 'queryNode',
                      'indexNode', 'dataCoord', 'dataNode')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-dir', required=True,
                        help='directory for the config, data and logs')
    parser.add_argument('--bin-dir', required=True,
                        help='shared directory for the unpacked Milvus binary')
    parser.add_argument('--ports', required=True,
                        help='JSON object of port keys to port numbers, '
                             'plus etcd_peer_port and metrics_port')
    parser.add_argument('--ports-file', required=True,
                        help='file to write the JSON of the ports used to, '
                             'once the server process runs')
    parser.add_argument('--tls-mode', type=int, default=0,
                        help='common.security.tlsMode: 0 plain, 1 one-way, 2 mutual')
    parser.add_argument('--server-pem', default='', help='server certificate file')
    parser.add_argument('--server-key', default='', help='server private key file')
    parser.add_argument('--ca-pem', default='', help='CA file for tlsMode 2')
    parser.add_argument('--authorization-enabled', action='store_true',
                        help='set common.security.authorizationEnabled')
    return parser.parse_args()


def unpack_binary(bin_dir):
    """Unpack the Milvus binary and libraries once into bin_dir.

    The package unpacks about 250 MB into every data directory; sharing one
    copy makes a start seconds faster. The lock serializes launchers that
    start at the same time.
    """
    os.makedirs(bin_dir, exist_ok=True)
    with open(os.path.join(bin_dir, '.lock'), 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # The package unpacks into BASE/bin and skips files whose checksum
        # file matches, so BASE is the parent of bin_dir.
        # pylint: disable=protected-access
        milvus._initialize_data_files(os.path.dirname(bin_dir))


def write_etcd_config(path, client_port, peer_port):
    """Write the embedded etcd's config: loopback only, on the given ports."""
    client = f'http://127.0.0.1:{client_port}'
    peer = f'http://127.0.0.1:{peer_port}'
    with open(path, 'w', encoding='utf-8') as out:
        out.write(f'name: default\n'
                  f'listen-client-urls: {client}\n'
                  f'advertise-client-urls: {client}\n'
                  f'listen-peer-urls: {peer}\n'
                  f'initial-advertise-peer-urls: {peer}\n'
                  f'initial-cluster: default={peer}\n')


def write_template(path, etcd_config_path):
    """Copy the package's config template with two changes: the embedded
    etcd reads etcd_config_path, and every component registers 127.0.0.1."""
    config = milvus.MilvusServerConfig()
    lines = []
    section = ''
    for line in config.template_text.split('\n'):
        if line and not line.startswith((' ', '#')):
            section = line.split(':', 1)[0]
        if section == 'etcd' and line.startswith('  endpoints:'):
            lines.append(line.replace('localhost', '127.0.0.1'))
            lines.append('  config:')
            lines.append(f'    path: {etcd_config_path}')
            continue
        if section in COMPONENT_SECTIONS and line.startswith('  ip:'):
            lines.append('  ip: 127.0.0.1')
            continue
        lines.append(line)
    with open(path, 'w', encoding='utf-8') as out:
        out.write('\n'.join(lines))


def new_server(args, ports):
    configs_dir = os.path.join(args.data_dir, 'launcher')
    os.makedirs(configs_dir, exist_ok=True)
    etcd_config = os.path.join(configs_dir, 'etcd.yaml')
    template = os.path.join(configs_dir, 'milvus.yaml.template')
    write_etcd_config(etcd_config, ports['etcd_port'], ports['etcd_peer_port'])
    write_template(template, etcd_config)

    settings = {key: ports[key] for key in TEMPLATE_PORT_KEYS}
    config = milvus.MilvusServerConfig(template=template, data_dir=args.data_dir,
                                       **settings)
    # The package sets the glog config path only for its own template.
    config.glog_conf_file = os.path.join(os.path.dirname(milvus.__file__),
                                         'data', 'glog.conf')
    config.set('tls_mode', args.tls_mode)
    config.set('authorization_enabled', args.authorization_enabled)
    for key, value in (('server_pem_path', args.server_pem),
                       ('server_key_path', args.server_key),
                       ('ca_pem_path', args.ca_pem)):
        if value:
            config.set(key, os.path.abspath(value))

    server = milvus.MilvusServer(config, wait_for_started=False)
    # MilvusServer.start probes upward from webservice_port for a free port,
    # so the port used is read back from the server after start.
    server.webservice_port = ports['metrics_port']
    return server


def link_binary(data_dir, bin_dir):
    link = os.path.join(data_dir, 'bin')
    if not os.path.islink(link):
        os.symlink(bin_dir, link)


def main():
    args = parse_args()
    ports = json.loads(args.ports)
    os.makedirs(args.data_dir, exist_ok=True)
    unpack_binary(args.bin_dir)
    link_binary(args.data_dir, args.bin_dir)

    server = new_server(args, ports)
    stopped = threading.Event()

    def stop(*_):
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # The caller keeps stdin open, so EOF means the caller is gone.
    threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()),
                     daemon=True).start()

    server.start()
    used = {key: server.config.get(key) for key in TEMPLATE_PORT_KEYS}
    used['etcd_peer_port'] = ports['etcd_peer_port']
    used['metrics_port'] = server.webservice_port
    launched = json.dumps({'pid': server.server_proc.pid, 'ports': used})
    print(launched, flush=True)
    # Write and rename, so a reader never sees a partial file.
    with open(args.ports_file + '.tmp', 'w', encoding='utf-8') as out:
        out.write(launched)
    os.replace(args.ports_file + '.tmp', args.ports_file)

    while not stopped.wait(0.2):
        if server.server_proc.poll() is not None:
            print(f'milvus exited with code {server.server_proc.returncode}',
                  file=sys.stderr, flush=True)
            sys.exit(1)
    server.stop()


if __name__ == '__main__':
    main()
