"""Run the connection check from Milvus's TLS guide and print the outcome
as one JSON line: {"ok": bool, "version": str, "error": str, "error_type": str}.

The guide's check is:
    connections.connect(host=..., port=..., secure=True,
                        server_name=..., server_pem_path=...)
    utility.get_server_version()

Usage: python pymilvus_verify.py --host H --port P --server-name N
           --server-pem F [--timeout SECONDS]
"""

import argparse
import json
import sys
import warnings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--host', required=True)
    parser.add_argument('--port', required=True, type=int)
    parser.add_argument('--server-name', required=True,
                        help='TLS server name: SNI and the name to verify')
    parser.add_argument('--server-pem', required=True,
                        help='certificate trusted as the only root')
    parser.add_argument('--timeout', type=float, default=10.0,
                        help='connect timeout in seconds')
    args = parser.parse_args()

    # pymilvus 3.0 warns that the ORM-style API will go; the guide uses it.
    warnings.simplefilter('ignore')
    result = {'ok': False, 'version': '', 'error': '', 'error_type': ''}
    try:
        # Imported here so an import failure is reported as JSON too.
        from pymilvus import connections, utility
        connections.connect(host=args.host, port=args.port, secure=True,
                            server_name=args.server_name,
                            server_pem_path=args.server_pem,
                            timeout=args.timeout)
        result['version'] = utility.get_server_version(timeout=args.timeout)
        result['ok'] = True
    except Exception as ex:  # pylint: disable=broad-except
        result['error'] = str(ex)
        result['error_type'] = type(ex).__name__
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == '__main__':
    main()
